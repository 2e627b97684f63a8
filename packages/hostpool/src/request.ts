import type { IncomingHttpHeaders } from 'node:http';

/** One HTTP request for the pool. The body must be replayable (string or bytes) so it can be retried or broadcast. */
export interface HostRequest {
  /** Default `GET`. */
  method?: string;
  /** Path and query, starting with `/`; appended to the host's base URL. */
  path: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array | null;
  /** Aborts the request; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Safe to send twice. Default: true for GET, HEAD, OPTIONS, PUT, DELETE, TRACE.
   * Idempotent requests are retried on another host when the connection fails after sending.
   */
  idempotent?: boolean;
  /** The caller tolerates duplicates (e.g. it deduplicates by id): retry like an idempotent request. */
  retryable?: boolean;
  /** Send to this host only (a `pool.hosts()[].url`); no balancing and no retry elsewhere. */
  host?: string;
  /** Overrides the pool's `headersTimeout` for this request (ms). */
  headersTimeout?: number;
  /** Overrides the pool's `bodyTimeout` for this request (ms). */
  bodyTimeout?: number;
}

/** A complete response: the body is already read in full, so no connection is left waiting on the caller. */
export interface HostResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The host that answered. */
  host: string;
  /** Hosts tried, 1 when the first one answered. */
  attempts: number;
}

/** One host's outcome of `pool.broadcast()`. */
export interface BroadcastResult {
  host: string;
  /** True when the host answered with a status below 400. */
  ok: boolean;
  statusCode?: number;
  headers?: IncomingHttpHeaders;
  body?: Buffer;
  /** Why the host did not answer: a connection error, a timeout, `NoHealthyHostError` if ejected. */
  error?: Error;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether a request may be sent again after its connection broke mid-flight. */
export function mayRepeat(request: HostRequest, method: string): boolean {
  if (request.retryable === true) return true;
  return request.idempotent ?? IDEMPOTENT_METHODS.has(method);
}
