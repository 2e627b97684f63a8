// `backchannel start`'s settings: one flag table (flag, variable, default, parser, help) that
// gives the values, --help and the README's table, and the checks that span flags.
import { resolve } from 'node:path';
import {
  helpText,
  InvalidValue,
  loggingFlags,
  parse,
  readFlags,
  UsageError,
  valueFlag,
} from '@backchannel/service';

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

/** A port that must be a real one: every piece of the stack listens on a known port. */
const fixedPort = (raw: string): number => {
  const value = /^\d{1,5}$/.test(raw.trim()) ? Number(raw) : 0;
  if (value < 1 || value > 65_535) throw new InvalidValue('must be a port number from 1 to 65535');
  return value;
};
const duration = parse.duration({ min: 1, max: 24 * 3_600_000, bareUnit: 's' });
const count = parse.integer(1, 1_000_000_000);

/** Every setting of `backchannel start`. */
export const stackFlags = {
  port: valueFlag({
    env: 'PORT',
    help: "the browser's origin: pages, /api and streams",
    default: 3000,
    parse: fixedPort,
  }),
  host: valueFlag({
    env: 'BACKCHANNEL_HOST',
    help: 'interface the origin listens on',
    default: '0.0.0.0',
    parse: parse.text,
  }),
  'api-port': valueFlag({
    env: 'BACKCHANNEL_API_PORT',
    help: 'api (rooms, messages, pages)',
    default: 3001,
    parse: fixedPort,
  }),
  'reflektor-port': valueFlag({
    env: 'BACKCHANNEL_REFLEKTOR_PORT',
    help: 'reflektor ingest',
    default: 3002,
    parse: fixedPort,
  }),
  'reflektor-admin-port': valueFlag({
    env: 'BACKCHANNEL_REFLEKTOR_ADMIN_PORT',
    help: 'reflektor admin (health, metrics, dead letters), loopback only',
    default: 3003,
    parse: fixedPort,
  }),
  'ekg-port': valueFlag({
    env: 'BACKCHANNEL_EKG_PORT',
    help: 'ekg streams and internal publish',
    default: 3004,
    parse: fixedPort,
  }),
  'data-dir': valueFlag({
    env: 'BACKCHANNEL_DATA_DIR',
    help: 'folder for the SQLite files',
    default: './data',
    parse: parse.text,
  }),
  'public-url': valueFlag({
    env: 'BACKCHANNEL_PUBLIC_URL',
    help: 'the URL people open (used in share links and webhook signatures)',
    default: '',
    defaultText: 'http://localhost:<port>',
    parse: parse.url(),
  }),
  'header-timeout': valueFlag({
    env: 'BACKCHANNEL_HEADER_TIMEOUT',
    help: "time to receive a request's headers at the origin (then 408)",
    default: 10_000,
    defaultText: '10s',
    parse: duration,
  }),
  'body-timeout': valueFlag({
    env: 'BACKCHANNEL_BODY_TIMEOUT',
    help: "time to receive a request's whole body at the origin (then 408)",
    default: 30_000,
    defaultText: '30s',
    parse: duration,
  }),
  'idle-timeout': valueFlag({
    env: 'BACKCHANNEL_IDLE_TIMEOUT',
    help: 'silence allowed on a plain request at the origin (then close, or 504 from a silent upstream)',
    default: 60_000,
    defaultText: '60s',
    parse: duration,
  }),
  'max-requests': valueFlag({
    env: 'BACKCHANNEL_MAX_REQUESTS',
    help: 'plain requests in flight at the origin (more get 503 origin_busy)',
    default: 4096,
    parse: count,
  }),
  'max-requests-per-address': valueFlag({
    env: 'BACKCHANNEL_MAX_REQUESTS_PER_ADDRESS',
    help: 'plain requests in flight at the origin from one address (more get 503)',
    default: 512,
    parse: count,
  }),
  'max-streams': valueFlag({
    env: 'BACKCHANNEL_MAX_STREAMS',
    help: 'live event streams open through the origin (more get 503)',
    default: 20_000,
    parse: count,
  }),
};

/** One setting as --help and the README list it. */
export interface Setting {
  flag: string;
  env: string;
  default: string;
  help: string;
}

/** Every setting, flags and logging included, in --help order. */
export const settings: readonly Setting[] = Object.entries({ ...stackFlags, ...loggingFlags }).map(
  ([flag, spec]) => ({
    flag,
    env: spec.env ?? '',
    default: spec.defaultText ?? String('default' in spec ? spec.default : ''),
    help: spec.help,
  }),
);

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

const portFlags = ['port', 'api-port', 'reflektor-port', 'reflektor-admin-port', 'ekg-port'] as const;

/**
 * Reads the stack's settings from flags first, then environment variables, then defaults.
 * Throws {@link ConfigError} naming the flag and variable when a value is unusable.
 */
export function readStackConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): StackConfig {
  let values: ReturnType<typeof readFlags<typeof stackFlags & typeof loggingFlags>>['values'];
  try {
    const read = readFlags({ ...stackFlags, ...loggingFlags }, argv, env);
    values = read.values;
  } catch (error) {
    if (error instanceof UsageError) {
      throw new ConfigError(
        error.flag ?? '',
        `${error.message}. Run "backchannel start --help" for the list of flags.`,
      );
    }
    throw error;
  }
  for (const [i, a] of portFlags.entries()) {
    for (const b of portFlags.slice(i + 1)) {
      if (values[a] === values[b]) {
        throw new ConfigError(b, `--${a} and --${b} are both ${values[a]}: give each service its own port`);
      }
    }
  }
  return {
    port: values.port,
    host: values.host,
    apiPort: values['api-port'],
    reflektorPort: values['reflektor-port'],
    reflektorAdminPort: values['reflektor-admin-port'],
    ekgPort: values['ekg-port'],
    dataDir: resolve(cwd, values['data-dir']),
    publicUrl: values['public-url'] || `http://localhost:${values.port}`,
    logLevel: values['log-level'] === 'critical' ? 'error' : values['log-level'],
    logFormat: values['log-format'],
    headerTimeoutMs: values['header-timeout'],
    bodyTimeoutMs: values['body-timeout'],
    idleTimeoutMs: values['idle-timeout'],
    maxRequests: values['max-requests'],
    maxRequestsPerAddress: values['max-requests-per-address'],
    maxStreams: values['max-streams'],
  };
}

/** The help text for `backchannel start`, listing every flag with its variable and default. */
export function startHelp(): string {
  return helpText(
    { ...stackFlags, ...loggingFlags },
    {
      program: 'backchannel start',
      summary: 'Starts the api, reflektor and ekg as child processes and serves the browser origin.',
    },
  );
}
