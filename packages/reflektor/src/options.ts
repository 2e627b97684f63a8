// reflektor's flags: one table that gives the program its values, --help and the README's
// table, and the settings the server takes, checked across flags.
import {
  type FlagValues,
  InvalidValue,
  listFlag,
  loggingFlags,
  optionalFlag,
  parse,
  readFlags,
  UsageError,
  valueFlag,
} from '@backchannel/service';
import { ReflektorError } from './errors.js';
import type { LogFormat, LogLevel } from './log.js';
import { checkTargets, loadRoutingFile, type Mode, type Target } from './routing.js';
import type { Durability } from './store/sqlite.js';

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A size (`512kb`, `1mb`) or a plain count, as given. */
const sizeOrCount = (raw: string): { bytes: number } | { count: number } => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  if (!match) throw new InvalidValue('must be a number or a size such as 1mb');
  const unit = (match[2] ?? '').toLowerCase();
  if (unit === '') return { count: Number(match[1]) };
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) throw new InvalidValue(`has an unknown unit "${match[2]}" (use b, kb, mb, gb)`);
  return { bytes: Math.floor(Number(match[1]) * factor) };
};

/** Durations as reflektor always took them: 250ms, 10s, 5m, 24h, 7d; a bare number is ms. */
const duration = parse.duration({ max: 365 * 86_400_000 });

const webhookSecret = (raw: string): string => {
  if (!/^whsec_[A-Za-z0-9+/=]+$/.test(raw))
    throw new InvalidValue('must be a Standard Webhooks secret: whsec_ followed by base64');
  return raw;
};

