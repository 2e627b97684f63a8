import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Where and how `backchannel start` runs each piece. */
export interface StackConfig {
  /** The browser's origin: pages, `/api/*` and the streams. Default 3000. */
  port: number;
  /** Interface the origin listens on. Default `0.0.0.0` (reachable from the local network). */
  host: string;
  apiPort: number;
  reflektorPort: number;
  reflektorAdminPort: number;
  ekgPort: number;
  /** Folder for the SQLite files. Default `./data`. */
  dataDir: string;
  /** URL printed for people to open. Default `http://localhost:<port>`. */
  publicUrl: string;
  logLevel: string;
  logFormat: 'text' | 'json';
  /** The origin's time to receive a request's headers, ms (then 408). Default 10 s. */
  headerTimeoutMs: number;
  /** The origin's time to receive a request's body, ms (then 408). Default 30 s. */
  bodyTimeoutMs: number;
  /** How long a plain request may be silent either way at the origin, ms (then close, or 504). Default 60 s. */
  idleTimeoutMs: number;
  /** Plain requests in flight at the origin, all clients together (then 503). Default 4096. */
  maxRequests: number;
  /** Plain requests in flight at the origin from one address (then 503). Default 512. */
  maxRequestsPerAddress: number;
  /** Live event streams open through the origin (then 503). Default 20000. */
  maxStreams: number;
}

/** One setting: its flag, its environment variable, its default and what it means. */
export interface Setting {
  flag: string;
  env: string;
  key: keyof StackConfig;
  kind: 'port' | 'string' | 'duration' | 'count';
  default: string;
  help: string;
}

export const settings: readonly Setting[] = [
  {
    flag: 'port',
    env: 'PORT',
    key: 'port',
    kind: 'port',
    default: '3000',
    help: "the browser's origin: pages, /api and streams",
  },
  {
    flag: 'host',
    env: 'BACKCHANNEL_HOST',
    key: 'host',
    kind: 'string',
    default: '0.0.0.0',
    help: 'interface the origin listens on',
  },
  {
    flag: 'api-port',
    env: 'BACKCHANNEL_API_PORT',
    key: 'apiPort',
    kind: 'port',
    default: '3001',
    help: 'api (rooms, messages, pages)',
  },
  {
    flag: 'reflektor-port',
    env: 'BACKCHANNEL_REFLEKTOR_PORT',
    key: 'reflektorPort',
    kind: 'port',
    default: '3002',
    help: 'reflektor ingest',
  },
  {
    flag: 'reflektor-admin-port',
    env: 'BACKCHANNEL_REFLEKTOR_ADMIN_PORT',
    key: 'reflektorAdminPort',
    kind: 'port',
    default: '3003',
    help: 'reflektor admin (health, metrics, dead letters), loopback only',
  },
  {
    flag: 'ekg-port',
    env: 'BACKCHANNEL_EKG_PORT',
    key: 'ekgPort',
    kind: 'port',
    default: '3004',
    help: 'ekg streams and internal publish',
  },
  {
    flag: 'data-dir',
    env: 'BACKCHANNEL_DATA_DIR',
    key: 'dataDir',
    kind: 'string',
    default: './data',
    help: 'folder for the SQLite files',
  },
  {
    flag: 'public-url',
    env: 'BACKCHANNEL_PUBLIC_URL',
    key: 'publicUrl',
    kind: 'string',
    default: 'http://localhost:<port>',
    help: 'the URL people open (used in share links and webhook signatures)',
  },
  {
    flag: 'log-level',
    env: 'LOG_LEVEL',
    key: 'logLevel',
    kind: 'string',
    default: 'info',
    help: "debug, info, warning or error (Python's level names)",
  },
  {
    flag: 'log-format',
    env: 'LOG_FORMAT',
    key: 'logFormat',
    kind: 'string',
    default: 'text',
    help: 'text (readable) or json (one object per line)',
  },
  {
    flag: 'header-timeout',
    env: 'BACKCHANNEL_HEADER_TIMEOUT',
    key: 'headerTimeoutMs',
    kind: 'duration',
    default: '10s',
    help: "time to receive a request's headers at the origin (then 408)",
  },
  {
    flag: 'body-timeout',
    env: 'BACKCHANNEL_BODY_TIMEOUT',
    key: 'bodyTimeoutMs',
    kind: 'duration',
    default: '30s',
    help: "time to receive a request's whole body at the origin (then 408)",
  },
  {
    flag: 'idle-timeout',
    env: 'BACKCHANNEL_IDLE_TIMEOUT',
    key: 'idleTimeoutMs',
    kind: 'duration',
    default: '60s',
    help: 'silence allowed on a plain request at the origin (then close, or 504 from a silent upstream)',
  },
  {
    flag: 'max-requests',
    env: 'BACKCHANNEL_MAX_REQUESTS',
    key: 'maxRequests',
    kind: 'count',
    default: '4096',
    help: 'plain requests in flight at the origin (more get 503 origin_busy)',
  },
  {
    flag: 'max-requests-per-address',
    env: 'BACKCHANNEL_MAX_REQUESTS_PER_ADDRESS',
    key: 'maxRequestsPerAddress',
    kind: 'count',
    default: '512',
    help: 'plain requests in flight at the origin from one address (more get 503)',
  },
  {
    flag: 'max-streams',
    env: 'BACKCHANNEL_MAX_STREAMS',
    key: 'maxStreams',
    kind: 'count',
    default: '20000',
    help: 'live event streams open through the origin (more get 503)',
  },
];

