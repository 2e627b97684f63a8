import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Connections } from './connections.js';
import { EkgError, errorBody } from './errors.js';
import { ROOM_PATH } from './room-path.js';
import type { Rooms } from './rooms.js';
import type { Admitted, SubscriberAdmission } from './subscriber-admission.js';
import { openWebSocket, WebSocketSubscriber } from './websocket.js';

function rejectUpgrade(socket: Socket, error: EkgError): void {
  const body = errorBody(error);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${error.status === 503 ? 'Retry-After: 1\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * `GET /rooms/:room/ws` with `Upgrade: websocket`: checks the path and origin, admits the
 * subscriber, then completes the handshake; anything refused is answered with a plain HTTP error
 * on the raw socket.
 */
export class WebSocketUpgrade {
  readonly #websocketServer = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    maxPayload: 4096,
  });
  readonly #rooms: Rooms;
  readonly #connections: Connections;
  readonly #admission: SubscriberAdmission;
  readonly #corsOrigins: ReadonlySet<string>;

  constructor(
    rooms: Rooms,
    connections: Connections,
    admission: SubscriberAdmission,
    corsOrigins: ReadonlySet<string>,
  ) {
    this.#rooms = rooms;
    this.#connections = connections;
    this.#admission = admission;
    this.#corsOrigins = corsOrigins;
  }

  /** The node:http `upgrade` listener. */
  handle(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const match = ROOM_PATH.exec(query < 0 ? url : url.slice(0, query));
    if (match === null || match[2] !== '/ws') {
      rejectUpgrade(socket, new EkgError('not_found', 404, 'WebSockets are at /rooms/:room/ws.'));
      return;
    }
    const origin = request.headers.origin;
    if (this.#corsOrigins.size > 0 && origin !== undefined && !this.#corsOrigins.has(origin)) {
      rejectUpgrade(
        socket,
        new EkgError('origin_not_allowed', 403, `Origin ${origin} is not in --cors-origin.`),
      );
      return;
    }
    let admitted: Admitted;
    try {
      admitted = this.#admission.admit(request, match[1]);
    } catch (error) {
      if (!(error instanceof EkgError)) throw error;
      rejectUpgrade(socket, error);
      return;
    }
    const room = this.#rooms.get(match[1]);
    const connections = this.#connections;
    this.#websocketServer.handleUpgrade(request, socket, head, (websocket) => {
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

  /** Stops the handshake machinery; sockets already upgraded are closed by their subscribers. */
  close(): void {
    this.#websocketServer.close();
  }
}
