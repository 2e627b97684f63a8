import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type CounterRecorder,
  checkStatusAccess,
  type LatencyRecorder,
  StatusRing,
  sampleProcess,
} from '@backchannel/stats';
import type { Connections } from './connections.js';
import type { FramedEvent } from './frame.js';
import type { Rooms } from './rooms.js';

/**
 * ekg's one-hour ring for the status page: open connections by transport, rooms, events/s,
 * publish-to-send latency (a publish arriving to its event written to the room's subscribers),
 * end-to-end latency (the api's `Backchannel-Published-At` stamp to that write) and the process
 * samples. Served as `GET /status/ring?after=UNIX_SECONDS`.
 */
export class EkgStatus {
  readonly ring = new StatusRing('ekg');
  private readonly send: LatencyRecorder;
  private readonly endToEnd: LatencyRecorder;
  private readonly events: CounterRecorder;
  private readonly token: string | undefined;
  private readonly stopProcessSamples: () => void;

  constructor(connections: Connections, rooms: Rooms, token: string | undefined) {
    this.token = token;
    const ring = this.ring;
    this.send = ring.latency('send', 'publish to send');
    this.endToEnd = ring.latency('end_to_end', 'posted to sent (end to end)');
    this.events = ring.counter('events', 'events');
    const countOf = (transport: string) => () => {
      let count = 0;
      for (const subscriber of connections.all) if (subscriber.transport === transport) count++;
      return count;
    };
    ring.gauge('connections.sse', 'count', countOf('sse'), { label: 'SSE connections' });
    ring.gauge('connections.ws', 'count', countOf('websocket'), { label: 'WebSocket connections' });
    ring.gauge('rooms', 'count', () => rooms.size, { label: 'rooms' });
    this.stopProcessSamples = sampleProcess(ring);
  }

  /** Records events just written to their room's subscribers. */
  flushed(events: readonly FramedEvent[]): void {
    const now = performance.now();
    const wallNow = Date.now();
    this.events.add(events.length);
    for (const event of events) {
      this.send.record(now - event.receivedAt);
      if (event.publishedAt > 0) this.endToEnd.record(wallNow - event.publishedAt);
    }
  }

  start(): void {
    this.ring.start();
  }

  stop(): void {
    this.ring.stop();
    this.stopProcessSamples();
  }

  /** Answers `GET /status/ring`: loopback freely, elsewhere with `Authorization: Bearer <token>`. */
  serveRing(request: IncomingMessage, response: ServerResponse, query: string, ready: boolean): void {
    const access = checkStatusAccess(
      { clientAddress: request.socket.remoteAddress, authorization: request.headers.authorization },
      this.token,
    );
    if (!access.allowed) {
      const body = JSON.stringify({ error: { code: access.code, message: access.message } });
      response.writeHead(401, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      response.end(body);
      return;
    }
    const after = Number(new URLSearchParams(query).get('after') ?? 0);
    const body = JSON.stringify(this.ring.slice(Number.isFinite(after) ? after : 0, ready));
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }
}
