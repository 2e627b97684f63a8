import type { Server } from 'node:http';
import { getLogger, kw } from '@backchannel/logging';
import type { Connections } from './connections.js';
import type { Rooms } from './rooms.js';
import { WebSocketSubscriber } from './websocket.js';

const log = getLogger('ekg.server');

/**
 * Closes `server` and every subscriber on it: the listener stops accepting, every event accepted
 * so far is written, each client is told to reconnect after its own random delay in
 * [0, `spreadMs`] (so a restart does not bring the whole audience back in one burst) and its stream
 * is ended; connections still open after `timeoutMs` are cut. Resolves once the server is closed.
 */
export async function closeEverySubscriber(
  server: Server,
  connections: Connections,
  rooms: Rooms,
  spreadMs: number,
  timeoutMs: number,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Everything accepted so far reaches the clients before they are told to go.
  rooms.flushAll();
  const count = connections.all.size;
  for (const subscriber of connections.all) {
    subscriber.sendReconnectAndClose(Math.round(Math.random() * spreadMs));
  }
  log.info('shutting down: %d clients told to reconnect', count, kw({ extra: { connections: count } }));
  const deadline = Date.now() + timeoutMs;
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
}
