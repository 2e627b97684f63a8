#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { getLogger, kw } from '@backchannel/logging';
import { signStandardWebhook, WebhookSecretError } from '@backchannel/replayguard';
import { configureLogging, type LogFormat, type LogLevel } from './log-setup.js';
import { type EkgOptions, startEkg } from './server.js';

type FlagKind = 'integer' | 'string' | 'list' | 'boolean';

interface Flag {
  name: string;
  env: string;
  kind: FlagKind;
  defaultText: string;
  help: string;
  /** Smallest accepted integer. */
  min?: number;
}

const FLAGS: readonly Flag[] = [
  {
    name: 'port',
    env: 'EKG_PORT',
    kind: 'integer',
    defaultText: '3004',
    help: 'TCP port (streams and publish)',
    min: 0,
  },
  { name: 'host', env: 'EKG_HOST', kind: 'string', defaultText: 'all interfaces', help: 'address to bind' },
  {
    name: 'secret',
    env: 'EKG_SECRET',
    kind: 'list',
    defaultText: 'none',
    help: 'Standard Webhooks secret whsec_… that signs POST /publish (repeat, or comma-separate in env, to rotate)',
  },
  {
    name: 'token',
    env: 'EKG_TOKEN',
    kind: 'list',
    defaultText: 'none',
    help: 'bearer token accepted on POST /publish (repeatable); --secret or --token is required',
  },
  {
    name: 'buffer',
    env: 'EKG_BUFFER',
    kind: 'integer',
    defaultText: '1000',
    help: 'events kept per room for resume',
    min: 1,
  },
  {
    name: 'heartbeat',
    env: 'EKG_HEARTBEAT_MS',
    kind: 'integer',
    defaultText: '15000',
    help: 'SSE heartbeat comment interval, ms',
    min: 100,
  },
  {
    name: 'retry',
    env: 'EKG_RETRY_MS',
    kind: 'integer',
    defaultText: '2000',
    help: 'SSE retry: hint, ms',
    min: 0,
  },
  {
    name: 'ping',
    env: 'EKG_PING_MS',
    kind: 'integer',
    defaultText: '30000',
    help: 'WebSocket ping interval; no pong by the next ping drops the client, ms',
    min: 100,
  },
  {
    name: 'max-connections',
    env: 'EKG_MAX_CONNECTIONS',
    kind: 'integer',
    defaultText: '20000',
    help: 'open streams in total, then 503',
    min: 1,
  },
  {
    name: 'max-connections-per-ip',
    env: 'EKG_MAX_CONNECTIONS_PER_IP',
    kind: 'integer',
    defaultText: '1000',
    help: 'open streams per client address, then 503',
    min: 1,
  },
  {
    name: 'max-body',
    env: 'EKG_MAX_BODY',
    kind: 'integer',
    defaultText: '1048576',
    help: 'largest POST /publish body, bytes (413 past it)',
    min: 64,
  },
  {
    name: 'max-buffered',
    env: 'EKG_MAX_BUFFERED',
    kind: 'integer',
    defaultText: '262144',
    help: 'unsent bytes per client before it is dropped as too slow',
    min: 1024,
  },
  {
    name: 'cors-origin',
    env: 'EKG_CORS_ORIGIN',
    kind: 'list',
    defaultText: 'none (same origin)',
    help: 'web origin allowed to read streams and open WebSockets (repeatable)',
  },
  {
    name: 'trust-proxy',
    env: 'EKG_TRUST_PROXY',
    kind: 'boolean',
    defaultText: 'false',
    help: 'count connections by the last X-Forwarded-For address (the one the proxy in front added), from any peer',
  },
  {
    name: 'trusted-proxy',
    env: 'EKG_TRUSTED_PROXY',
    kind: 'list',
    defaultText: 'none',
    help: 'believe X-Forwarded-For only from this peer address, the proxy in front (repeatable); safer than --trust-proxy',
  },
  {
    name: 'reorder-window',
    env: 'EKG_REORDER_WINDOW_MS',
    kind: 'integer',
    defaultText: '100',
    help: 'an event ahead of a missing seq waits this long for it, ms (0: send at once, clients fetch the gap)',
    min: 0,
  },
  {
    name: 'status-recording',
    env: 'EKG_STATUS_RECORDING',
    kind: 'string',
    defaultText: 'on',
    help: 'record status figures and serve GET /status/ring: on or off',
  },
  {
    name: 'status-token',
    env: 'BACKCHANNEL_STATUS_TOKEN',
    kind: 'string',
    defaultText: 'none',
    help: 'token that opens GET /status/ring from beyond loopback',
  },
  {
    name: 'room-idle',
    env: 'EKG_ROOM_IDLE_MS',
    kind: 'integer',
    defaultText: '300000',
    help: 'free a room with no subscribers and no publish for this long, ms',
    min: 1000,
  },
  {
    name: 'shutdown-spread',
    env: 'EKG_SHUTDOWN_SPREAD_MS',
    kind: 'integer',
    defaultText: '3000',
    help: 'at SIGTERM, clients reconnect after a random delay up to this, ms',
    min: 0,
  },
  {
    name: 'shutdown-timeout',
    env: 'EKG_SHUTDOWN_TIMEOUT_MS',
    kind: 'integer',
    defaultText: '10000',
    help: 'at SIGTERM, cut connections still open after this, ms',
    min: 100,
  },
  {
    name: 'signature-tolerance',
    env: 'EKG_SIGNATURE_TOLERANCE',
    kind: 'integer',
    defaultText: '300',
    help: 'accepted age of webhook-timestamp, seconds',
    min: 1,
  },
  {
    name: 'log-level',
    env: 'LOG_LEVEL',
    kind: 'string',
    defaultText: 'info',
    help: 'debug, info, warning, error or critical',
  },
  {
    name: 'log-format',
    env: 'LOG_FORMAT',
    kind: 'string',
    defaultText: 'json when NODE_ENV=production, else text',
    help: 'text or json',
  },
];

