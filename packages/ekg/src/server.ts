import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getLogger, kw } from '@backchannel/logging';
import { WebSocketServer } from 'ws';
import { answerClientError, HEADER_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './client-error.js';
import { Connections } from './connections.js';
import { isRoomName } from './envelope.js';
import { EkgError, errorBody } from './errors.js';
import { ConnectionLimiter } from './limits.js';
import { EkgMetrics } from './metrics.js';
import { handlePublish, type PublishContext } from './publish.js';
import { Rooms } from './rooms.js';
import { openEventStream, SseSubscriber } from './sse.js';
import { EkgStatus } from './status.js';
import { openWebSocket, WebSocketSubscriber } from './websocket.js';

const log = getLogger('ekg.server');

/** Options of {@link startEkg}. Every field has a default except the publisher credentials. */
export interface EkgOptions {
  /** TCP port; 0 picks a free one (see {@link EkgServer.port}). Default 3004. */
  port?: number;
  /** Address to bind. Default: all interfaces. */
  host?: string;
  /** Standard Webhooks secrets (`whsec_…`) accepted on `POST /publish`. */
  secrets?: readonly string[];
  /** Bearer tokens accepted on `POST /publish`. */
  tokens?: readonly string[];
  /** Events kept per room for resuming clients. Default 1000. */
  bufferSize?: number;
  /** Interval of SSE heartbeat comments, ms. Default 15000. */
  heartbeatMs?: number;
  /** The SSE `retry:` hint sent when a stream opens, ms. Default 2000. */
  retryMs?: number;
  /** Interval of WebSocket pings; a socket that misses a pong by the next one is dropped, ms. Default 30000. */
  pingMs?: number;
  /** Open subscriber connections in total; past it, 503. Default 20000. */
  maxConnections?: number;
  /** Open subscriber connections per client address; past it, 503. Default 1000. */
  maxConnectionsPerIp?: number;
  /** Largest `POST /publish` body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Unsent bytes a subscriber may accumulate before it is dropped as too slow. Default 256 KiB. */
  maxBufferedBytes?: number;
  /** Origins allowed to read streams cross-origin (CORS) and to open WebSockets. Default none (same origin only). */
  corsOrigins?: readonly string[];
  /**
   * Count connections by the last `X-Forwarded-For` address (the one the proxy in front appended)
   * instead of the peer address: `true` believes the header from any peer, a list of addresses
   * only from peers with one of those addresses (the proxy's). Default false: the header is ignored.
   */
  trustProxy?: boolean | readonly string[];
  /** A room with no subscribers and no publish for this long is freed, ms. Default 300000. */
  roomIdleMs?: number;
  /**
   * An event that arrives ahead of a missing seq of its room waits this long for it, so events that
   * reach ekg out of order still go out in order, ms; 0 sends at once (clients then fetch the gap).
   * Default 100.
   */
  reorderWindowMs?: number;
  /** At shutdown, clients are told to reconnect after a random delay up to this, ms. Default 3000. */
  shutdownSpreadMs?: number;
  /** At shutdown, connections still open after this are cut, ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /** Accepted age of a Standard Webhooks timestamp, seconds. Default 300. */
  signatureToleranceSeconds?: number;
  /** Record the status page's figures and serve them as `GET /status/ring`. Default true. */
  statusRecording?: boolean;
  /** Opens `GET /status/ring` from beyond loopback (`Authorization: Bearer <token>`). Default none. */
  statusToken?: string;
}

/** A running ekg. */
export interface EkgServer {
  /** The bound port. */
  readonly port: number;
  /** Prometheus text of this instance's metrics. */
  metrics(): Promise<string>;
  /** Subscribers, last seq and buffered events of one room, or undefined when it is not held. */
  roomStats(room: string): RoomStats | undefined;
  /**
   * Graceful shutdown: `/ready` turns false, the listener closes, publishes get 503, every client is
   * told to reconnect after a jittered delay and its stream is closed; connections left after the
   * shutdown timeout are cut. Resolves when everything is closed. Idempotent.
   */
  close(): Promise<void>;
}

/** What {@link EkgServer.roomStats} and `GET /rooms/:room` report. */
export interface RoomStats {
  room: string;
  subscribers: number;
  lastSeq: number;
  buffered: number;
}

interface Settings {
  port: number;
  host: string | undefined;
  bufferSize: number;
  heartbeatMs: number;
  retryMs: number;
  pingMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxBodyBytes: number;
  maxBufferedBytes: number;
  corsOrigins: ReadonlySet<string>;
  /** Peers whose X-Forwarded-For is believed: all, none, or those listed. */
  trustProxy: boolean | ReadonlySet<string>;
  roomIdleMs: number;
  reorderWindowMs: number;
  shutdownSpreadMs: number;
  shutdownTimeoutMs: number;
}

const ROOM_PATH = /^\/rooms\/([^/]+)(\/events|\/ws)?$/;
const SEQ_TEXT = /^\d{1,16}$/;

function sendError(response: ServerResponse, error: EkgError, headers?: Record<string, string>): void {
  response.writeHead(error.status, { 'Content-Type': 'application/json', ...headers });
  response.end(errorBody(error));
}

function rejectUpgrade(socket: Socket, error: EkgError): void {
  const body = errorBody(error);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${error.status === 503 ? 'Retry-After: 1\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The seq a client resumes after: `Last-Event-ID`, else `?lastEventId=`; -1 when it sent neither. */
function resumeSeq(request: IncomingMessage, query: string): number {
  const header = request.headers['last-event-id'];
  let text = typeof header === 'string' ? header : undefined;
  if (text === undefined || text === '') {
    text = query === '' ? undefined : (new URLSearchParams(query).get('lastEventId') ?? undefined);
  }
  if (text === undefined || text === '') return -1;
  if (!SEQ_TEXT.test(text)) {
    throw new EkgError(
      'invalid_last_event_id',
      400,
      'Last-Event-ID / lastEventId must be the non-negative integer seq of the last event the client has.',
    );
  }
  return Number(text);
}

function clientIp(request: IncomingMessage, trustProxy: boolean | ReadonlySet<string>): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustProxy === true || (trustProxy !== false && trustProxy.has(peer))) {
    const forwarded = request.headers['x-forwarded-for'];
    // The trusted proxy appends the address it saw, so the last entry is the one it vouches
    // for; earlier entries come from the client and could be anything.
    if (typeof forwarded === 'string' && forwarded !== '') {
      const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
      if (last !== '') return last;
    }
  }
  return peer;
}

/** The set of trusted proxy addresses, with IPv4 ones also in their IPv4-mapped IPv6 form. */
function trustedPeers(trustProxy: boolean | readonly string[] | undefined): boolean | ReadonlySet<string> {
  if (trustProxy === undefined || typeof trustProxy === 'boolean') return trustProxy ?? false;
  const peers = new Set<string>();
  for (const address of trustProxy) {
    peers.add(address);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) peers.add(`::ffff:${address}`);
  }
  return peers;
}

