import type { FramedEvent } from './frame.js';
import type { Subscriber } from './subscriber.js';

/** What happened to one published event in its room. */
export interface PublishOutcome {
  /** False when the room had already seen this seq (or a later one): the event was dropped. */
  readonly accepted: boolean;
  /** How many subscribers were written to. */
  readonly delivered: number;
  /** How many subscribers were dropped because their send buffer passed the limit. */
  readonly droppedSlow: number;
}

const DUPLICATE: PublishOutcome = { accepted: false, delivered: 0, droppedSlow: 0 };

/**
 * One room: a ring buffer of its last `capacity` events (strictly increasing seq) and the set of
 * subscribers it fans out to. Single-threaded by construction: a replay on subscribe and a live
 * publish never interleave, so every subscriber sees seqs in increasing order, each once.
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

  constructor(name: string, capacity: number) {
    this.name = name;
    this.ring = new Array(capacity);
  }

  /** Events held, oldest first. */
  get bufferedCount(): number {
    return this.size;
  }

  /**
   * Appends `event` and writes it to every subscriber. An event whose seq is not above the room's
   * last seq is a redelivery and is dropped without touching any subscriber.
   */
  publish(event: FramedEvent): PublishOutcome {
    if (event.seq <= this.lastSeq) return DUPLICATE;
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
    let delivered = 0;
    let droppedSlow = 0;
    for (const subscriber of this.subscribers) {
      const result = deliver(subscriber, event);
      if (result === 1) delivered++;
      else if (result === -1) droppedSlow++;
    }
    return { accepted: true, delivered, droppedSlow };
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
      if (deliver(subscriber, event) === -1) return;
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

/**
 * Writes `event` to one subscriber unless it has it already; announces a gap when the event does
 * not follow its last seq. Returns 1 when written, 0 when skipped, -1 when the client was dropped.
 */
function deliver(subscriber: Subscriber, event: FramedEvent): number {
  const lastSeq = subscriber.lastSeq;
  if (lastSeq >= 0 && event.seq !== lastSeq + 1) {
    if (event.seq <= lastSeq) return 0;
    subscriber.sendGap({ room: event.room, from: lastSeq + 1, to: event.seq - 1 });
  }
  subscriber.lastSeq = event.seq;
  return subscriber.sendEvent(event) ? 1 : -1;
}
