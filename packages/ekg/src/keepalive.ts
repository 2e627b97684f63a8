import type { Connections } from './connections.js';
import { SseSubscriber } from './sse.js';
import { WebSocketSubscriber } from './websocket.js';

/**
 * Keeps idle subscriber connections honest: an SSE heartbeat comment every `heartbeatMs` (so
 * proxies do not time the stream out), a WebSocket ping every `pingMs` (a socket that has not
 * answered the previous one is dropped). The timers do not hold the process open.
 */
export class Keepalive {
  readonly #heartbeat: NodeJS.Timeout;
  readonly #liveness: NodeJS.Timeout;

  constructor(connections: Connections, heartbeatMs: number, pingMs: number) {
    this.#heartbeat = setInterval(() => {
      for (const subscriber of connections.all) {
        if (subscriber instanceof SseSubscriber) subscriber.sendHeartbeat();
      }
    }, heartbeatMs);
    this.#liveness = setInterval(() => {
      for (const subscriber of connections.all) {
        if (subscriber instanceof WebSocketSubscriber) subscriber.checkLiveness();
      }
    }, pingMs);
    this.#heartbeat.unref();
    this.#liveness.unref();
  }

  stop(): void {
    clearInterval(this.#heartbeat);
    clearInterval(this.#liveness);
  }
}
