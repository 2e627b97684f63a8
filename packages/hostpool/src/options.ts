import type { Registry } from 'prom-client';
import { HostPoolConfigError } from './errors.js';

/** How `request()` picks a host. */
export type BalanceStrategy = 'p2c' | 'round-robin' | 'least-pending';

/** `balance`: `request()` sends to one host. `broadcast`: every host gets each message via `broadcast()`. */
export type PoolMode = 'balance' | 'broadcast';

/** Passive outlier detection: hosts that keep failing are ejected for a growing time. */
export interface OutlierDetectionOptions {
  /** Connection errors (refused, reset, closed) in a row that eject a host. Default 5. */
  consecutiveFailures?: number;
  /** 5xx responses in a row that eject a host. Default 5. */
  consecutive5xx?: number;
  /** Header or body timeouts in a row that eject a host. Default 3. */
  consecutiveTimeouts?: number;
  /** First ejection lasts this long (ms); the n-th in a row lasts n times as long. Default 10000. */
  baseEjectionTime?: number;
  /** Upper bound on one ejection (ms). Default 300000. */
  maxEjectionTime?: number;
}

/** Active health checks: `GET path` on every host every `interval` ms. */
export interface HealthCheckOptions {
  /** Path probed on each host. Default `/health`. */
  path?: string;
  /** Time between probes of one host (ms). Default 5000. */
  interval?: number;
  /** A probe without a complete 2xx answer in this time fails (ms). Default 2000. */
  timeout?: number;
  /** Failed probes in a row that eject a healthy host. Default 2. */
  unhealthyThreshold?: number;
  /** Passing probes in a row that bring an ejected host back. Default 1. */
  healthyThreshold?: number;
}

/** Periodic DNS re-resolution of host names into one pool member per address. */
export interface DnsOptions {
  /** Time between resolutions (ms). Default 30000. */
  interval?: number;
  /** Resolves a host name to addresses. Default: `dns.promises.lookup(name, { all: true })`. */
  lookup?: (hostname: string) => Promise<string[]>;
}

/** Everything `new HostPool(options)` accepts. Only `hosts` is required. */
export interface HostPoolOptions {
  /** Base URLs of the upstream hosts, e.g. `http://10.0.0.5:3004` (a path prefix is kept). */
  hosts: readonly string[];
  /** Default `balance`. */
  mode?: PoolMode;
  /** Default `p2c` (power of two choices over in-flight count × latency EWMA). */
  balance?: BalanceStrategy;
  /** Name used in errors and as the `pool` metrics label. Default `default`. */
  name?: string;
  /** Keep-alive connections per host. Default 16. */
  connections?: number;
  /**
   * Requests pipelined per connection. Default 1 (no pipelining). Above 1, requests that may be
   * repeated (`idempotent`, `retryable`, or an idempotent method) are pipelined; others still wait
   * for the connection to be free.
   */
  pipelining?: number;
  /**
   * Writes to one connection within one turn of the event loop leave in one `writev` (the
   * socket is corked and flushed from `setImmediate`). With `pipelining` above 1 this saves a
   * system call per request under load. Default false.
   */
  coalesceWrites?: boolean;
  /** TCP connect timeout (ms). Default 5000. */
  connectTimeout?: number;
  /** Time to wait for response headers (ms). Default 30000. */
  headersTimeout?: number;
  /** Time allowed between two body chunks (ms). Default 30000. */
  bodyTimeout?: number;
  /** Idle keep-alive socket lifetime (ms) when the server sends no hint. Default 4000. */
  keepAliveTimeout?: number;
  /** Largest response body buffered (bytes). Default 16 MiB. */
  maxResponseSize?: number;
  /** Balance mode: further hosts tried after a connection failure. Default 2. */
  retries?: number;
  /** Weight of the newest sample in the latency EWMA, in (0, 1]. Default 0.3. */
  ewmaAlpha?: number;
  /**
   * Balance mode: most hosts (percent) ejected at once, by outlier detection or health
   * checks. Keeps a starved or flapping fleet from ejecting itself whole; 100 lets every
   * host go (then requests fail fast with NoHealthyHostError). Default 50.
   */
  maxEjectionPercent?: number;
  /** Passive outlier detection; `false` turns it off. On by default. */
  outlierDetection?: OutlierDetectionOptions | false;
  /** Active health checks; off unless given (`true` means all defaults). */
  healthCheck?: HealthCheckOptions | boolean;
  /** DNS re-resolution of host names; off unless given (`true` means all defaults). */
  dns?: DnsOptions | boolean;
  /** prom-client registry to expose per-host metrics in. */
  registry?: Registry;
}

