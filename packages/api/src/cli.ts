#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogFormat, LogLevel } from './log.js';
import { type ApiOptions, defaultOptions } from './options.js';
import type { BurstRate } from './rate-limit/allowance.js';

interface FlagSpec {
  env: string;
  help: string;
  default?: string;
  boolean?: boolean;
}

const flags: Record<string, FlagSpec> = {
  port: {
    env: 'PORT',
    help: 'TCP port to listen on (0 = any free port)',
    default: String(defaultOptions.port),
  },
  host: { env: 'HOST', help: 'interface to listen on', default: defaultOptions.host },
  data: {
    env: 'API_DATA_DIR',
    help: 'directory for the SQLite database (DIR/api.sqlite)',
    default: './data/api',
  },
  'database-url': { env: 'DATABASE_URL', help: 'postgres://… to use PostgreSQL instead of SQLite' },
  'database-schema': {
    env: 'DATABASE_SCHEMA',
    help: 'PostgreSQL schema to use (created if missing)',
    default: defaultOptions.databaseSchema,
  },
  'reflektor-url': {
    env: 'REFLEKTOR_URL',
    help: 'reflektor ingest URL; comma-separated for several (balanced)',
    default: defaultOptions.reflektorUrls.join(','),
  },
  'reflektor-token': { env: 'REFLEKTOR_TOKEN', help: 'bearer token reflektor expects' },
  'reflektor-timeout': {
    env: 'REFLEKTOR_TIMEOUT_MS',
    help: 'deadline for one publish to reflektor, ms',
    default: String(defaultOptions.reflektorTimeoutMs),
  },
  'public-url': {
    env: 'PUBLIC_URL',
    help: "the browser's origin (links, Origin check, Secure cookie on https)",
    default: defaultOptions.publicUrl,
  },
  'redis-url': {
    env: 'REDIS_URL',
    help: 'redis://… to share rate limits through Redis (default: in memory)',
  },
  'message-max-length': {
    env: 'MESSAGE_MAX_LENGTH',
    help: 'longest message text, in characters',
    default: String(defaultOptions.messageMaxLength),
  },
  ...burstRateFlags(
    'participant',
    'PARTICIPANT',
    'posts one participant (browser) may make',
    defaultOptions.participantRate,
  ),
  ...burstRateFlags(
    'room-message',
    'ROOM_MESSAGE',
    'posts one room takes from everyone together',
    defaultOptions.roomMessageRate,
  ),
  ...burstRateFlags(
    'address-message',
    'ADDRESS_MESSAGE',
    'posts from one address, every participant together',
    defaultOptions.addressMessageRate,
  ),
  ...burstRateFlags(
    'cookieless',
    'COOKIELESS',
    'posts from clients without a participant cookie, per address',
    defaultOptions.cookielessRate,
  ),
  'address-new-participants': {
    env: 'ADDRESS_NEW_PARTICIPANTS',
    help: 'new participant ids one address may be given, as COUNT/SECONDS',
    default: `${defaultOptions.addressNewParticipants.count}/${defaultOptions.addressNewParticipants.windowMs / 1000}`,
  },
  'participant-secret': {
    env: 'PARTICIPANT_SECRET',
    help: 'keys signing participant cookies, comma-separated: the first signs, all verify (default: a key kept in the database)',
  },
  'room-rate-limit': {
    env: 'ROOM_RATE_LIMIT',
    help: 'rooms one address may create, as COUNT/SECONDS',
    default: `${defaultOptions.roomRateLimit.limit}/${defaultOptions.roomRateLimit.windowMs / 1000}`,
  },
  'purge-grace': {
    env: 'PURGE_GRACE_HOURS',
    help: 'hours after expiry before a room and its messages are deleted',
    default: String(defaultOptions.purgeGraceMs / 3_600_000),
  },
  'trust-proxy': {
    env: 'TRUST_PROXY',
    help: 'comma-separated proxy addresses whose X-Forwarded-* headers are believed',
    default: String(defaultOptions.trustProxy),
  },
  'status-recording': {
    env: 'STATUS_RECORDING',
    help: 'record the status page figures: on or off',
    default: 'on',
  },
  'status-token': {
    env: 'BACKCHANNEL_STATUS_TOKEN',
    help: 'token that opens /status and /status.json from beyond loopback (unset: loopback only)',
  },
  'status-reflektor-url': {
    env: 'STATUS_REFLEKTOR_URL',
    help: 'reflektor admin URL(s) the status page gathers from, comma-separated',
  },
  'status-ekg-url': {
    env: 'STATUS_EKG_URL',
    help: 'ekg URL(s) the status page gathers from, comma-separated',
  },
  'log-level': { env: 'LOG_LEVEL', help: 'debug, info, warning, error or critical', default: 'info' },
  'log-format': {
    env: 'LOG_FORMAT',
    help: 'text or json',
    default: 'json when NODE_ENV=production, else text',
  },
  help: { env: '', help: 'show this help and exit', boolean: true },
};