class FlagError extends Error {}

function helpText(): string {
  const lines = [
    'Usage: ekg --secret whsec_… [flags]',
    '',
    'Streams room events to browsers over SSE and WebSocket.',
    '',
  ];
  for (const flag of FLAGS) {
    const value = flag.kind === 'boolean' ? '' : ' <value>';
    lines.push(`  --${flag.name}${value}`);
    lines.push(`      ${flag.help}`);
    lines.push(`      env ${flag.env}, default ${flag.defaultText}`);
  }
  lines.push('  --help', '      print this and exit', '');
  return lines.join('\n');
}

function parseInteger(flag: Flag, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < (flag.min ?? 0)) {
    throw new FlagError(`--${flag.name} (${flag.env}) must be an integer ≥ ${flag.min ?? 0}, got "${text}"`);
  }
  if (flag.name === 'port' && value > 65535)
    throw new FlagError(`--port (EKG_PORT) must be 0-65535, got "${text}"`);
  return value;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Each flag's value from the command line, else its environment variable, else undefined. */
function read(flag: Flag, values: Values): string | boolean | string[] | undefined {
  const given = values[flag.name];
  if (given !== undefined) return given;
  const env = process.env[flag.env];
  if (env === undefined || env === '') return undefined;
  if (flag.kind === 'list')
    return env
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (flag.kind === 'boolean') {
    if (env === 'true' || env === '1') return true;
    if (env === 'false' || env === '0') return false;
    throw new FlagError(`${flag.env} must be true or false, got "${env}"`);
  }
  return env;
}