const store = (raw: string): string => {
  if (raw !== 'sqlite' && !/^rediss?:\/\//.test(raw))
    throw new InvalidValue('must be sqlite or a redis:// URL');
  return raw;
};

/** Every flag with its environment variable and default (--help and the README show them). */
export const reflektorFlags = {
  target: listFlag({
    env: 'REFLEKTOR_TARGET',
    help: 'host to replay to (repeat, or comma-separate in the env variable)',
    default: [],
    defaultText: 'none',
    parse: parse.text,
  }),
  mode: valueFlag<Mode>({
    env: 'REFLEKTOR_MODE',
    help: 'broadcast (every host) or balance (one healthy host)',
    default: 'broadcast',
    parse: parse.oneOf(['broadcast', 'balance'] as const),
  }),
  config: optionalFlag({
    env: 'REFLEKTOR_CONFIG',
    help: 'routing file: named targets by path prefix (instead of --target)',
    parse: parse.text,
  }),
  port: valueFlag({ env: 'REFLEKTOR_PORT', help: 'ingest port', default: 3002, parse: parse.port }),
  host: valueFlag({
    env: 'REFLEKTOR_HOST',
    help: 'ingest address (0.0.0.0 for all interfaces)',
    default: '127.0.0.1',
    parse: parse.text,
  }),
  'admin-port': valueFlag({
    env: 'REFLEKTOR_ADMIN_PORT',
    help: 'admin port (health, metrics, stats, dead letters)',
    default: 3003,
    parse: parse.port,
  }),
  'admin-host': valueFlag({
    env: 'REFLEKTOR_ADMIN_HOST',
    help: 'admin address',
    default: '127.0.0.1',
    parse: parse.text,
  }),
  'data-dir': valueFlag({
    env: 'REFLEKTOR_DATA_DIR',
    envAliases: ['REFLEKTOR_DATA'],
    aliases: ['data'],
    help: 'directory of the SQLite queue',
    default: './data/reflektor',
    parse: parse.text,
  }),
  durability: valueFlag<Durability>({
    env: 'REFLEKTOR_DURABILITY',
    help: 'fsync (a 202 survives power loss) or os (survives a crash of the process)',
    default: 'fsync',
    parse: parse.oneOf(['fsync', 'os'] as const),
  }),
  store: valueFlag({
    env: 'REFLEKTOR_STORE',
    help: 'sqlite (under --data-dir), or redis://… for Redis Streams shared by several instances',
    default: 'sqlite',
    parse: store,
  }),
  'redis-prefix': valueFlag({
    env: 'REFLEKTOR_REDIS_PREFIX',
    help: 'key prefix of the shared Redis queue',
    default: 'reflektor',
    parse: parse.text,
  }),
  partitions: valueFlag({
    env: 'REFLEKTOR_PARTITIONS',
    help: 'Redis streams per target (ordering keys are spread over them); same on every instance',
    default: 16,
    parse: parse.integer(1, 4096),
  }),
  'redis-lease': valueFlag({
    env: 'REFLEKTOR_REDIS_LEASE',
    help: 'how long a dead instance keeps its streams before another takes them over',
    default: 10_000,
    defaultText: '10s',
    parse: duration,
  }),
  token: optionalFlag({
    env: 'REFLEKTOR_TOKEN',
    help: 'require "Authorization: Bearer <token>" on ingest',
    parse: parse.text,
  }),
  'admin-token': optionalFlag({
    env: 'REFLEKTOR_ADMIN_TOKEN',
    help: 'require "Authorization: Bearer <token>" on the admin port (all but /health, /ready)',
    parse: parse.text,
  }),
  'webhook-secret': optionalFlag({
    env: 'REFLEKTOR_WEBHOOK_SECRET',
    envAliases: ['REFLEKTOR_SIGN_SECRET'],
    aliases: ['sign-secret'],
    help: 'whsec_… secret: sign replays with Standard Webhooks headers',
    parse: webhookSecret,
  }),
  'status-recording': valueFlag({
    env: 'REFLEKTOR_STATUS_RECORDING',
    help: 'record status figures and serve GET /status/ring on the admin port: on or off',
    default: 'on' as 'on' | 'off',
    parse: parse.oneOf(['on', 'off'] as const),
  }),
  'status-token': optionalFlag({
    env: 'BACKCHANNEL_STATUS_TOKEN',
    help: 'token that opens GET /status/ring from beyond loopback',
    parse: parse.text,
  }),
  'max-body': valueFlag({
    env: 'REFLEKTOR_MAX_BODY',
    help: 'largest body accepted (413 above)',
    default: { bytes: 1024 ** 2 } as { bytes: number } | { count: number },
    defaultText: '1mb',
    parse: sizeOrCount,
  }),
  'max-queue': valueFlag({
    env: 'REFLEKTOR_MAX_QUEUE',
    help: 'per-lane backlog before 503: a count, or a size such as 512mb',
    default: { count: 1_000_000 } as { bytes: number } | { count: number },
    defaultText: '1000000',
    parse: sizeOrCount,
  }),
  'max-age': valueFlag({
    env: 'REFLEKTOR_MAX_AGE',
    help: 'give up (dead letter) on requests older than this',
    default: 24 * 3_600_000,
    defaultText: '24h',
    parse: duration,
  }),
  'max-attempts': valueFlag({
    env: 'REFLEKTOR_MAX_ATTEMPTS',
    help: 'give up after this many attempts (0: no limit)',
    default: 0,
    parse: parse.integer(0, 1_000_000),
  }),
  'retry-base': valueFlag({
    env: 'REFLEKTOR_RETRY_BASE',
    help: 'first backoff step (full jitter, doubling)',
    default: 100,
    defaultText: '100ms',
    parse: duration,
  }),
  'retry-max': valueFlag({
    env: 'REFLEKTOR_RETRY_MAX',
    help: 'longest backoff step',
    default: 10_000,
    defaultText: '10s',
    parse: duration,
  }),
  timeout: valueFlag({
    env: 'REFLEKTOR_TIMEOUT',
    help: 'per-attempt timeout (connect, headers, body)',
    default: 10_000,
    defaultText: '10s',
    parse: duration,
  }),
  concurrency: valueFlag({
    env: 'REFLEKTOR_CONCURRENCY',
    help: 'requests in flight per lane',
    default: 64,
    parse: parse.integer(1, 100_000),
  }),
  connections: valueFlag({
    env: 'REFLEKTOR_CONNECTIONS',
    help: 'keep-alive connections per host',
    default: 16,
    parse: parse.integer(1, 10_000),
  }),
  'shutdown-timeout': valueFlag({
    env: 'REFLEKTOR_SHUTDOWN_TIMEOUT',
    help: 'on SIGTERM, wait this long for deliveries in flight',
    default: 10_000,
    defaultText: '10s',
    parse: duration,
  }),
};

/** The CLI's settings after parsing and checking. */
export interface CliSettings {
  targets: Target[];
  port: number;
  host: string;
  adminPort: number;
  adminHost: string;
  data: string;
  durability: Durability;
  redisUrl: string | null;
  redisPrefix: string;
  partitions: number;
  redisLeaseMs: number;
  token: string | null;
  adminToken: string | null;
  signSecret: string | null;
  statusRecording: boolean;
  statusToken: string | null;
  maxBody: number;
  maxQueue: number;
  maxQueueBytes: number;
  maxAgeMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  concurrency: number;
  connections: number;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/**
 * The server's settings from the flags' values, with the checks that span flags.
 * @throws UsageError naming the flag to fix (a routing file's problems included).
 */
export function settingsFrom(values: FlagValues<typeof reflektorFlags & typeof loggingFlags>): CliSettings {
  const hosts = values.target
    .flatMap((h) => h.split(','))
    .map((h) => h.trim())
    .filter(Boolean);
  let targets: Target[];
  try {
    if (values.config) {
      if (hosts.length > 0)
        throw new UsageError('--config: use either --config or --target, not both', 'config');
      targets = loadRoutingFile(values.config);
    } else {
      if (hosts.length === 0)
        throw new UsageError(
          '--target: give at least one host to replay to, e.g. --target http://localhost:8080',
          'target',
        );
      targets = checkTargets([{ name: 'default', prefix: '/', hosts, mode: values.mode }], '--target');
    }
  } catch (error) {
    if (error instanceof ReflektorError)
      throw new UsageError(error.message, values.config ? 'config' : 'target');
    throw error;
  }
  if (values['retry-base'] < 1) throw new UsageError('--retry-base: must be at least 1ms', 'retry-base');
  if (values['retry-max'] < values['retry-base'])
    throw new UsageError('--retry-max: must be at least --retry-base', 'retry-max');
  const maxBody = values['max-body'];
  const maxQueue = values['max-queue'];
  return {
    targets,
    port: values.port,
    host: values.host,
    adminPort: values['admin-port'],
    adminHost: values['admin-host'],
    data: values['data-dir'],
    durability: values.durability,
    redisUrl: values.store === 'sqlite' ? null : values.store,
    redisPrefix: values['redis-prefix'],
    partitions: values.partitions,
    redisLeaseMs: values['redis-lease'],
    token: values.token ?? null,
    adminToken: values['admin-token'] ?? null,
    signSecret: values['webhook-secret'] ?? null,
    statusRecording: values['status-recording'] === 'on',
    statusToken: values['status-token'] ?? null,
    maxBody: 'bytes' in maxBody ? maxBody.bytes : maxBody.count,
    maxQueue: 'count' in maxQueue ? maxQueue.count : 0,
    maxQueueBytes: 'bytes' in maxQueue ? maxQueue.bytes : 0,
    maxAgeMs: values['max-age'],
    maxAttempts: values['max-attempts'],
    retryBaseMs: values['retry-base'],
    retryMaxMs: values['retry-max'],
    timeoutMs: values.timeout,
    concurrency: values.concurrency,
    connections: values.connections,
    shutdownTimeoutMs: values['shutdown-timeout'],
    logLevel: values['log-level'] === 'critical' ? 'error' : values['log-level'],
    logFormat: values['log-format'],
  };
}

/**
 * Parses argv and the environment into settings (for embedding and tests; the program itself
 * runs through runService).
 * @throws ReflektorError `bad_flag` naming the flag to fix.
 */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliSettings | 'help' {
  try {
    const read = readFlags({ ...reflektorFlags, ...loggingFlags }, argv, env);
    if (read.help) return 'help';
    return settingsFrom(read.values);
  } catch (error) {
    if (error instanceof UsageError) throw new ReflektorError('bad_flag', error.message);
    throw error;
  }
}

/** Everything after the flag list in --help. */
export const helpFooter =
  'Sizes: 1048576, 512kb, 1mb, 1gb. Durations: 250ms, 10s, 5m, 24h (a bare number is milliseconds).';