/** A setting that cannot be used; `flag` names what to fix. */
export class ConfigError extends Error {
  readonly code = 'ERR_BAD_CONFIG';
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parsePort(setting: Setting, raw: string, source: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
    throw new ConfigError(setting.flag, `${source} must be a port number from 1 to 65535, got "${raw}"`);
  }
  return value;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

function parseDuration(setting: Setting, raw: string, source: string): number {
  const match = /^(\d{1,9})(ms|s|m)$/.exec(raw);
  const value = match ? Number(match[1]) * (durationUnits[match[2] ?? 's'] ?? 1000) : 0;
  if (!match || value < 1) {
    throw new ConfigError(
      setting.flag,
      `${source} must be a duration such as 500ms, 10s or 2m, got "${raw}"`,
    );
  }
  return value;
}

function parseCount(setting: Setting, raw: string, source: string): number {
  const value = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || value < 1) {
    throw new ConfigError(setting.flag, `${source} must be a whole number of at least 1, got "${raw}"`);
  }
  return value;
}

/**
 * Reads the stack's settings from flags first, then environment variables, then defaults.
 * Throws {@link ConfigError} naming the flag and variable when a value is unusable.
 */
export function readStackConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): StackConfig {
  const options = Object.fromEntries(settings.map((s) => [s.flag, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new ConfigError(
      '',
      `${(error as Error).message}. Run "backchannel start --help" for the list of flags.`,
    );
  }
  const config: Record<string, string | number> = {};
  for (const setting of settings) {
    const fromFlag = values[setting.flag];
    const fromEnv = env[setting.env];
    const raw =
      typeof fromFlag === 'string' ? fromFlag : fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
    const source = typeof fromFlag === 'string' ? `--${setting.flag}` : `${setting.env}`;
    if (setting.kind === 'port') {
      config[setting.key] = parsePort(setting, raw ?? setting.default, source);
    } else if (setting.kind === 'duration') {
      config[setting.key] = parseDuration(setting, raw ?? setting.default, source);
    } else if (setting.kind === 'count') {
      config[setting.key] = parseCount(setting, raw ?? setting.default, source);
    } else {
      config[setting.key] = raw ?? setting.default;
    }
  }
  const result = config as unknown as StackConfig;
  if (!['debug', 'info', 'warning', 'error'].includes(result.logLevel)) {
    throw new ConfigError(
      'log-level',
      `--log-level / LOG_LEVEL must be debug, info, warning or error, got "${result.logLevel}"`,
    );
  }
  if (result.logFormat !== 'text' && result.logFormat !== 'json') {
    throw new ConfigError(
      'log-format',
      `--log-format / LOG_FORMAT must be "text" or "json", got "${result.logFormat}"`,
    );
  }
  result.dataDir = resolve(cwd, result.dataDir);
  if (result.publicUrl === 'http://localhost:<port>') result.publicUrl = `http://localhost:${result.port}`;
  const ports = settings.filter((s) => s.kind === 'port');
  for (const [i, a] of ports.entries()) {
    for (const b of ports.slice(i + 1)) {
      if (result[a.key] === result[b.key]) {
        throw new ConfigError(
          b.flag,
          `--${a.flag} and --${b.flag} are both ${result[a.key]}: give each service its own port`,
        );
      }
    }
  }
  return result;
}

/** The help text for `backchannel start`, listing every flag with its variable and default. */
export function startHelp(): string {
  const flagWidth = Math.max(22, ...settings.map((s) => s.flag.length));
  const envWidth = Math.max(34, ...settings.map((s) => s.env.length));
  const rows = settings.map(
    (s) => `  --${s.flag.padEnd(flagWidth)} ${s.env.padEnd(envWidth)} ${s.default.padEnd(24)} ${s.help}`,
  );
  return [
    'Usage: backchannel start [flags]',
    '',
    'Starts the api, reflektor and ekg as child processes and serves the browser origin.',
    'Every flag can also be set with its environment variable; a flag wins over the variable.',
    '',
    `  ${'flag'.padEnd(flagWidth + 2)} ${'environment variable'.padEnd(envWidth)} ${'default'.padEnd(24)} meaning`,
    ...rows,
    `  ${'--help'.padEnd(flagWidth + 2)} show this help`,
    '',
  ].join('\n');
}
