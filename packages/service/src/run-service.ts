// How every service runs: flags read from one table (exit 2 with the flag named when one is
// wrong), logging set up, signal handlers installed before anything starts, a port that is
// taken or not allowed turned into one clear message naming its flag (exit 1), and SIGTERM,
// SIGINT or the end of the supervisor's IPC channel draining the service with a deadline.
import { getLogger, type Logger } from '@backchannel/logging';
import { type FlagTable, type FlagValues, helpText, readFlags } from './flag-table.js';
import { configureLogging, loggingFlags } from './log-setup.js';
import { UsageError } from './usage-error.js';

/** What `start` returns: something to close on shutdown. */
export interface RunningService {
  close(): Promise<void>;
}

export type ServiceFlags<T extends FlagTable> = T & typeof loggingFlags;

export interface ServiceDefinition<T extends FlagTable> {
  /** The program's name as people type it (`ekg`, `backchannel-api`); also the logger's name. */
  program: string;
  /** What it does, for --help. */
  summary: string;
  /** The service's own flags; `--log-level`, `--log-format` and `--help` are added. */
  flags: T;
  /** Extra text at the end of --help. */
  helpFooter?: string;
  /** Starts the service; resolves once it is ready for traffic. */
  start(values: FlagValues<ServiceFlags<T>>, log: Logger): Promise<RunningService>;
  /** Longest a SIGTERM/SIGINT drain may take before the process exits 1, ms. Default 30 000. */
  shutdownDeadlineMs?: number;
  /** Longest a drain may take once the supervisor is gone, ms. Default 200. */
  orphanDeadlineMs?: number;
}

export interface RunServiceOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Where messages for people go before logging is set up (default process.stderr). */
  stderr?: { write(text: string): unknown };
  stdout?: { write(text: string): unknown };
  /** Ends the process (default process.exit). */
  exit?: (code: number) => void;
}

/** The error a failed listen throws: its code, and the port and address it was about. */
interface ListenError {
  code?: string;
  port?: number;
  address?: string;
  syscall?: string;
}

/**
 * One clear sentence for a port that is taken (EADDRINUSE) or not allowed (EACCES), naming the
 * flag and variable that move it; undefined for any other error.
 */
export function describeListenError(
  error: unknown,
  table: FlagTable,
  values: Record<string, unknown>,
): string | undefined {
  const listen = error as ListenError | null;
  if (typeof listen !== 'object' || listen === null) return undefined;
  if (listen.code !== 'EADDRINUSE' && listen.code !== 'EACCES') return undefined;
  const portFlag = Object.entries(table).find(
    ([name, spec]) => name.endsWith('port') && spec.kind !== 'switch' && values[name] === listen.port,
  );
  const how = portFlag
    ? `choose another with --${portFlag[0]}${portFlag[1].env ? ` or ${portFlag[1].env}` : ''}`
    : 'choose another port';
  const where = `${listen.address ?? ''}${listen.port !== undefined ? `:${listen.port}` : ''}`;
  return listen.code === 'EADDRINUSE'
    ? `port ${listen.port ?? '?'} is already in use (${where}): stop what holds it, or ${how}`
    : `not allowed to listen on ${where} (ports below 1024 need privileges): ${how}`;
}

/**
 * Runs a service as a program. Exit codes: 0 after a clean shutdown, 1 when it could not start
 * or stop cleanly, 2 for a bad flag or variable.
 */
export async function runService<T extends FlagTable>(
  definition: ServiceDefinition<T>,
  options: RunServiceOptions = {},
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const table = { ...definition.flags, ...loggingFlags } as ServiceFlags<T>;

  let read: ReturnType<typeof readFlags<ServiceFlags<T>>>;
  try {
    read = readFlags(table, argv, options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(
      `${definition.program}: ${error.message}\nRun "${definition.program} --help" to see every flag.\n`,
    );
    exit(2);
    return;
  }
  if (read.help) {
    stdout.write(
      helpText(table, {
        program: definition.program,
        summary: definition.summary,
        footer: definition.helpFooter,
      }),
    );
    exit(0);
    return;
  }
  const { values } = read;
  const logging = values as unknown as FlagValues<typeof loggingFlags>;
  configureLogging(logging['log-level'], logging['log-format']);
  const log = getLogger(definition.program);
  for (const warning of read.warnings) log.warning(warning);

  // Handlers come first: a SIGTERM that arrives while the service starts (or right after its
  // "listening" line) drains it once it is up, instead of killing it mid-start.
  let running: RunningService | undefined;
  let stopping: { reason: string; deadlineMs: number } | undefined;
  const drain = () => {
    if (!stopping || !running) return;
    setTimeout(() => {
      log.error(`shutdown did not finish within ${stopping?.deadlineMs} ms; exiting`);
      exit(1);
    }, stopping.deadlineMs).unref();
    running.close().then(
      () => exit(0),
      (error: unknown) => {
        log.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  const stop = (reason: string, deadlineMs: number) => {
    if (stopping) return;
    stopping = { reason, deadlineMs };
    log.info(`${reason}: shutting down`);
    drain();
  };
  const shutdownDeadline = definition.shutdownDeadlineMs ?? 30_000;
  const onSigterm = () => stop('SIGTERM', shutdownDeadline);
  const onSigint = () => stop('SIGINT', shutdownDeadline);
  process.on('SIGTERM', onSigterm);
  process.on('SIGINT', onSigint);
  // Started by a supervisor with an IPC channel: it closes however the supervisor dies, even by
  // SIGKILL, and the service must not outlive it holding its port.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () =>
      stop('the supervising process is gone', definition.orphanDeadlineMs ?? 200),
    );
  }

  try {
    running = await definition.start(values, log);
  } catch (error) {
    if (error instanceof UsageError) {
      // A combination of flags the table cannot check on its own (e.g. one of two is required).
      stderr.write(
        `${definition.program}: ${error.message}\nRun "${definition.program} --help" to see every flag.\n`,
      );
      exit(2);
      return;
    }
    const listen = describeListenError(error, table, values as Record<string, unknown>);
    log.error(listen ?? `could not start: ${error instanceof Error ? error.message : String(error)}`);
    exit(1);
    return;
  }
  drain();
}
