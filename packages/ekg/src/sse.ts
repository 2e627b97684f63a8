import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Connections } from './connections.js';
import { DirectWriter } from './direct-write.js';
import { type FramedEvent, type GapNotice, httpChunk, SSE_HEARTBEAT, sseGap, sseReconnect } from './frame.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';

/** Response headers of an event stream: no caching, no transformation, no proxy buffering. */
const STREAM_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

/** A heartbeat comment as one chunk of the stream's chunked body. */
const HEARTBEAT_CHUNK = httpChunk(SSE_HEARTBEAT);

/**
 * One Server-Sent Events stream (`GET /rooms/:room/events`). After the response's headers and
 * first line, everything (events as prebuilt HTTP chunks, the same Buffer for all; gaps and
 * heartbeats framed the same way) goes through one DirectWriter, which waits for the response's
 * own bytes to reach the socket first, so the order on the wire is the order of the calls.
 */
export class SseSubscriber implements Subscriber {
  readonly transport = 'sse';
  readonly ip: string;
  lastSeq: number;
  /** Set when dropped as too slow: later events skip it until its close is processed. */
  private dropped = false;
  private readonly response: ServerResponse;
  private readonly socket: Socket;
  private readonly connections: Connections;
  private readonly writer: DirectWriter;

  constructor(
    ip: string,
    lastSeq: number,
    response: ServerResponse,
    socket: Socket,
    connections: Connections,
  ) {
    this.ip = ip;
    this.lastSeq = lastSeq;
    this.response = response;
    this.socket = socket;
    this.connections = connections;
    // What the response holds that the socket does not have yet (its headers and first line).
    this.writer = new DirectWriter(socket, () => response.writableLength - socket.writableLength);
  }

  sendEvent(event: FramedEvent, checkBacklog: boolean): boolean {
    if (this.dropped) return false;
    const socket = this.socket;
    if (!socket.writable) return true;
    if (this.writer.write(event.sseChunk) || !checkBacklog) return true;
    if (socket.writableLength > this.connections.maxBufferedBytes) {
      this.dropped = true;
      this.connections.droppedSlow();
      this.response.destroy();
      return false;
    }
    return true;
  }

  sendGap(gap: GapNotice): void {
    this.writer.write(httpChunk(sseGap(gap)));
  }

  sendHeartbeat(): void {
    this.writer.write(HEARTBEAT_CHUNK);
  }

  sendReconnectAndClose(after: number): void {
    this.writer.flushWaiting();
    this.response.end(sseReconnect(after));
  }

  close(): void {
    this.writer.flushWaiting();
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
  // Headers and this first chunk reach the socket now; later direct chunk writes follow them.
  response.write(`retry: ${retryMs}\n\n`);
  response.on('close', () => connections.closed(subscriber, room));
  connections.open(subscriber, room);
}
