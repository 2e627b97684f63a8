import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Delivery } from './delivery.js';
import { type ErrorCode, ReflektorError } from './errors.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { IdMaker, type NewRecord, splitHeaders } from './record.js';
import type { Router } from './routing.js';
import type { QueueStore } from './store/store.js';

export interface IngestOptions {
  store: QueueStore;
  delivery: Delivery;
  router: Router;
  metrics: Metrics;
  log: Logger;
  /** Largest accepted body in bytes (413 above). */
  maxBody: number;
  /** Refuse (503) while the deepest lane of the target holds this many requests; 0: no limit. */
  maxQueueEntries: number;
  /** Refuse (503) while the deepest lane of the target holds this many body bytes; 0: no limit. */
  maxQueueBytes: number;
  /** Seconds to put in Retry-After when the queue is full. */
  retryAfterSeconds: number;
  /** Required `Authorization: Bearer <token>`; null accepts anyone. */
  token: string | null;
  /** Told each accepted request's latency, ms, for the status page. */
  statusIngest?: { record(ms: number): void };
}

function sendError(res: ServerResponse, error: ReflektorError, extra?: Record<string, string>): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

const ERRORS: Record<string, ReflektorError> = {
  unauthorized: new ReflektorError(
    'unauthorized',
    'Send the token reflektor was started with as "Authorization: Bearer <token>".',
    401,
  ),
  body_too_large: new ReflektorError(
    'body_too_large',
    'The body is larger than --max-body; send a smaller body or raise --max-body.',
    413,
  ),
  no_route: new ReflektorError('no_route', 'No target of the routing config matches this path.', 404),
  shutting_down: new ReflektorError(
    'shutting_down',
    'reflektor is shutting down; retry on another instance.',
    503,
  ),
};

/**
 * The ingest server: accepts any method and path, stores the request durably, and only then
 * answers `202 {"id"}` with `Reflektor-Id`. Refuses with 401, 404, 413 or 503 (with
 * Retry-After), each with a JSON error body `{"error": {"code", "message"}}`.
 */
export class Ingest {
  readonly server: Server;
  private readonly options: IngestOptions;
  private readonly ids = new IdMaker();
  private readonly bearer: string | null;
  private accepting = true;
  private inFlight = 0;

  constructor(options: IngestOptions) {
    this.options = options;
    this.bearer = options.token === null ? null : `Bearer ${options.token}`;
    this.server = createServer({ keepAliveTimeout: 65_000 }, this.onRequest);
    this.server.on('clientError', (error: Error, socket: Socket) => {
      if (socket.writable && !socket.destroyed) {
        const status = (error as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
        socket.end(`HTTP/1.1 ${status} Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      } else {
        socket.destroy();
      }
    });
  }

  private refuse(res: ServerResponse, code: ErrorCode, extra?: Record<string, string>): void {
    this.options.metrics.refused.labels(code).inc();
    sendError(res, ERRORS[code], extra);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const o = this.options;
    if (!this.accepting) {
      res.shouldKeepAlive = false;
      this.refuse(res, 'shutting_down', { 'retry-after': '1' });
      req.resume();
      return;
    }
    const headers = splitHeaders(req.rawHeaders, this.bearer !== null);
    if (this.bearer !== null && headers.authorization !== this.bearer) {
      this.refuse(res, 'unauthorized', { 'www-authenticate': 'Bearer' });
      req.resume();
      return;
    }
    const url = req.url ?? '/';
    const target = o.router.match(url);
    if (target === null) {
      this.refuse(res, 'no_route');
      req.resume();
      return;
    }
    if (o.maxQueueEntries > 0 || o.maxQueueBytes > 0) {
      const depth = o.delivery.deepest(target.name);
      if (
        (o.maxQueueEntries > 0 && depth.entries >= o.maxQueueEntries) ||
        (o.maxQueueBytes > 0 && depth.bytes >= o.maxQueueBytes)
      ) {
        o.metrics.refused.labels('queue_full').inc();
        sendError(
          res,
          new ReflektorError(
            'queue_full',
            `The queue for target "${target.name}" is full (--max-queue); retry after ${o.retryAfterSeconds} s.`,
            503,
          ),
          { 'retry-after': String(o.retryAfterSeconds) },
        );
        req.resume();
        return;
      }
    }
    if (headers.contentLength > o.maxBody) {
      res.shouldKeepAlive = false;
      this.refuse(res, 'body_too_large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > o.maxBody) {
        tooLarge = true;
        chunks.length = 0;
        res.shouldKeepAlive = false;
        this.refuse(res, 'body_too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const started = performance.now();
      const record: NewRecord = {
        id: this.ids.next(),
        target: target.name,
        onlyLane: null,
        method: req.method ?? 'GET',
        url,
        headers: headers.kept,
        body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
        orderingKey: headers.orderingKey,
        acceptedAt: Date.now(),
      };
      this.inFlight++;
      const stored = (error: Error | null): void => {
        this.inFlight--;
        if (error !== null) {
          o.log.error('could not store a request', { error: error.message });
          o.metrics.refused.labels('store_failed').inc();
          sendError(
            res,
            new ReflektorError(
              'store_failed',
              `The request was not stored (${error.message}); retry it.`,
              503,
            ),
            { 'retry-after': '1' },
          );
          return;
        }
        const body = `{"id":"${record.id}"}`;
        res.writeHead(202, [
          'content-type',
          'application/json',
          'content-length',
          String(body.length),
          'reflektor-id',
          record.id,
        ]);
        res.end(body);
        o.metrics.acceptedTally(target.name).n++;
        const ms = performance.now() - started;
        o.metrics.ingestLatency.record(ms / 1000);
        o.statusIngest?.record(ms);
      };
      if (o.store.appendWithCallback) o.store.appendWithCallback(record, stored);
      else o.store.append(record).then(() => stored(null), stored);
    });
  };

  /** Stops accepting: new connections are refused, requests on open ones get 503; waits for pending writes. */
  async stop(): Promise<void> {
    this.accepting = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    this.server.closeAllConnections();
    await closed;
  }
}
