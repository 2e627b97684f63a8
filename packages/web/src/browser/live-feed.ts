// A room's live events, exactly once and in seq order: ekg's stream for the live edge, the
// api's event log to fill any gap. Events whose seq was already seen are dropped.
import { type Connection, type ConnectionStatus, connect, type Envelope } from 'ekg/client';
import type { RoomEvent } from './api.js';

/** What the page shows about the stream. */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveFeedOptions {
  room: string;
  /** The last seq the page already reflects (from `GET /api/rooms/:room`). */
  lastSeq: number;
  onEvent: (event: RoomEvent) => void;
  onStatus: (status: FeedStatus) => void;
  /** The api's event log: events with seq above `afterSeq`, in seq order (`GET …/events?after=`). */
  fetchEventsAfter: (afterSeq: number) => Promise<RoomEvent[]>;
  /** The stream; default ekg/client's `connect` on the page's own origin. */
  connect?: typeof connect;
}

/** Wait before retrying a failed catch-up from the api. */
const catchUpRetryMs = 2000;

/**
 * A room's events for the page: `onEvent` sees each seq above `lastSeq` at most once and in
 * increasing order. Events the stream missed (ekg's `gap`, or a jump in seq) are fetched from
 * the api's log before later ones are applied; a seq the log does not list is skipped. If the
 * api cannot be reached, it retries every 2 s while holding later events back.
 */
export class LiveFeed {
  readonly #options: LiveFeedOptions;
  #lastSeq: number;
  #connection: Connection | null = null;
  #catchingUp = false;
  /** Live events that arrived while a catch-up was running; replayed through the same gate after. */
  #held: RoomEvent[] = [];
  #closed = false;

  constructor(options: LiveFeedOptions) {
    this.#options = options;
    this.#lastSeq = options.lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  start(): void {
    // '' = ekg on the page's own origin (`/rooms/:room/events`), as `backchannel start` and nginx route it.
    const open = this.#options.connect ?? connect;
    this.#connection = open('', this.#options.room, {
      lastSeq: this.#lastSeq,
      onEvent: (event) => this.#receive(toRoomEvent(event)),
      onGap: () => void this.#catchUp(),
      onStatus: (status) => this.#status(status),
    });
  }

  #status(status: ConnectionStatus): void {
    if (status !== 'closed') this.#options.onStatus(status);
  }

  close(): void {
    this.#closed = true;
    this.#connection?.close();
    this.#connection = null;
  }

  #receive(event: RoomEvent): void {
    if (this.#closed || event.room !== this.#options.room) return;
    if (this.#catchingUp) {
      this.#held.push(event);
      return;
    }
    if (event.seq <= this.#lastSeq) return;
    if (event.seq > this.#lastSeq + 1) {
      // A hole: fetch what is missing from the api before applying this one.
      this.#held.push(event);
      void this.#catchUp();
      return;
    }
    this.#apply(event);
  }

  #apply(event: RoomEvent): void {
    this.#lastSeq = event.seq;
    this.#options.onEvent(event);
  }

  async #catchUp(): Promise<void> {
    if (this.#catchingUp || this.#closed) return;
    this.#catchingUp = true;
    try {
      for (;;) {
        const events = await this.#options.fetchEventsAfter(this.#lastSeq);
        const fresh = events.filter((event) => event.seq > this.#lastSeq);
        for (const event of fresh) this.#apply(event);
        if (fresh.length === 0) break;
      }
    } catch {
      // The api is unreachable for now: keep what is held and try again shortly.
      this.#catchingUp = false;
      if (!this.#closed) setTimeout(() => void this.#catchUp(), catchUpRetryMs);
      return;
    }
    this.#catchingUp = false;
    // The api's log is the authority up to now; seqs it does not list (a deleted message's
    // creation, a seq burned by a failed commit) will never come, so held events go in order.
    const held = this.#held.sort((a, b) => a.seq - b.seq);
    this.#held = [];
    for (const event of held) {
      if (event.seq > this.#lastSeq) this.#apply(event);
    }
  }
}

function toRoomEvent(event: Envelope): RoomEvent {
  const data = typeof event.data === 'object' && event.data !== null ? event.data : {};
  return {
    room: event.room,
    seq: event.seq,
    type: event.type,
    at: event.at,
    data: data as Record<string, unknown>,
  };
}