function optionsFrom(values: Values): { options: EkgOptions; level: LogLevel; format: LogFormat } {
  const byName = new Map(FLAGS.map((flag) => [flag.name, flag]));
  const integer = (name: string): number | undefined => {
    const value = read(byName.get(name)!, values);
    return value === undefined ? undefined : parseInteger(byName.get(name)!, String(value));
  };
  const list = (name: string): string[] => (read(byName.get(name)!, values) as string[] | undefined) ?? [];
  const secrets = list('secret');
  for (const secret of secrets) {
    try {
      if (!secret.startsWith('whsec_')) throw new WebhookSecretError('the prefix is missing.');
      signStandardWebhook({ id: 'check', body: '', secret });
    } catch (error) {
      if (error instanceof WebhookSecretError) {
        throw new FlagError(`--secret (EKG_SECRET) must be "whsec_" followed by base64: ${error.message}`);
      }
      throw error;
    }
  }
  const tokens = list('token');
  if (secrets.length === 0 && tokens.length === 0) {
    throw new FlagError(
      '--secret (EKG_SECRET) or --token (EKG_TOKEN) is required, so only your relay can publish',
    );
  }
  const level = (read(byName.get('log-level')!, values) ?? 'info') as string;
  if (!['debug', 'info', 'warning', 'error', 'critical'].includes(level)) {
    throw new FlagError(
      `--log-level (LOG_LEVEL) must be debug, info, warning, error or critical, got "${level}"`,
    );
  }
  const format = (read(byName.get('log-format')!, values) ??
    (process.env.NODE_ENV === 'production' ? 'json' : 'text')) as string;
  if (format !== 'text' && format !== 'json') {
    throw new FlagError(`--log-format (LOG_FORMAT) must be text or json, got "${format}"`);
  }
  const statusRecording = (read(byName.get('status-recording')!, values) ?? 'on') as string;
  if (statusRecording !== 'on' && statusRecording !== 'off') {
    throw new FlagError(
      `--status-recording (EKG_STATUS_RECORDING) must be on or off, got "${statusRecording}"`,
    );
  }
  const statusToken = read(byName.get('status-token')!, values) as string | undefined;
  const options: EkgOptions = {
    statusRecording: statusRecording === 'on',
    ...(statusToken ? { statusToken } : {}),
    port: integer('port') ?? 3004,
    host: read(byName.get('host')!, values) as string | undefined,
    secrets,
    tokens,
    bufferSize: integer('buffer'),
    heartbeatMs: integer('heartbeat'),
    retryMs: integer('retry'),
    pingMs: integer('ping'),
    maxConnections: integer('max-connections'),
    maxConnectionsPerIp: integer('max-connections-per-ip'),
    maxBodyBytes: integer('max-body'),
    maxBufferedBytes: integer('max-buffered'),
    corsOrigins: list('cors-origin'),
    trustProxy:
      list('trusted-proxy').length > 0
        ? list('trusted-proxy')
        : ((read(byName.get('trust-proxy')!, values) as boolean | undefined) ?? false),
    roomIdleMs: integer('room-idle'),
    reorderWindowMs: integer('reorder-window'),
    shutdownSpreadMs: integer('shutdown-spread'),
    shutdownTimeoutMs: integer('shutdown-timeout'),
    signatureToleranceSeconds: integer('signature-tolerance'),
  };
  return { options, level: level as LogLevel, format };
}

async function main(): Promise<void> {
  let parsed: { values: Values };
  let settings: ReturnType<typeof optionsFrom>;
  try {
    const parseOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
      help: { type: 'boolean' },
    };
    for (const flag of FLAGS) {
      parseOptions[flag.name] = {
        type: flag.kind === 'boolean' ? 'boolean' : 'string',
        multiple: flag.kind === 'list',
      };
    }
    parsed = parseArgs({ options: parseOptions, strict: true, allowPositionals: false }) as {
      values: Values;
    };
    if (parsed.values.help === true) {
      process.stdout.write(helpText());
      return;
    }
    settings = optionsFrom(parsed.values);
  } catch (error) {
    process.stderr.write(`ekg: ${(error as Error).message}\nRun "ekg --help" for the flags.\n`);
    process.exit(2);
  }
  configureLogging(settings.level, settings.format);
  const log = getLogger('ekg');
  let server: Awaited<ReturnType<typeof startEkg>> | undefined;
  let stopping = false;
  const stop = (signal: string, deadlineMs?: number) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping on %s', signal);
    if (deadlineMs !== undefined) setTimeout(() => process.exit(1), deadlineMs).unref();
    if (server === undefined) process.exit(0);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', kw({ exc_info: error }));
        process.exit(1);
      },
    );
  };
  // Registered before listening, so a signal that arrives as soon as the port opens is graceful too.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a supervisor (backchannel start) with an IPC channel: its end closes however the
  // supervisor dies, even by SIGKILL, and ekg must not outlive it holding its port.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => stop('the supervising process is gone', 200));
  }
  try {
    server = await startEkg(settings.options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.error('port %d is in use: choose another with --port or EKG_PORT', settings.options.port);
      process.exit(1);
    }
    throw error;
  }
  if (stopping) {
    await server.close();
    process.exit(0);
  }
  log.info('listening on port %d', server.port);
}

await main();
