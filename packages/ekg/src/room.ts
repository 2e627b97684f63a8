import type { FramedEvent } from './frame.js';
import type { Subscriber } from './subscriber.js';

/** Told after every flush, for metrics. */
export interface FlushObserver {
  /** `events` were just written; `delivered` counts event writes over all subscribers. */
  flushed(events: readonly FramedEvent[], delivered: number): void;
}

/**
 * One room: a ring buffer of its last `capacity` events (strictly increasing seq) and the set of
 * subscribers it fans out to. Single-threaded by construction: a replay on subscribe and a flush
 * never interleave, and every write goes through the subscriber's last seq, so every subscriber
 * sees seqs in increasing order, each once.
 *
 * Events published in one turn of the event loop are written together at its end (setImmediate):
 * one event costs the same as writing it at once, and a burst (a batch publish, or publishes that
 * queued up while the process was busy) costs one socket write per subscriber instead of one per
 * event per subscriber.
 */
export class Room {
  readonly name: string;
  readonly subscribers = new Set<Subscriber>();
  /** Highest seq accepted; 0 before the first event. */
  lastSeq = 0;
  /** `Date.now()` of the last publish or subscriber change, for idle freeing. */
  lastActivity = Date.now();

  private readonly ring: (FramedEvent | undefined)[];
  private head = 0;
  private size = 0;
  private pending: FramedEvent[] = [];
  private readonly observer: FlushObserver;
  private readonly reorderWindowMs: number;
  /** Events that arrived ahead of a missing seq, by seq, waiting for it (see {@link publish}). */
  private held: Map<number, FramedEvent> | undefined;
  private heldTimer: NodeJS.Timeout | undefined;

  constructor(name: string, capacity: number, observer: FlushObserver, reorderWindowMs = 0) {
    this.name = name;
    this.ring = new Array(capacity);
    this.observer = observer;
    this.reorderWindowMs = reorderWindowMs;
  }

  /** Events held, oldest first. */
  get bufferedCount(): number {
    return this.size;
  }

  /**
   * Appends `event` to the buffer and queues it for every subscriber (written by {@link flush},
   * scheduled for the end of this event-loop turn). Returns false, touching nothing, when the seq is
   * not above the room's last one (or is already waiting): a redelivery.
   *
   * An event that arrives ahead of a missing seq (several publishers can reach the relay in another
   * order than their commits) waits up to the reorder window for the missing ones, and goes out in
   * seq order as soon as they came. When the window passes first, it goes out anyway and its
   * subscribers get a `gap` for what is missing, which they fetch from the api.
   */
  publish(event: FramedEvent): boolean {
    if (event.seq <= this.lastSeq) return false;
    if (event.seq > this.lastSeq + 1 && this.lastSeq > 0 && this.reorderWindowMs > 0) {
      this.held ??= new Map();
      if (this.held.has(event.seq)) return false;
      this.held.set(event.seq, event);
      this.lastActivity = Date.now();
      this.heldTimer ??= setTimeout(releaseHeld, this.reorderWindowMs, this);
      return true;
    }
    this.append(event);
    const held = this.held;
    if (held !== undefined) {
      for (let next = held.get(this.lastSeq + 1); next !== undefined; next = held.get(this.lastSeq + 1)) {
        held.delete(next.seq);
        this.append(next);
      }
      if (held.size === 0) this.stopHolding();
    }
    return true;
  }

  /** Publishes every waiting event now, in seq order, whatever is still missing before it. */
  releaseHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.stopHolding();
    for (const seq of [...held.keys()].sort((a, b) => a - b)) {
      const event = held.get(seq)!;
      if (event.seq > this.lastSeq) this.append(event);
    }
  }

  private stopHolding(): void {
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.held = undefined;
  }

  private append(event: FramedEvent): void {
    this.lastSeq = event.seq;
    this.lastActivity = Date.now();
    const capacity = this.ring.length;
    if (this.size < capacity) {
      this.ring[(this.head + this.size) % capacity] = event;
      this.size++;
    } else {
      this.ring[this.head] = event;
      this.head = (this.head + 1) % capacity;
    }
    if (this.pending.push(event) === 1) setImmediate(flushRoom, this);
  }

  /** Writes the queued events to every subscriber now. Called at the end of the turn and at shutdown. */
  flush(): void {
    const events = this.pending;
    if (events.length === 0) return;
    this.pending = [];
    let delivered = 0;
    if (events.length === 1) {
      const event = events[0];
      for (const subscriber of this.subscribers) {
        if (deliver(subscriber, event, true) === 1) delivered++;
      }
    } else {
      const first = events[0].seq;
      const contiguous = events[events.length - 1].seq - first === events.length - 1;
      const batch = contiguous ? joinEvents(events) : undefined;
      for (const subscriber of this.subscribers) {
        if (batch !== undefined && (subscriber.lastSeq === first - 1 || subscriber.lastSeq < 0)) {
          subscriber.lastSeq = batch.seq;
          if (subscriber.sendEvent(batch, true)) delivered += events.length;
        } else {
          for (const event of events) {
            if (deliver(subscriber, event, true) === 1) delivered++;
          }
        }
      }
    }
    this.observer.flushed(events, delivered);
  }

  /**
   * Adds a subscriber and replays what the buffer holds after its `lastSeq` (nothing when it is -1).
   * A hole between its `lastSeq` and the oldest event held is announced as a `gap` first.
   */
  subscribe(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
    this.lastActivity = Date.now();
    if (subscriber.lastSeq < 0 || this.size === 0) return;
    const capacity = this.ring.length;
    for (let i = this.firstIndexAfter(subscriber.lastSeq); i < this.size; i++) {
      const event = this.ring[(this.head + i) % capacity]!;
      deliver(subscriber, event, false);
    }
  }

  unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    this.lastActivity = Date.now();
  }

  /** Position (0 = oldest) of the first buffered event with seq > `seq`, by binary search. */
  private firstIndexAfter(seq: number): number {
    const capacity = this.ring.length;
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ring[(this.head + middle) % capacity]!.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function flushRoom(room: Room): void {
  room.flush();
}

function releaseHeld(room: Room): void {
  room.releaseHeld();
}

/** Consecutive events as one: their frames back to back, written with one call per socket. */
function joinEvents(events: readonly FramedEvent[]): FramedEvent {
  const last = events[events.length - 1];
  return {
    room: last.room,
    seq: last.seq,
    sseChunk: Buffer.concat(events.map((event) => event.sseChunk)),
    ws: Buffer.concat(events.map((event) => event.ws)),
    receivedAt: events[0].receivedAt,
    publishedAt: events[0].publishedAt,
  };
}

/**
 * Writes `event` to one subscriber unless it has it already; announces a gap when the event does
 * not follow its last seq. Returns 1 when written, 0 when skipped, -1 when the client was dropped.
 */
function deliver(subscriber: Subscriber, event: FramedEvent, checkBacklog: boolean): number {
  const lastSeq = subscriber.lastSeq;
  if (lastSeq >= 0 && event.seq !== lastSeq + 1) {
    if (event.seq <= lastSeq) return 0;
    subscriber.sendGap({ room: event.room, from: lastSeq + 1, to: event.seq - 1 });
  }
  subscriber.lastSeq = event.seq;
  return subscriber.sendEvent(event, checkBacklog) ? 1 : -1;
}