export interface ResolvedOutlierDetection {
  consecutiveFailures: number;
  consecutive5xx: number;
  consecutiveTimeouts: number;
  baseEjectionTime: number;
  maxEjectionTime: number;
}

export interface ResolvedHealthCheck {
  path: string;
  interval: number;
  timeout: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
}

export interface ResolvedDns {
  interval: number;
  lookup: ((hostname: string) => Promise<string[]>) | null;
}

export interface ResolvedOptions {
  hosts: string[];
  mode: PoolMode;
  balance: BalanceStrategy;
  name: string;
  connections: number;
  pipelining: number;
  coalesceWrites: boolean;
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  keepAliveTimeout: number;
  maxResponseSize: number;
  retries: number;
  ewmaAlpha: number;
  maxEjectionPercent: number;
  outlierDetection: ResolvedOutlierDetection | null;
  healthCheck: ResolvedHealthCheck | null;
  dns: ResolvedDns | null;
  registry: Registry | null;
}

const KNOWN_OPTIONS = new Set([
  'hosts',
  'mode',
  'balance',
  'name',
  'connections',
  'pipelining',
  'coalesceWrites',
  'connectTimeout',
  'headersTimeout',
  'bodyTimeout',
  'keepAliveTimeout',
  'maxResponseSize',
  'retries',
  'ewmaAlpha',
  'maxEjectionPercent',
  'outlierDetection',
  'healthCheck',
  'dns',
  'registry',
]);

