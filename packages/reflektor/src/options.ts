import { parseArgs } from 'node:util';
import { ReflektorError } from './errors.js';
import type { LogFormat, LogLevel } from './log.js';
import { checkTargets, loadRoutingFile, type Mode, type Target } from './routing.js';
import type { Durability } from './store/sqlite.js';

interface FlagSpec {
  env: string;
  default: string;
  help: string;
  multiple?: boolean;
  boolean?: boolean;
}

/** Every CLI flag with its environment variable and default (shown by --help). */
export const FLAGS: Record<string, FlagSpec> = {
  target: {
    env: 'REFLEKTOR_TARGET',
    default: '',
    help: 'host to replay to (repeat, or comma-separate in the env variable)',
    multiple: true,
  },
  mode: {
    env: 'REFLEKTOR_MODE',
    default: 'broadcast',
    help: 'broadcast (every host) or balance (one healthy host)',
  },
  config: {
    env: 'REFLEKTOR_CONFIG',
    default: '',
    help: 'routing file: named targets by path prefix (instead of --target)',
  },
  port: { env: 'REFLEKTOR_PORT', default: '3002', help: 'ingest port' },
  host: { env: 'REFLEKTOR_HOST', default: '127.0.0.1', help: 'ingest address (0.0.0.0 for all interfaces)' },
  'admin-port': {
    env: 'REFLEKTOR_ADMIN_PORT',
    default: '3003',
    help: 'admin port (health, metrics, stats, dead letters)',
  },
  'admin-host': { env: 'REFLEKTOR_ADMIN_HOST', default: '127.0.0.1', help: 'admin address' },
  data: { env: 'REFLEKTOR_DATA', default: './data/reflektor', help: 'directory of the SQLite queue' },
  durability: {
    env: 'REFLEKTOR_DURABILITY',
    default: 'fsync',
    help: 'fsync (a 202 survives power loss) or os (survives a crash of the process)',
  },
  store: {
    env: 'REFLEKTOR_STORE',
    default: 'sqlite',
    help: 'sqlite (under --data), or redis://… for Redis Streams shared by several instances',
  },
  'redis-prefix': {
    env: 'REFLEKTOR_REDIS_PREFIX',
    default: 'reflektor',
    help: 'key prefix of the shared Redis queue',
  },
  partitions: {
    env: 'REFLEKTOR_PARTITIONS',
    default: '16',
    help: 'Redis streams per target (ordering keys are spread over them); same on every instance',
  },
  'redis-lease': {
    env: 'REFLEKTOR_REDIS_LEASE',
    default: '10s',
    help: 'how long a dead instance keeps its streams before another takes them over',
  },
  token: { env: 'REFLEKTOR_TOKEN', default: '', help: 'require "Authorization: Bearer <token>" on ingest' },
  'admin-token': {
    env: 'REFLEKTOR_ADMIN_TOKEN',
    default: '',
    help: 'require "Authorization: Bearer <token>" on the admin port (all but /health, /ready)',
  },
  'sign-secret': {
    env: 'REFLEKTOR_SIGN_SECRET',
    default: '',
    help: 'whsec_… secret: sign replays with Standard Webhooks headers',
  },
  'status-recording': {
    env: 'REFLEKTOR_STATUS_RECORDING',
    default: 'on',
    help: 'record status figures and serve GET /status/ring on the admin port: on or off',
  },
  'status-token': {
    env: 'BACKCHANNEL_STATUS_TOKEN',
    default: '',
    help: 'token that opens GET /status/ring from beyond loopback',
  },
  'max-body': { env: 'REFLEKTOR_MAX_BODY', default: '1mb', help: 'largest body accepted (413 above)' },
  'max-queue': {
    env: 'REFLEKTOR_MAX_QUEUE',
    default: '1000000',
    help: 'per-lane backlog before 503: a count, or a size such as 512mb',
  },
  'max-age': {
    env: 'REFLEKTOR_MAX_AGE',
    default: '24h',
    help: 'give up (dead letter) on requests older than this',
  },
  'max-attempts': {
    env: 'REFLEKTOR_MAX_ATTEMPTS',
    default: '0',
    help: 'give up after this many attempts (0: no limit)',
  },
  'retry-base': {
    env: 'REFLEKTOR_RETRY_BASE',
    default: '100ms',
    help: 'first backoff step (full jitter, doubling)',
  },
  'retry-max': { env: 'REFLEKTOR_RETRY_MAX', default: '10s', help: 'longest backoff step' },
  timeout: { env: 'REFLEKTOR_TIMEOUT', default: '10s', help: 'per-attempt timeout (connect, headers, body)' },
  concurrency: { env: 'REFLEKTOR_CONCURRENCY', default: '64', help: 'requests in flight per lane' },
  connections: { env: 'REFLEKTOR_CONNECTIONS', default: '16', help: 'keep-alive connections per host' },
  'shutdown-timeout': {
    env: 'REFLEKTOR_SHUTDOWN_TIMEOUT',
    default: '10s',
    help: 'on SIGTERM, wait this long for deliveries in flight',
  },
  'log-level': { env: 'LOG_LEVEL', default: 'info', help: 'debug, info, warning or error' },
  'log-format': {
    env: 'LOG_FORMAT',
    default: 'text (json when NODE_ENV=production)',
    help: 'text or json',
  },
  help: { env: '', default: '', help: 'show this help', boolean: true },
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

export function helpText(): string {
  const lines = [
    'reflektor: accept any HTTP request, answer 202 once it is durable, replay it to one or more hosts.',
    '',
    'Usage: reflektor --target http://localhost:8080 [--target …] [flags]',
    '',
  ];
  for (const [name, spec] of Object.entries(FLAGS)) {
    const env = spec.env ? `  env ${spec.env}` : '';
    const def = spec.default ? `  default ${spec.default}` : '';
    lines.push(`  --${name.padEnd(17)} ${spec.help}${env}${def}`);
  }
  lines.push(
    '',
    'Sizes: 1048576, 512kb, 1mb, 1gb. Durations: 250ms, 10s, 5m, 24h (a bare number is milliseconds).',
  );
  return lines.join('\n');
}

function bad(flag: string, message: string): never {
  throw new ReflektorError('bad_flag', `--${flag}: ${message}`);
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `512kb`-style sizes; returns null when the text has no byte unit. */
export function parseSize(text: string, flag: string): { bytes: number } | { count: number } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) bad(flag, `"${text}" is not a number or a size such as 1mb`);
  const unit = match[2].toLowerCase();
  if (unit === '') return { count: Number(match[1]) };
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) bad(flag, `unknown unit "${match[2]}" (use b, kb, mb, gb)`);
  return { bytes: Math.floor(Number(match[1]) * factor) };
}

