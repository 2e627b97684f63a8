import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connections } from './connections.js';
import { type FramedEvent, type GapNotice, SSE_HEARTBEAT, sseGap, sseReconnect } from './frame.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';

/** Response headers of an event stream: no caching, no transformation, no proxy buffering. */
const STREAM_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** One Server-Sent Events stream (`GET /rooms/:room/events`). */
export class SseSubscriber implements Subscriber {
  readonly transport = 'sse';
  readonly ip: string;
  lastSeq: number;
  /** Set when dropped as too slow: later events skip it until its close is processed. */
  private dropped = false;
  private readonly response: ServerResponse;
  private readonly connections: Connections;

  constructor(ip: string, lastSeq: number, response: ServerResponse, connections: Connections) {
    this.ip = ip;
    this.lastSeq = lastSeq;
    this.response = response;
    this.connections = connections;
  }

  sendEvent(event: FramedEvent): boolean {
    if (this.dropped) return false;
    const response = this.response;
    response.write(event.sse);
    if (response.writableLength > this.connections.maxBufferedBytes) {
      this.dropped = true;
      this.connections.droppedSlow();
      response.destroy();
      return false;
    }
    return true;
  }

  sendGap(gap: GapNotice): void {
    this.response.write(sseGap(gap));
  }

  sendHeartbeat(): void {
    this.response.write(SSE_HEARTBEAT);
  }

  sendReconnectAndClose(after: number): void {
    this.response.end(sseReconnect(after));
  }

  close(): void {
    this.response.end();
  }
}

/**
 * Turns `response` into an event stream for `room`: headers, the `retry:` hint, then the replay
 * from `lastSeq` (or a `gap`), then live events until either side closes.
 */
export function openEventStream(
  request: IncomingMessage,
  response: ServerResponse,
  room: Room,
  subscriber: SseSubscriber,
  connections: Connections,
  extraHeaders: Record<string, string>,
  retryMs: number,
): void {
  const socket = request.socket;
  socket.setNoDelay(true);
  socket.setTimeout(0);
  response.writeHead(200, { ...STREAM_HEADERS, ...extraHeaders });
  response.write(`retry: ${retryMs}\n\n`);
  response.on('close', () => connections.closed(subscriber, room));
  connections.open(subscriber, room);
}