/** A sustained-rate flag (`--NAME-rate-limit COUNT/SECONDS`) and its burst (`--NAME-burst N`). */
function burstRateFlags(name: string, env: string, what: string, rate: BurstRate): Record<string, FlagSpec> {
  return {
    [`${name}-rate-limit`]: {
      env: `${env}_RATE_LIMIT`,
      help: `${what}, sustained, as COUNT/SECONDS`,
      default: `${rate.count}/${rate.windowMs / 1000}`,
    },
    [`${name}-burst`]: {
      env: `${env}_BURST`,
      help: `${what} at once, before the sustained rate applies`,
      default: String(rate.burst),
    },
  };
}

function usage(): string {
  const lines = ['Usage: backchannel-api [flags]', '', 'Serves the backchannel api and pages.', '', 'Flags:'];
  for (const [name, spec] of Object.entries(flags)) {
    const env = spec.env ? ` (env ${spec.env})` : '';
    const def = spec.default !== undefined ? ` [default: ${spec.default}]` : '';
    lines.push(`  --${name.padEnd(20)} ${spec.help}${env}${def}`);
  }
  return `${lines.join('\n')}\n`;
}

class FlagError extends Error {}

function value(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const given = values[name];
  if (typeof given === 'string') return given;
  const env = process.env[flags[name].env];
  return env === undefined || env === '' ? undefined : env;
}

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new FlagError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return parsed;
}

function rate(name: string, raw: string | undefined): { limit: number; windowMs: number } | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) <= 0) {
    throw new FlagError(`--${name} must be COUNT/SECONDS, like 20/10 (got "${raw}")`);
  }
  return { limit: Number(match[1]), windowMs: Number(match[2]) * 1000 };
}

function burstRate(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: BurstRate,
): BurstRate | undefined {
  const sustained = rate(`${name}-rate-limit`, value(values, `${name}-rate-limit`));
  const burst = integer(`${name}-burst`, value(values, `${name}-burst`), 1, 1_000_000_000);
  if (sustained === undefined && burst === undefined) return undefined;
  return {
    burst: burst ?? fallback.burst,
    count: sustained?.limit ?? fallback.count,
    windowMs: sustained?.windowMs ?? fallback.windowMs,
  };
}

function url(name: string, raw: string): string {
  try {
    const parsed = new URL(raw);
    if (!/^(https?|postgres|postgresql|redis|rediss):$/.test(parsed.protocol)) throw new Error('scheme');
    return raw;
  } catch {
    throw new FlagError(`--${name} must be a URL (got "${raw}")`);
  }
}