/** Parses and checks a base URL; throws {@link HostPoolConfigError} naming `option`. */
export function parseHostUrl(option: string, value: unknown): URL {
  if (typeof value !== 'string' || value.length === 0) {
    throw new HostPoolConfigError(
      option,
      `expected a base URL string like "http://127.0.0.1:3004", got ${describe(value)}`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HostPoolConfigError(
      option,
      `${JSON.stringify(value)} is not a valid URL; use e.g. "http://127.0.0.1:3004"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HostPoolConfigError(
      option,
      `${JSON.stringify(value)} must use http: or https:, not ${url.protocol}`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new HostPoolConfigError(
      option,
      `${JSON.stringify(value)} must be a plain base URL without query, fragment or credentials`,
    );
  }
  return url;
}

/** The canonical form of a base URL: origin plus path prefix without a trailing slash. */
export function canonicalHostUrl(url: URL): string {
  const prefix = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return url.origin + prefix;
}

/** Fills in defaults and validates every option; throws {@link HostPoolConfigError} naming the first bad one. */
export function resolveOptions(input: HostPoolOptions): ResolvedOptions {
  if (input === null || typeof input !== 'object') {
    throw new HostPoolConfigError('options', `expected an object like { hosts: ["http://127.0.0.1:3004"] }`);
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new HostPoolConfigError(
        key,
        `unknown option; known options are ${[...KNOWN_OPTIONS].join(', ')}`,
      );
    }
  }
  if (!Array.isArray(input.hosts) || input.hosts.length === 0) {
    throw new HostPoolConfigError(
      'hosts',
      'expected a non-empty array of base URLs like ["http://127.0.0.1:3004"]',
    );
  }
  const hosts: string[] = [];
  input.hosts.forEach((value, i) => {
    const canonical = canonicalHostUrl(parseHostUrl(`hosts[${i}]`, value));
    if (hosts.includes(canonical)) {
      throw new HostPoolConfigError(`hosts[${i}]`, `${JSON.stringify(value)} is listed twice`);
    }
    hosts.push(canonical);
  });

  const mode = oneOf('mode', input.mode, ['balance', 'broadcast'] as const, 'balance');
  const balance = oneOf('balance', input.balance, ['p2c', 'round-robin', 'least-pending'] as const, 'p2c');
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length === 0)) {
    throw new HostPoolConfigError('name', `expected a non-empty string, got ${describe(input.name)}`);
  }
  const ewmaAlpha = input.ewmaAlpha ?? 0.3;
  if (typeof ewmaAlpha !== 'number' || !(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
    throw new HostPoolConfigError('ewmaAlpha', `expected a number in (0, 1], got ${describe(ewmaAlpha)}`);
  }
  const coalesceWrites = input.coalesceWrites ?? false;
  if (typeof coalesceWrites !== 'boolean') {
    throw new HostPoolConfigError(
      'coalesceWrites',
      `expected true or false, got ${describe(coalesceWrites)}`,
    );
  }
  const registry = input.registry ?? null;
  if (registry !== null && (typeof registry !== 'object' || typeof registry.registerMetric !== 'function')) {
    throw new HostPoolConfigError('registry', 'expected a prom-client Registry');
  }

  return {
    hosts,
    mode,
    balance,
    name: input.name ?? 'default',
    connections: integer('connections', input.connections, 16, 1),
    pipelining: integer('pipelining', input.pipelining, 1, 1),
    coalesceWrites,
    connectTimeout: integer('connectTimeout', input.connectTimeout, 5000, 1),
    headersTimeout: integer('headersTimeout', input.headersTimeout, 30_000, 0),
    bodyTimeout: integer('bodyTimeout', input.bodyTimeout, 30_000, 0),
    keepAliveTimeout: integer('keepAliveTimeout', input.keepAliveTimeout, 4000, 1),
    maxResponseSize: integer('maxResponseSize', input.maxResponseSize, 16 * 1024 * 1024, 0),
    retries: integer('retries', input.retries, 2, 0),
    ewmaAlpha,
    maxEjectionPercent: percentage('maxEjectionPercent', input.maxEjectionPercent, 50),
    outlierDetection: resolveOutlierDetection(input.outlierDetection),
    healthCheck: resolveHealthCheck(input.healthCheck),
    dns: resolveDns(input.dns),
    registry,
  };
}

function resolveOutlierDetection(
  value: OutlierDetectionOptions | false | undefined,
): ResolvedOutlierDetection | null {
  if (value === false) return null;
  const o = section('outlierDetection', value ?? {}, [
    'consecutiveFailures',
    'consecutive5xx',
    'consecutiveTimeouts',
    'baseEjectionTime',
    'maxEjectionTime',
  ]);
  const resolved = {
    consecutiveFailures: integer('outlierDetection.consecutiveFailures', o.consecutiveFailures, 5, 1),
    consecutive5xx: integer('outlierDetection.consecutive5xx', o.consecutive5xx, 5, 1),
    consecutiveTimeouts: integer('outlierDetection.consecutiveTimeouts', o.consecutiveTimeouts, 3, 1),
    baseEjectionTime: integer('outlierDetection.baseEjectionTime', o.baseEjectionTime, 10_000, 1),
    maxEjectionTime: integer('outlierDetection.maxEjectionTime', o.maxEjectionTime, 300_000, 1),
  };
  if (resolved.maxEjectionTime < resolved.baseEjectionTime) {
    throw new HostPoolConfigError(
      'outlierDetection.maxEjectionTime',
      `must be at least baseEjectionTime (${resolved.baseEjectionTime} ms)`,
    );
  }
  return resolved;
}

function resolveHealthCheck(value: HealthCheckOptions | boolean | undefined): ResolvedHealthCheck | null {
  if (value === undefined || value === false) return null;
  const h = section('healthCheck', value === true ? {} : value, [
    'path',
    'interval',
    'timeout',
    'unhealthyThreshold',
    'healthyThreshold',
  ]);
  const path = h.path ?? '/health';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new HostPoolConfigError(
      'healthCheck.path',
      `expected a path starting with "/", got ${describe(path)}`,
    );
  }
  return {
    path,
    interval: integer('healthCheck.interval', h.interval, 5000, 10),
    timeout: integer('healthCheck.timeout', h.timeout, 2000, 1),
    unhealthyThreshold: integer('healthCheck.unhealthyThreshold', h.unhealthyThreshold, 2, 1),
    healthyThreshold: integer('healthCheck.healthyThreshold', h.healthyThreshold, 1, 1),
  };
}

function resolveDns(value: DnsOptions | boolean | undefined): ResolvedDns | null {
  if (value === undefined || value === false) return null;
  const d = section('dns', value === true ? {} : value, ['interval', 'lookup']);
  if (d.lookup !== undefined && typeof d.lookup !== 'function') {
    throw new HostPoolConfigError('dns.lookup', `expected a function (hostname) => Promise<string[]>`);
  }
  return { interval: integer('dns.interval', d.interval, 30_000, 100), lookup: d.lookup ?? null };
}

function section<T extends object>(option: string, value: T, known: readonly string[]): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HostPoolConfigError(option, `expected an object, true or false, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new HostPoolConfigError(
        `${option}.${key}`,
        `unknown option; known options are ${known.join(', ')}`,
      );
    }
  }
  return value;
}

function integer(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new HostPoolConfigError(option, `expected an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function percentage(option: string, value: unknown, fallback: number): number {
  const resolved = integer(option, value, fallback, 0);
  if (resolved > 100)
    throw new HostPoolConfigError(option, `expected a percentage from 0 to 100, got ${resolved}`);
  return resolved;
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new HostPoolConfigError(
      option,
      `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
