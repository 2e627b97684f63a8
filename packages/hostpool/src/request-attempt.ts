import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { ResponseTooLargeError } from './errors.js';
import type { Host } from './host.js';
import { type HostRequest, type HostResponse, mayRepeat } from './request.js';

/** Receives the end of every dispatch exactly once: `error` is null when a full response arrived. */
export interface AttemptOwner {
  attemptEnded(attempt: RequestAttempt, error: Error | null): void;
}

const NO_HEADERS: IncomingHttpHeaders = {};

/**
 * One caller's request as it travels to one host after another: the undici dispatch
 * handler that buffers the response, and the signal listener that aborts it. One object
 * per request keeps the hot path free of per-call closures.
 */
export class RequestAttempt implements Dispatcher.DispatchHandler {
  readonly owner: AttemptOwner;
  readonly request: HostRequest;
  readonly method: string;
  readonly maxResponseSize: number;
  /** Safe to send twice, so safe to pipeline behind other requests. */
  readonly repeatable: boolean;
  host: Host | null = null;
  /** Hosts already tried, allocated on the first retry only. */
  tried: Host[] | null = null;
  attempts = 0;
  startedAt = 0;
  /** True once undici began writing this attempt to a socket: it may have reached the host. */
  sent = false;
  /** True once the caller's promise is resolved or rejected. */
  settled = false;
  statusCode = 0;
  headers: IncomingHttpHeaders = NO_HEADERS;
  chunks: Buffer[] = [];
  size = 0;
  controller: Dispatcher.DispatchController | null = null;
  resolve: (response: HostResponse) => void = noop;
  reject: (error: Error) => void = noop;

  constructor(owner: AttemptOwner, request: HostRequest, method: string, maxResponseSize: number) {
    this.owner = owner;
    this.request = request;
    this.method = method;
    this.maxResponseSize = maxResponseSize;
    this.repeatable = mayRepeat(request, method);
  }

  /** Sends this request to `host`; the outcome arrives at `owner.attemptEnded`. */
  dispatchTo(host: Host, now: number): void {
    this.host = host;
    this.attempts++;
    this.startedAt = now;
    this.sent = false;
    this.statusCode = 0;
    this.headers = NO_HEADERS;
    this.size = 0;
    if (this.chunks.length > 0) this.chunks = [];
    this.controller = null;
    const request = this.request;
    host.dispatcher.dispatch(
      {
        path: host.pathPrefix + request.path,
        method: this.method as Dispatcher.HttpMethod,
        headers: host.hostHeader === null ? request.headers : { ...request.headers, host: host.hostHeader },
        body: request.body,
        // Lets undici pipeline requests that may be repeated (it never pipelines the others);
        // without `pipelining` above 1 neither flag changes anything.
        idempotent: this.repeatable,
        blocking: !this.repeatable,
        headersTimeout: request.headersTimeout,
        bodyTimeout: request.bodyTimeout,
      },
      this,
    );
  }

  /** Resolves the caller's promise with the buffered response. */
  succeed(): void {
    this.settled = true;
    const chunks = this.chunks;
    this.resolve({
      statusCode: this.statusCode,
      headers: this.headers,
      body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size),
      host: this.host!.url,
      attempts: this.attempts,
    });
  }

  fail(error: Error): void {
    this.settled = true;
    this.reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      controller.abort(abortReason(this.request.signal));
      return;
    }
    this.controller = controller;
    this.sent = true;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // 1xx informational; the final head follows
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxResponseSize) {
      controller.abort(new ResponseTooLargeError(this.host!.url, this.maxResponseSize));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.owner.attemptEnded(this, null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.owner.attemptEnded(this, error);
  }

  /** The `abort` listener on the caller's signal. */
  handleEvent(): void {
    if (this.settled) return;
    this.fail(abortReason(this.request.signal));
    this.controller?.abort(abortReason(this.request.signal));
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

function noop(): void {}
