import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerClientError, HEADER_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './client-error.js';
import { Connections } from './connections.js';
import { HttpRoutes } from './http-routes.js';
import { Keepalive } from './keepalive.js';
import { ConnectionLimiter } from './limits.js';
import { EkgMetrics } from './metrics.js';
import { type RoomStats, roomStatsOf } from './room-stats.js';
import { Rooms } from './rooms.js';
import { type EkgOptions, settingsOf } from './settings.js';
import { closeEverySubscriber } from './shutdown.js';
import { EkgStatus } from './status.js';
import { SubscriberAdmission } from './subscriber-admission.js';
import { WebSocketUpgrade } from './websocket-upgrade.js';

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
  const isDraining = () => draining;
  const admission = new SubscriberAdmission(connections, settings.trustProxy, isDraining);
  const routes = new HttpRoutes({
    publish: {
      rooms,
      metrics,
      credentials: { secrets, tokens, toleranceSeconds: options.signatureToleranceSeconds ?? 300 },
      maxBodyBytes: settings.maxBodyBytes,
      isDraining,
    },
    rooms,
    metrics,
    connections,
    admission,
    status,
    corsOrigins: settings.corsOrigins,
    retryMs: settings.retryMs,
    isDraining,
  });
  const websocketUpgrade = new WebSocketUpgrade(rooms, connections, admission, settings.corsOrigins);

  const server = createServer(
    {
      keepAliveTimeout: 5000,
      headersTimeout: HEADER_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    (request, response) => routes.serve(request, response),
  );
  // An upgrade's socket is always a net.Socket on a node:http server.
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
    websocketUpgrade.handle(request, socket, head),
  );
  server.on('clientError', answerClientError);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const keepalive = new Keepalive(connections, settings.heartbeatMs, settings.pingMs);
  const sweep = setInterval(() => rooms.sweepIdle(), Math.min(settings.roomIdleMs, 60000));
  sweep.unref();
  status?.start();

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    draining = true;
    status?.stop();
    keepalive.stop();
    clearInterval(sweep);
    await closeEverySubscriber(
      server,
      connections,
      rooms,
      settings.shutdownSpreadMs,
      settings.shutdownTimeoutMs,
    );
    websocketUpgrade.close();
  }

  return {
    port,
    metrics: () => {
      metrics.rooms.set(rooms.size);
      return metrics.registry.metrics();
    },
    roomStats: (room) => roomStatsOf(rooms, room),
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
