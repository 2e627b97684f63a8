import type { ConnectionLimiter } from './limits.js';
import type { EkgMetrics } from './metrics.js';
import type { Room } from './room.js';
import type { Subscriber } from './subscriber.js';

/**
 * Every open subscriber connection of this process, for heartbeats, liveness and shutdown, with the
 * accounting (limits, gauges) kept in one place. A connection is counted from `open` to `closed`.
 */
export class Connections {
  readonly all = new Set<Subscriber>();
  readonly limiter: ConnectionLimiter;
  readonly metrics: EkgMetrics;
  /** Unsent bytes past which a subscriber is dropped as too slow. */
  readonly maxBufferedBytes: number;

  constructor(limiter: ConnectionLimiter, metrics: EkgMetrics, maxBufferedBytes: number) {
    this.limiter = limiter;
    this.metrics = metrics;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  /** Registers an accepted connection (its limiter slot already taken) and subscribes it to `room`. */
  open(subscriber: Subscriber, room: Room): void {
    this.all.add(subscriber);
    this.metrics.connections.inc({ transport: subscriber.transport });
    room.subscribe(subscriber);
  }

  /** Releases everything `open` took; safe to call more than once. */
  closed(subscriber: Subscriber, room: Room): void {
    if (!this.all.delete(subscriber)) return;
    room.unsubscribe(subscriber);
    this.limiter.release(subscriber.ip);
    this.metrics.connections.dec({ transport: subscriber.transport });
  }

  droppedSlow(): void {
    this.metrics.droppedSlow.inc();
  }
}
