/**
 * Errors a caller of a {@link HostPool} can see. Each has a stable `code` to branch on
 * and, where it answers an HTTP request, the `statusCode` a service should reply with.
 */

/** A request found no host to send to: every host is ejected, draining or busy probing. */
export class NoHealthyHostError extends Error {
  readonly code = 'ERR_NO_HEALTHY_HOST';
  /** HTTP status a service should answer with when it cannot reach its upstreams. */
  readonly statusCode = 503;
  /** Milliseconds until the earliest ejected host is probed again; `null` when unknown. */
  readonly retryAfterMs: number | null;
  /** The host the request was pinned to (`request({ host })`), or `null` for a balanced request. */
  readonly host: string | null;

  constructor(message: string, retryAfterMs: number | null, host: string | null) {
    super(message);
    this.name = 'NoHealthyHostError';
    this.retryAfterMs = retryAfterMs;
    this.host = host;
  }
}

/** `request({ host })` named a host that is not a member of the pool (never added, or removed). */
export class UnknownHostError extends Error {
  readonly code = 'ERR_UNKNOWN_HOST';
  readonly statusCode = 500;
  readonly host: string;

  constructor(host: string, members: readonly string[]) {
    super(
      `host ${JSON.stringify(host)} is not in this pool (members: ${members.join(', ') || 'none'}); ` +
        'pass one of pool.hosts()[].url or add it with pool.add()',
    );
    this.name = 'UnknownHostError';
    this.host = host;
  }
}

/** The pool was closed with `close()`; create a new pool to send more requests. */
export class HostPoolClosedError extends Error {
  readonly code = 'ERR_POOL_CLOSED';
  readonly statusCode = 503;

  constructor() {
    super('the host pool is closed; create a new HostPool to send requests');
    this.name = 'HostPoolClosedError';
  }
}

/** A response body grew past `maxResponseSize`; the connection was aborted. */
export class ResponseTooLargeError extends Error {
  readonly code = 'ERR_RESPONSE_TOO_LARGE';
  readonly statusCode = 502;
  readonly limit: number;

  constructor(host: string, limit: number) {
    super(`response from ${host} is larger than maxResponseSize (${limit} bytes); raise maxResponseSize`);
    this.name = 'ResponseTooLargeError';
    this.limit = limit;
  }
}

/** A constructor option or a membership call got a value it cannot use. `option` names it. */
export class HostPoolConfigError extends Error {
  readonly code = 'ERR_HOSTPOOL_CONFIG';
  /** The option at fault, e.g. `hosts[1]` or `outlierDetection.maxEjectionTime`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'HostPoolConfigError';
    this.option = option;
  }
}