function settingsOf(options: EkgOptions): Settings {
  return {
    port: options.port ?? 3004,
    host: options.host,
    bufferSize: options.bufferSize ?? 1000,
    heartbeatMs: options.heartbeatMs ?? 15000,
    retryMs: options.retryMs ?? 2000,
    pingMs: options.pingMs ?? 30000,
    maxConnections: options.maxConnections ?? 20000,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    maxBufferedBytes: options.maxBufferedBytes ?? 256 * 1024,
    corsOrigins: new Set(options.corsOrigins ?? []),
    trustProxy: trustedPeers(options.trustProxy),
    roomIdleMs: options.roomIdleMs ?? 300000,
    reorderWindowMs: options.reorderWindowMs ?? 100,
    shutdownSpreadMs: options.shutdownSpreadMs ?? 3000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10000,
  };
}

/**
 * Starts ekg: `POST /publish`, `GET /rooms/:room/events` (SSE), `GET /rooms/:room/ws` (WebSocket),
 * `GET /rooms/:room` (stats), `/health`, `/ready`, `/metrics`. Resolves once listening.
 * @throws TypeError when neither `secrets` nor `tokens` is given (publishing would be open to anyone).
 * @throws Error with code `EADDRINUSE` when the port is taken.
 */
export async function startEkg(options: EkgOptions): Promise<EkgServer> {
  const secrets = options.secrets ?? [];
  const tokens = options.tokens ?? [];
  if (secrets.length === 0 && tokens.length === 0) {
    throw new TypeError('ekg needs publisher credentials: pass `secrets` (whsec_…) or `tokens`.');
  }
  const settings = settingsOf(options);
  const metrics = new EkgMetrics();
  const rooms = new Rooms(settings.bufferSize, settings.roomIdleMs, metrics, settings.reorderWindowMs);
  const connections = new Connections(
    new ConnectionLimiter(settings.maxConnections, settings.maxConnectionsPerIp),
    metrics,
    settings.maxBufferedBytes,
  );
  const status =
    options.statusRecording === false ? undefined : new EkgStatus(connections, rooms, options.statusToken);
  metrics.status = status;
  let draining = false;
  const publishContext: PublishContext = {
    rooms,
    metrics,
    credentials: { secrets, tokens, toleranceSeconds: options.signatureToleranceSeconds ?? 300 },
    maxBodyBytes: settings.maxBodyBytes,
    isDraining: () => draining,
  };
  const websocketServer = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    maxPayload: 4096,
  });

  function corsHeaders(request: IncomingMessage): Record<string, string> {
    const origin = request.headers.origin;
    if (origin === undefined || !settings.corsOrigins.has(origin)) return {};
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  /** Validates the room and takes a connection slot; throws the EkgError to answer with. */
  function admit(request: IncomingMessage, roomName: string): { ip: string; lastSeq: number } {
    if (draining) throw new EkgError('shutting_down', 503, 'ekg is restarting: reconnect in a moment.');
    if (!isRoomName(roomName)) {
      throw new EkgError('invalid_room', 400, 'Room names are 1-64 letters, digits, "-", "_" or ".".');
    }
    const query = request.url!.indexOf('?');
    const lastSeq = resumeSeq(request, query < 0 ? '' : request.url!.slice(query + 1));
    const ip = clientIp(request, settings.trustProxy);
    const refused = connections.limiter.acquire(ip);
    if (refused !== undefined) {
      metrics.rejectedConnections.inc({ reason: refused });
      throw new EkgError(
        'too_many_connections',
        503,
        refused === 'total'
          ? 'ekg holds its maximum number of connections (--max-connections): try again later.'
          : 'Too many connections from this address (--max-connections-per-ip): close some first.',
      );
    }
    return { ip, lastSeq };
  }

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const method = request.method ?? 'GET';
    if (path === '/publish') {
      if (method !== 'POST') {
        sendError(response, new EkgError('method_not_allowed', 405, 'Use POST /publish.'), { Allow: 'POST' });
        return;
      }
      await handlePublish(request, response, publishContext);
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"status":"ok"}');
      return;
    }
    if (path === '/ready') {
      response.writeHead(draining ? 503 : 200, { 'Content-Type': 'application/json' });
      response.end(draining ? '{"ready":false}' : '{"ready":true}');
      return;
    }
    if (path === '/status/ring' && status !== undefined && method === 'GET') {
      status.serveRing(request, response, query < 0 ? '' : url.slice(query + 1), !draining);
      return;
    }
    if (path === '/metrics') {
      metrics.rooms.set(rooms.size);
      response.writeHead(200, { 'Content-Type': metrics.registry.contentType });
      response.end(await metrics.registry.metrics());
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
    const cors = corsHeaders(request);
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
      const stats = roomStats(match[1]);
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
    const { ip, lastSeq } = admit(request, match[1]);
    const subscriber = new SseSubscriber(ip, lastSeq, response, request.socket, connections);
    openEventStream(request, response, rooms.get(match[1]), subscriber, connections, cors, settings.retryMs);
  }

  function onUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const match = ROOM_PATH.exec(query < 0 ? url : url.slice(0, query));
    if (match === null || match[2] !== '/ws') {
      rejectUpgrade(socket, new EkgError('not_found', 404, 'WebSockets are at /rooms/:room/ws.'));
      return;
    }
    const origin = request.headers.origin;
    if (settings.corsOrigins.size > 0 && origin !== undefined && !settings.corsOrigins.has(origin)) {
      rejectUpgrade(
        socket,
        new EkgError('origin_not_allowed', 403, `Origin ${origin} is not in --cors-origin.`),
      );
      return;
    }
    let admitted: { ip: string; lastSeq: number };
    try {
      admitted = admit(request, match[1]);
    } catch (error) {
      if (!(error instanceof EkgError)) throw error;
      rejectUpgrade(socket, error);
      return;
    }
    const room = rooms.get(match[1]);
    websocketServer.handleUpgrade(request, socket, head, (websocket) => {
      const subscriber = new WebSocketSubscriber(
        admitted.ip,
        admitted.lastSeq,
        socket,
        websocket,
        connections,
      );
      openWebSocket(websocket, room, subscriber, connections);
    });
  }

  function roomStats(name: string): RoomStats | undefined {
    const room = rooms.find(name);
    if (room === undefined) return undefined;
    return {
      room: name,
      subscribers: room.subscribers.size,
      lastSeq: room.lastSeq,
      buffered: room.bufferedCount,
    };
  }

  const server = createServer(
    {
      keepAliveTimeout: 5000,
      headersTimeout: HEADER_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    (request, response) => {
      onRequest(request, response).catch((error: unknown) => {
        if (error instanceof EkgError) {
          if (!response.headersSent) sendError(response, error, corsHeaders(request));
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
    },
  );
  server.on('upgrade', onUpgrade);
  server.on('clientError', answerClientError);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const heartbeat = setInterval(() => {
    for (const subscriber of connections.all) {
      if (subscriber instanceof SseSubscriber) subscriber.sendHeartbeat();
    }
  }, settings.heartbeatMs);
  const liveness = setInterval(() => {
    for (const subscriber of connections.all) {
      if (subscriber instanceof WebSocketSubscriber) subscriber.checkLiveness();
    }
  }, settings.pingMs);
  const sweep = setInterval(() => rooms.sweepIdle(), Math.min(settings.roomIdleMs, 60000));
  status?.start();
  heartbeat.unref();
  liveness.unref();
  sweep.unref();

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    draining = true;
    status?.stop();
    clearInterval(heartbeat);
    clearInterval(liveness);
    clearInterval(sweep);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Everything accepted so far reaches the clients before they are told to go.
    rooms.flushAll();
    const count = connections.all.size;
    for (const subscriber of connections.all) {
      subscriber.sendReconnectAndClose(Math.round(Math.random() * settings.shutdownSpreadMs));
    }
    log.info('shutting down: %d clients told to reconnect', count, kw({ extra: { connections: count } }));
    const deadline = Date.now() + settings.shutdownTimeoutMs;
    let finished = false;
    closed.then(() => {
      finished = true;
    });
    while (!finished && Date.now() < deadline) {
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!finished) {
      log.warning('shutdown timeout: cutting %d remaining connections', connections.all.size);
      for (const subscriber of connections.all) {
        if (subscriber instanceof WebSocketSubscriber) subscriber.terminate();
      }
      server.closeAllConnections();
      await closed;
    }
    websocketServer.close();
  }

  return {
    port,
    metrics: () => {
      metrics.rooms.set(rooms.size);
      return metrics.registry.metrics();
    },
    roomStats,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
