import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Connections } from './connections.js';
import { DirectWriter } from './direct-write.js';
import { type FramedEvent, type GapNotice, websocketGap, websocketReconnect } from './frame.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';

/** RFC 6455 close code 1012, "Service Restart": the client should reconnect. */
const SERVICE_RESTART = 1012;
const OPEN = 1;

/**
 * One WebSocket (`GET /rooms/:room/ws`). Events are written as prebuilt frames straight to the
 * socket (permessage-deflate is off, so ws never holds frames back and the order is preserved).
 */
export class WebSocketSubscriber implements Subscriber {
  readonly transport = 'websocket';
  readonly ip: string;
  lastSeq: number;
  /** Set when dropped as too slow: later events skip it until its close is processed. */
  private dropped = false;
  /** Cleared on each ping, set by the pong; a socket still clear at the next ping is dead. */
  alive = true;
  private readonly socket: Socket;
  private readonly websocket: WebSocket;
  private readonly connections: Connections;
  private readonly writer: DirectWriter;

  constructor(ip: string, lastSeq: number, socket: Socket, websocket: WebSocket, connections: Connections) {
    this.ip = ip;
    this.lastSeq = lastSeq;
    this.socket = socket;
    this.websocket = websocket;
    this.connections = connections;
    this.writer = new DirectWriter(socket);
  }

  sendEvent(event: FramedEvent, checkBacklog: boolean): boolean {
    if (this.dropped) return false;
    if (this.websocket.readyState !== OPEN) return true;
    const socket = this.socket;
    if (this.writer.write(event.ws) || !checkBacklog) return true;
    if (socket.writableLength > this.connections.maxBufferedBytes) {
      this.dropped = true;
      this.connections.droppedSlow();
      this.websocket.terminate();
      return false;
    }
    return true;
  }

  sendGap(gap: GapNotice): void {
    if (this.websocket.readyState === OPEN) this.socket.write(websocketGap(gap));
  }

  /** Terminates a socket that missed the last pong; pings the rest. */
  checkLiveness(): void {
    if (!this.alive) {
      this.websocket.terminate();
      return;
    }
    this.alive = false;
    this.websocket.ping();
  }

  sendReconnectAndClose(after: number): void {
    if (this.websocket.readyState === OPEN) this.socket.write(websocketReconnect(after));
    this.websocket.close(SERVICE_RESTART, 'service restart');
  }

  close(): void {
    this.websocket.close(SERVICE_RESTART, 'service restart');
  }

  /** Drops the TCP connection at once (shutdown deadline passed). */
  terminate(): void {
    this.websocket.terminate();
  }
}

/** Wires an upgraded WebSocket to `room` until it closes. */
export function openWebSocket(
  websocket: WebSocket,
  room: Room,
  subscriber: WebSocketSubscriber,
  connections: Connections,
): void {
  websocket.on('pong', () => {
    subscriber.alive = true;
  });
  websocket.on('error', () => websocket.terminate());
  websocket.on('close', () => connections.closed(subscriber, room));
  connections.open(subscriber, room);
}
