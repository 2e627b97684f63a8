import type { Socket } from 'node:net';
import { buildConnector, Pool } from 'undici';

/**
 * Where a host stands:
 * - `healthy`: takes traffic.
 * - `ejected`: taken out by outlier detection or failed health checks; gets no traffic.
 * - `probing`: the ejection ran out; one trial request (or a passing health check) decides.
 * - `draining`: removed from the pool; finishes its in-flight requests, then closes.
 */
export type HostState = 'healthy' | 'ejected' | 'probing' | 'draining';

/** Why a host was ejected. */
export type EjectionReason =
  | 'consecutive-failures'
  | 'consecutive-5xx'
  | 'consecutive-timeouts'
  | 'health-check';

/** A snapshot of one host: state and counters since it joined the pool. */
export interface HostInfo {
  /** Canonical base URL; pass it as `request({ host })`. */
  url: string;
  /** The configured URL this host came from (differs from `url` after DNS expansion). */
  seed: string;
  state: HostState;
  /** Why the host is (or last was) ejected; `null` if never. */
  ejectionReason: EjectionReason | null;
  /** Epoch ms when the current ejection ends and probing starts; `null` unless ejected. */
  ejectedUntil: number | null;
  /** Requests sent and not yet finished. */
  inFlight: number;
  /** Latency EWMA of complete responses, in ms (0 before the first one). */
  latencyEwmaMs: number;
  /** Requests sent, including retries and trial requests. */
  requests: number;
  /** Requests that got no response: connection refused, reset or closed. */
  errors: number;
  /** Requests that timed out waiting for headers or body. */
  timeouts: number;
  /** Responses with status 500–599. */
  serverErrors: number;
  /** Times this host was ejected. */
  ejections: number;
  /** Active health checks run. */
  healthChecks: number;
  /** Active health checks that failed. */
  healthCheckFailures: number;
  /** Message of the most recent failure, or `null`. */
  lastError: string | null;
}

/** Connection settings shared by every host's undici Pool. */
export interface ConnectionSettings {
  connections: number;
  pipelining: number;
  coalesceWrites: boolean;
  connectTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  keepAliveTimeout: number;
}

/** One upstream: its undici connection pool plus the counters that balancing and ejection read. */
export class Host {
  readonly url: string;
  /** `scheme://host:port` the undici Pool connects to. */
  readonly origin: string;
  readonly seed: string;
  readonly pathPrefix: string;
  /** `host` header to send when the pool member is an address resolved from a name. */
  readonly hostHeader: string | null;
  readonly dispatcher: Pool;

  state: HostState = 'healthy';
  inFlight = 0;
  requests = 0;
  errors = 0;
  timeouts = 0;
  serverErrors = 0;
  ejections = 0;
  healthChecks = 0;
  healthCheckFailures = 0;
  latencyEwmaMs = 0;
  /** `performance.now()` of the latest latency sample. */
  latencyStamp = 0;
  lastError: string | null = null;

  consecutiveFailures = 0;
  consecutive5xx = 0;
  consecutiveTimeouts = 0;
  consecutiveCheckFailures = 0;
  consecutiveCheckPasses = 0;

  ejectionReason: EjectionReason | null = null;
  ejectedUntil: number | null = null;
  /** Ejections in a row, less one per baseEjectionTime spent healthy (Envoy's multiplier). */
  ejectionMultiplier = 0;
  healthySince = Date.now();
  ejectionTimer: NodeJS.Timeout | null = null;
  /** Resolves `remove()` once the last in-flight request of a draining host ends. */
  onDrained: (() => void) | null = null;

  constructor(url: URL, seed: string, hostHeader: string | null, settings: ConnectionSettings) {
    this.pathPrefix = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    this.origin = url.origin;
    this.url = url.origin + this.pathPrefix;
    this.seed = seed;
    this.hostHeader = hostHeader;
    const servername = hostHeader === null ? undefined : hostHeader.replace(/:\d+$/, '');
    this.dispatcher = new Pool(url.origin, {
      connections: settings.connections,
      pipelining: settings.pipelining,
      connectTimeout: settings.connectTimeout,
      headersTimeout: settings.headersTimeout,
      bodyTimeout: settings.bodyTimeout,
      keepAliveTimeout: settings.keepAliveTimeout,
      connect: settings.coalesceWrites
        ? coalescingConnector(settings.connectTimeout, servername)
        : servername === undefined
          ? undefined
          : { servername },
    });
  }

  recordLatency(ms: number, alpha: number, now: number): void {
    this.latencyEwmaMs =
      this.latencyEwmaMs === 0 ? ms : this.latencyEwmaMs + alpha * (ms - this.latencyEwmaMs);
    this.latencyStamp = now;
  }

  /** A failed request counts as a slow one, so p2c steers away before ejection kicks in. */
  penalizeLatency(alpha: number, now: number): void {
    this.recordLatency(Math.max(this.latencyEwmaMs * 4, 100), alpha, now);
  }

  /** Cancels a pending end of ejection, if any. */
  clearEjectionTimer(): void {
    if (this.ejectionTimer !== null) {
      clearTimeout(this.ejectionTimer);
      this.ejectionTimer = null;
    }
  }

  snapshot(): HostInfo {
    return {
      url: this.url,
      seed: this.seed,
      state: this.state,
      ejectionReason: this.ejectionReason,
      ejectedUntil: this.state === 'ejected' ? this.ejectedUntil : null,
      inFlight: this.inFlight,
      latencyEwmaMs: this.latencyEwmaMs,
      requests: this.requests,
      errors: this.errors,
      timeouts: this.timeouts,
      serverErrors: this.serverErrors,
      ejections: this.ejections,
      healthChecks: this.healthChecks,
      healthCheckFailures: this.healthCheckFailures,
      lastError: this.lastError,
    };
  }
}

/** Sockets written to in this turn of the event loop, flushed together from one `setImmediate`. */
const unflushed = new Set<Socket>();
let flushScheduled = false;

function flushSockets(): void {
  flushScheduled = false;
  for (const socket of unflushed) {
    // Uncorking to zero writes everything buffered in one writev; cork again for the next turn.
    if (socket.writableCorked > 0 && !socket.destroyed) {
      socket.uncork();
      socket.cork();
    }
  }
  unflushed.clear();
}

/**
 * undici's default connector, with each new socket kept corked: undici's own cork/uncork
 * around a request no longer flushes, and every socket written to in this turn is flushed
 * once, from `setImmediate`, so pipelined requests share one system call. `end()` uncorks
 * fully, so nothing is held back when a connection closes.
 */
function coalescingConnector(timeout: number, servername: string | undefined): buildConnector.connector {
  const connect = buildConnector({ timeout, ...(servername === undefined ? {} : { servername }) });
  return (options, callback) => {
    const socket = connect(options, callback) as unknown as Socket | undefined;
    if (socket !== undefined) {
      socket.cork();
      const write = socket.write;
      socket.write = function coalescedWrite(this: Socket, ...args: unknown[]): boolean {
        unflushed.add(this);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flushSockets);
        }
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      } as Socket['write'];
    }
    return socket as never;
  };
}
