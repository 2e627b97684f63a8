import type { IncomingMessage, ServerResponse } from 'node:http';
import { getLogger, kw } from '@backchannel/logging';
import type { Connections } from './connections.js';
import { EkgError, errorBody } from './errors.js';
import type { EkgMetrics } from './metrics.js';
import { handlePublish, type PublishContext } from './publish.js';
import { ROOM_PATH } from './room-path.js';
import { roomStatsOf } from './room-stats.js';
import type { Rooms } from './rooms.js';
import { openEventStream, SseSubscriber } from './sse.js';
import type { EkgStatus } from './status.js';
import type { SubscriberAdmission } from './subscriber-admission.js';

const log = getLogger('ekg.server');

/** What the plain HTTP routes need from the server around them. */
export interface HttpRoutesContext {
  readonly publish: PublishContext;
  readonly rooms: Rooms;
  readonly metrics: EkgMetrics;
  readonly connections: Connections;
  readonly admission: SubscriberAdmission;
  /** Undefined when status recording is off: `/status/ring` is then not found. */
  readonly status: EkgStatus | undefined;
  readonly corsOrigins: ReadonlySet<string>;
  readonly retryMs: number;
  isDraining(): boolean;
}

function sendError(response: ServerResponse, error: EkgError, headers?: Record<string, string>): void {
  response.writeHead(error.status, { 'Content-Type': 'application/json', ...headers });
  response.end(errorBody(error));
}

/**
 * Every request that is not a WebSocket upgrade: `POST /publish`, `/health`, `/ready`,
 * `/status/ring`, `/metrics`, `GET /rooms/:room` (stats) and `GET /rooms/:room/events` (SSE).
 */
export class HttpRoutes {
  readonly #context: HttpRoutesContext;

  constructor(context: HttpRoutesContext) {
    this.#context = context;
  }

  /**
   * Answers `request`. An {@link EkgError} becomes its JSON error; any other failure is logged
   * and answered 500 (or the response cut when its headers are out). Never rejects.
   */
  serve(request: IncomingMessage, response: ServerResponse): void {
    this.#route(request, response).catch((error: unknown) => {
      if (error instanceof EkgError) {
        if (!response.headersSent) sendError(response, error, this.#corsHeaders(request));
        return;
      }
      if (request.destroyed && !request.complete) {
        // The client went away mid-body (an aborted upload): its doing, not a failure of ours.
        log.warning(
          '%s %s: the client closed the connection before sending its whole body',
          request.method,
          request.url,
        );
        return;
      }
      log.error('%s %s failed', request.method, request.url, kw({ exc_info: error }));
      if (!response.headersSent) {
        sendError(response, new EkgError('internal_error', 500, 'ekg failed to answer: see its log.'));
      } else {
        response.destroy();
      }
    });
  }

  #corsHeaders(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (origin === undefined || !this.#context.corsOrigins.has(origin)) return {};
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const context = this.#context;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const method = request.method ?? 'GET';
    if (path === '/publish') {
      if (method !== 'POST') {
        sendError(response, new EkgError('method_not_allowed', 405, 'Use POST /publish.'), { Allow: 'POST' });
        return;
      }
      await handlePublish(request, response, context.publish);
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"status":"ok"}');
      return;
    }
    if (path === '/ready') {
      const draining = context.isDraining();
      response.writeHead(draining ? 503 : 200, { 'Content-Type': 'application/json' });
      response.end(draining ? '{"ready":false}' : '{"ready":true}');
      return;
    }
    if (path === '/status/ring' && context.status !== undefined && method === 'GET') {
      context.status.serveRing(
        request,
        response,
        query < 0 ? '' : url.slice(query + 1),
        !context.isDraining(),
      );
      return;
    }
    if (path === '/metrics') {
      context.metrics.rooms.set(context.rooms.size);
      response.writeHead(200, { 'Content-Type': context.metrics.registry.contentType });
      response.end(await context.metrics.registry.metrics());
      return;
    }
    const match = ROOM_PATH.exec(path);
    if (match === null || match[2] === '/ws') {
      sendError(
        response,
        new EkgError('not_found', 404, `Nothing at ${path}: streams are at /rooms/:room/events.`),
      );
      return;
    }
    const cors = this.#corsHeaders(request);
    if (method === 'OPTIONS') {
      response.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Last-Event-ID',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    if (method !== 'GET') {
      sendError(response, new EkgError('method_not_allowed', 405, 'Streams are opened with GET.'), {
        Allow: 'GET',
      });
      return;
    }
    if (match[2] === undefined) {
      const stats = roomStatsOf(context.rooms, match[1]);
      if (stats === undefined) {
        sendError(
          response,
          new EkgError('room_not_found', 404, `Room ${match[1]} is not held by this instance.`),
          cors,
        );
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json', ...cors });
      response.end(JSON.stringify(stats));
      return;
    }
    if (response.socket === null) {
      // A request pipelined behind another: its bytes would have to wait, and events are written
      // straight to the socket. Browsers never pipeline.
      throw new EkgError('pipelined_stream', 400, 'Open an event stream on a connection of its own.');
    }
    const { ip, lastSeq } = context.admission.admit(request, match[1]);
    const subscriber = new SseSubscriber(ip, lastSeq, response, request.socket, context.connections);
    openEventStream(
      request,
      response,
      context.rooms.get(match[1]),
      subscriber,
      context.connections,
      cors,
      context.retryMs,
    );
  }
}