function parseBytes(text: string, flag: string): number {
  const size = parseSize(text, flag);
  return 'bytes' in size ? size.bytes : size.count;
}

export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) bad(flag, `"${text}" is not a duration such as 10s`);
  const unit = match[2].toLowerCase() || 'ms';
  const factor = DURATION_UNITS[unit];
  if (factor === undefined) bad(flag, `unknown unit "${match[2]}" (use ms, s, m, h, d)`);
  return Math.floor(Number(match[1]) * factor);
}

function parseInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^\s*\d+\s*$/.test(text)) bad(flag, `"${text}" is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) bad(flag, `${value} is outside ${min}…${max}`);
  return value;
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    bad(flag, `"${text}" must be one of ${allowed.join(', ')}`);
  return text as T;
}

/**
 * Parses argv and the environment into settings.
 * @throws ReflektorError `bad_flag` (or `bad_target` / `bad_config`) naming the flag to fix.
 */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliSettings | 'help' {
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(FLAGS)) {
    spec[name] = { type: flag.boolean ? 'boolean' : 'string', ...(flag.multiple ? { multiple: true } : {}) };
  }
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    values = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ReflektorError('bad_flag', `${(error as Error).message}. Run reflektor --help for the flags.`);
  }
  if (values.help === true) return 'help';
  const get = (name: string): string => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const fromEnv = FLAGS[name].env ? env[FLAGS[name].env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return FLAGS[name].default;
  };

  const mode = oneOf<Mode>(get('mode'), 'mode', ['broadcast', 'balance']);
  const configFile = get('config');
  let hosts = (values.target as string[] | undefined) ?? [];
  if (hosts.length === 0 && env.REFLEKTOR_TARGET) hosts = env.REFLEKTOR_TARGET.split(',');
  hosts = hosts
    .flatMap((h) => h.split(','))
    .map((h) => h.trim())
    .filter(Boolean);
  let targets: Target[];
  if (configFile) {
    if (hosts.length > 0) bad('config', 'use either --config or --target, not both');
    targets = loadRoutingFile(configFile);
  } else {
    if (hosts.length === 0)
      bad('target', 'give at least one host to replay to, e.g. --target http://localhost:8080');
    targets = checkTargets([{ name: 'default', prefix: '/', hosts, mode }], '--target');
  }

  const storeText = get('store');
  let redisUrl: string | null = null;
  if (storeText !== 'sqlite') {
    if (!/^rediss?:\/\//.test(storeText)) bad('store', `"${storeText}" must be sqlite or a redis:// URL`);
    redisUrl = storeText;
  }
  const signSecret = get('sign-secret') || null;
  if (signSecret !== null && !/^whsec_[A-Za-z0-9+/=]+$/.test(signSecret)) {
    bad('sign-secret', 'must be a Standard Webhooks secret: whsec_ followed by base64');
  }
  const maxQueue = parseSize(get('max-queue'), 'max-queue');
  const logFormatText = get('log-format');
  const logFormat =
    logFormatText === FLAGS['log-format'].default
      ? env.NODE_ENV === 'production'
        ? 'json'
        : 'text'
      : oneOf<LogFormat>(logFormatText, 'log-format', ['text', 'json']);
  const retryBaseMs = parseDuration(get('retry-base'), 'retry-base');
  const retryMaxMs = parseDuration(get('retry-max'), 'retry-max');
  if (retryBaseMs < 1) bad('retry-base', 'must be at least 1ms');
  if (retryMaxMs < retryBaseMs) bad('retry-max', 'must be at least --retry-base');
  return {
    targets,
    port: parseInteger(get('port'), 'port', 0, 65535),
    host: get('host'),
    adminPort: parseInteger(get('admin-port'), 'admin-port', 0, 65535),
    adminHost: get('admin-host'),
    data: get('data'),
    durability: oneOf<Durability>(get('durability'), 'durability', ['fsync', 'os']),
    redisUrl,
    redisPrefix: get('redis-prefix'),
    partitions: parseInteger(get('partitions'), 'partitions', 1, 4096),
    redisLeaseMs: parseDuration(get('redis-lease'), 'redis-lease'),
    token: get('token') || null,
    adminToken: get('admin-token') || null,
    signSecret,
    statusRecording: oneOf<'on' | 'off'>(get('status-recording'), 'status-recording', ['on', 'off']) === 'on',
    statusToken: get('status-token') || null,
    maxBody: parseBytes(get('max-body'), 'max-body'),
    maxQueue: 'count' in maxQueue ? maxQueue.count : 0,
    maxQueueBytes: 'bytes' in maxQueue ? maxQueue.bytes : 0,
    maxAgeMs: parseDuration(get('max-age'), 'max-age'),
    maxAttempts: parseInteger(get('max-attempts'), 'max-attempts', 0, 1_000_000),
    retryBaseMs,
    retryMaxMs,
    timeoutMs: parseDuration(get('timeout'), 'timeout'),
    concurrency: parseInteger(get('concurrency'), 'concurrency', 1, 100_000),
    connections: parseInteger(get('connections'), 'connections', 1, 10_000),
    shutdownTimeoutMs: parseDuration(get('shutdown-timeout'), 'shutdown-timeout'),
    logLevel: oneOf<LogLevel>(get('log-level'), 'log-level', ['debug', 'info', 'warning', 'error']),
    logFormat,
  };
}