function parseOptions(argv: string[]): ApiOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries(flags).map(([name, spec]) => [name, { type: spec.boolean ? 'boolean' : 'string' }]),
    ) as Record<string, { type: 'string' | 'boolean' }>,
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const logLevel = value(values, 'log-level');
  if (
    logLevel !== undefined &&
    !['debug', 'info', 'warning', 'warn', 'error', 'critical'].includes(logLevel)
  ) {
    throw new FlagError(`--log-level must be debug, info, warning, error or critical (got "${logLevel}")`);
  }
  const logFormat = value(values, 'log-format');
  if (logFormat !== undefined && logFormat !== 'text' && logFormat !== 'json') {
    throw new FlagError(`--log-format must be text or json (got "${logFormat}")`);
  }
  const reflektor = value(values, 'reflektor-url');
  const databaseUrl = value(values, 'database-url');
  const redisUrl = value(values, 'redis-url');
  const publicUrl = value(values, 'public-url');
  const purgeHours = value(values, 'purge-grace');
  if (purgeHours !== undefined && !(Number(purgeHours) >= 0)) {
    throw new FlagError(`--purge-grace must be a number of hours, 0 or more (got "${purgeHours}")`);
  }
  const trustProxy = value(values, 'trust-proxy');
  const statusRecording = value(values, 'status-recording');
  if (statusRecording !== undefined && statusRecording !== 'on' && statusRecording !== 'off') {
    throw new FlagError(`--status-recording must be on or off (got "${statusRecording}")`);
  }
  const urlList = (name: string) =>
    value(values, name)
      ?.split(',')
      .map((part) => url(name, part.trim()));
  const newParticipantRate = rate('address-new-participants', value(values, 'address-new-participants'));
  const newParticipants =
    newParticipantRate === undefined
      ? undefined
      : { count: newParticipantRate.limit, windowMs: newParticipantRate.windowMs };
  return {
    statusRecording: statusRecording === undefined ? undefined : statusRecording === 'on',
    statusToken: value(values, 'status-token'),
    statusReflektorUrls: urlList('status-reflektor-url'),
    statusEkgUrls: urlList('status-ekg-url'),
    port: integer('port', value(values, 'port'), 0, 65535),
    host: value(values, 'host'),
    dataDir: value(values, 'data') ?? join('.', 'data', 'api'),
    databaseUrl: databaseUrl === undefined ? undefined : url('database-url', databaseUrl),
    databaseSchema: value(values, 'database-schema'),
    reflektorUrls: reflektor?.split(',').map((part) => url('reflektor-url', part.trim())),
    reflektorToken: value(values, 'reflektor-token'),
    reflektorTimeoutMs: integer('reflektor-timeout', value(values, 'reflektor-timeout'), 1, 600_000),
    publicUrl: publicUrl === undefined ? undefined : url('public-url', publicUrl),
    redisUrl: redisUrl === undefined ? undefined : url('redis-url', redisUrl),
    messageMaxLength: integer('message-max-length', value(values, 'message-max-length'), 1, 10_000),
    participantRate: burstRate(values, 'participant', defaultOptions.participantRate),
    roomMessageRate: burstRate(values, 'room-message', defaultOptions.roomMessageRate),
    addressMessageRate: burstRate(values, 'address-message', defaultOptions.addressMessageRate),
    cookielessRate: burstRate(values, 'cookieless', defaultOptions.cookielessRate),
    addressNewParticipants:
      newParticipants === undefined ? undefined : { ...newParticipants, burst: newParticipants.count },
    participantSecrets: participantSecrets(value(values, 'participant-secret')),
    roomRateLimit: rate('room-rate-limit', value(values, 'room-rate-limit')),
    purgeGraceMs: purgeHours === undefined ? undefined : Number(purgeHours) * 3_600_000,
    trustProxy: trustProxy === 'true' ? true : trustProxy === 'false' ? false : trustProxy,
    logLevel: logLevel as LogLevel | undefined,
    logFormat: logFormat as LogFormat | undefined,
  };
}

function participantSecrets(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const keys = raw.split(',').map((key) => key.trim());
  if (keys.some((key) => key.length < 32)) {
    throw new FlagError('--participant-secret must be comma-separated keys of at least 32 characters each');
  }
  return keys;
}

async function main(): Promise<void> {
  let options: ApiOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`backchannel-api: ${message}\nRun with --help to see every flag.\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(usage());
    return;
  }
  // Signal handlers come first: a SIGTERM that arrives while the api starts (or right after its
  // "listening" line) shuts it down cleanly once it is up, instead of killing it.
  let handle: { close(): Promise<void> } | undefined;
  let stopping = false;
  /** How long a shutdown may take before the process exits anyway, ms; none for a signal. */
  let deadlineMs: number | undefined;
  const close = () => {
    if (deadlineMs !== undefined) setTimeout(() => process.exit(1), deadlineMs).unref();
    handle!.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`backchannel-api: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  const stop = (reason: string, deadline?: number) => {
    if (stopping) return;
    stopping = true;
    deadlineMs = deadline;
    process.stderr.write(`backchannel-api: ${reason}, shutting down\n`);
    if (handle !== undefined) close();
    else if (deadline !== undefined) process.exit(1);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a supervisor (backchannel start) with an IPC channel: its end closes however the
  // supervisor dies, even by SIGKILL, and the api must not outlive it holding its port.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => stop('the supervising process is gone', 200));
  }
  // Loaded only now, so --help and bad flags answer without loading the server's dependencies.
  const { PortInUseError, startApi } = await import('./server.js');
  try {
    handle = await startApi(options);
  } catch (error) {
    if (error instanceof PortInUseError) {
      process.stderr.write(
        `backchannel-api: port ${error.port} is already in use; choose another with --port or PORT.\n`,
      );
      process.exit(1);
    }
    process.stderr.write(`backchannel-api: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (stopping) close();
}

await main();
