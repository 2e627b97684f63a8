#!/usr/bin/env node
import { ReflektorError } from './errors.js';
import { loggerFor, setUpLogging } from './log.js';
import { helpText, parseCli } from './options.js';
import { startReflektor } from './server.js';
import { RedisStore } from './store/redis.js';

async function main(): Promise<void> {
  let settings: ReturnType<typeof parseCli>;
  try {
    settings = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`reflektor: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (settings === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  setUpLogging(settings.logLevel, settings.logFormat);
  const log = loggerFor('reflektor');
  const store =
    settings.redisUrl === null
      ? undefined
      : new RedisStore({
          url: settings.redisUrl,
          prefix: settings.redisPrefix,
          partitions: settings.partitions,
          leaseMs: settings.redisLeaseMs,
        });
  // Signal handlers come first: a SIGTERM that arrives while reflektor starts (or right after its
  // "started" line) still shuts it down cleanly, once it is up, instead of killing it.
  let handle: Awaited<ReturnType<typeof startReflektor>> | undefined;
  let stopping = false;
  const close = (): void => {
    handle!.close().then(
      () => process.exit(0),
      (error: Error) => {
        log.error('shutdown failed', { error: error.message });
        process.exit(1);
      },
    );
  };
  const stop = (signal: string, deadlineMs?: number): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    if (deadlineMs !== undefined) setTimeout(() => process.exit(1), deadlineMs).unref();
    if (handle !== undefined) close();
    else if (deadlineMs !== undefined) process.exit(1);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a supervisor (backchannel start) with an IPC channel: its end closes however the
  // supervisor dies, even by SIGKILL, and reflektor must not outlive it holding its ports. What it
  // accepted is on disk; what it had not yet delivered is delivered by the next start.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => stop('the supervising process is gone', 200));
  }
  try {
    handle = await startReflektor({ ...settings, store, log });
  } catch (error) {
    const code = error instanceof ReflektorError ? error.code : 'start_failed';
    log.error((error as Error).message, { code });
    process.exit(1);
  }
  if (stopping) close();
}

main();
