import type { Db } from '../db/connect.js';
import type { Logger } from '../log.js';
import { deleteOutboxRows, type OutboxRow, outboxRowsOfRoom, roomsWaitingSince } from '../store/outbox.js';
import type { EventPublisher } from './reflektor.js';

export interface OutboxPublisherOptions {
  db: Db;
  publisher: EventPublisher;
  log: Logger;
  /** First wait before a room whose publish failed is tried again, ms; doubles up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * How often the outbox is searched for rows no running publisher looks after (left by a
   * process that died, or by another api host), ms.
   */
  sweepIntervalMs: number;
  /** A row is left to the process that queued it for this long before a sweep takes it over, ms. */
  staleAfterMs: number;
  /** Called after reflektor accepted a request: its first and last seq, and the round trip in ms. */
  onPublished?: (row: OutboxRow, ms: number) => void;
  /** Called when reflektor did not accept a request (it stays queued). */
  onRefused?: (row: OutboxRow, error: Error) => void;
  /** Called with the number of draining rooms whenever it changes. */
  onDrainingChanged?: (rooms: number) => void;
}

/** One room's publishing, in seq order, one request at a time. */
interface Lane {
  roomId: number;
  room: string;
  /** The lane's work so far: every publish of the room chains onto it. */
  tail: Promise<void>;
  /** A publish failed: until the outbox is drained, rows go out from the database, oldest first. */
  draining: boolean;
  /** Counts commits told to the lane, so a drain that found the outbox empty knows nothing came since. */
  commits: number;
  retryMs: number;
  retryTimer: NodeJS.Timeout | undefined;
  /** Outstanding publishes and drains; the lane is forgotten when it is idle. */
  busy: number;
}

const DRAIN_PAGE = 100;
const SWEEP_ROOMS = 200;
const DELETE_FLUSH_MS = 20;

/**
 * Sends committed events to reflektor: the transactional outbox's relay.
 *
 * Every change commits its events together with an outbox row (`event-transaction.ts`); this
 * publishes the row right after the commit (the fast path) and deletes it once reflektor answered
 * 2xx. A room's rows go out one request at a time, in seq order. When a publish fails, the room's
 * later commits are not sent on their own: the room's rows are sent again from the database,
 * oldest first, with backoff, until none is left. A periodic sweep takes over rows that no lane of
 * this process looks after (a crashed process's, another api host's) once they are older than
 * `staleAfterMs`. An event may thus reach reflektor more than once, always with the same content;
 * ekg and the pages drop a seq they already have.
 */
export class OutboxPublisher {
  readonly #options: OutboxPublisherOptions;
  readonly #lanes = new Map<number, Lane>();
  /** Rows reflektor accepted whose deletion is not yet written. */
  #accepted: { roomId: number; firstSeq: number }[] = [];
  readonly #acceptedKeys = new Set<string>();
  #deleteTimer: NodeJS.Timeout | undefined;
  #deleting: Promise<void> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;
  readonly #startedAt = new Date().toISOString();

  constructor(options: OutboxPublisherOptions) {
    this.#options = options;
  }

  #drainingRooms = 0;

  /** Rooms whose publishing failed and whose rows are being sent again. */
  get drainingRooms(): number {
    return this.#drainingRooms;
  }

  #setDraining(lane: Lane, draining: boolean): void {
    if (lane.draining === draining) return;
    lane.draining = draining;
    this.#drainingRooms += draining ? 1 : -1;
    this.#options.onDrainingChanged?.(this.#drainingRooms);
  }

  /**
   * Starts the sweep. The first one runs at once and takes over every row queued before this
   * process started: no lane of ours owns them.
   */
  start(): void {
    this.#sweepTimer = setInterval(() => this.#sweep(), this.#options.sweepIntervalMs);
    this.#sweepTimer.unref();
    this.#sweep(this.#startedAt);
  }

  /**
   * Publishes a just-committed row unless older rows of its room are still waiting. Resolves when
   * this attempt ended (accepted, refused or skipped); never rejects: a row that was not accepted
   * stays in the outbox and is retried.
   */
  publishCommitted(row: OutboxRow): Promise<void> {
    const lane = this.#lane(row.room_id, row.room);
    lane.commits++;
    if (lane.draining || this.#closed) return Promise.resolve();
    lane.busy++;
    const attempt = lane.tail.then(async () => {
      try {
        if (!lane.draining) await this.#publishRow(lane, row);
      } finally {
        this.#idle(lane);
      }
    });
    lane.tail = attempt;
    return attempt;
  }

  /** Stops sweeping and retrying; waits up to `deadlineMs` for publishes in flight, then writes pending deletions. */
  async close(deadlineMs: number): Promise<void> {
    this.#closed = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    for (const lane of this.#lanes.values()) if (lane.retryTimer) clearTimeout(lane.retryTimer);
    const tails = Promise.all([...this.#lanes.values()].map((lane) => lane.tail));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([tails, this.#sweeping]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    await this.#flushDeletes();
  }

  #lane(roomId: number, room: string): Lane {
    let lane = this.#lanes.get(roomId);
    if (lane === undefined) {
      lane = {
        roomId,
        room,
        tail: Promise.resolve(),
        draining: false,
        commits: 0,
        retryMs: this.#options.retryMinMs,
        retryTimer: undefined,
        busy: 0,
      };
      this.#lanes.set(roomId, lane);
    }
    return lane;
  }

  #idle(lane: Lane): void {
    lane.busy--;
    if (lane.busy === 0 && !lane.draining && lane.retryTimer === undefined) this.#lanes.delete(lane.roomId);
  }

  /** Sends one row; on failure switches the lane to draining. Returns whether reflektor accepted it. */
  async #publishRow(lane: Lane, row: OutboxRow): Promise<boolean> {
    const started = performance.now();
    try {
      await this.#options.publisher.publish(row.room, row.body);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#options.onRefused?.(row, failure);
      if (!lane.draining) {
        this.#options.log.warn('reflektor did not accept an event; it stays queued and is sent again', {
          room: row.room,
          seq: row.first_seq,
          reason: failure.message,
        });
      }
      this.#startDraining(lane);
      return false;
    }
    this.#options.onPublished?.(row, performance.now() - started);
    this.#accept(row);
    return true;
  }

  #startDraining(lane: Lane): void {
    if (this.#closed) return;
    const firstFailure = !lane.draining;
    this.#setDraining(lane, true);
    if (lane.retryTimer !== undefined) return;
    const wait = firstFailure ? lane.retryMs : lane.retryMs / 2 + Math.random() * (lane.retryMs / 2);
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      this.#drain(lane);
    }, wait);
    lane.retryTimer.unref();
    lane.retryMs = Math.min(lane.retryMs * 2, this.#options.retryMaxMs);
  }

  /** Sends the room's rows again from the database, oldest first, until none is left. */
  #drain(lane: Lane): void {
    if (this.#closed) return;
    lane.busy++;
    lane.tail = lane.tail.then(async () => {
      try {
        await this.#drainRows(lane);
      } catch (error) {
        this.#options.log.error('reading the outbox failed', {
          room: lane.room,
          error: error instanceof Error ? error.message : String(error),
        });
        this.#startDraining(lane);
      } finally {
        this.#idle(lane);
      }
    });
  }

  async #drainRows(lane: Lane): Promise<void> {
    let afterSeq = 0;
    for (;;) {
      const commitsBefore = lane.commits;
      const rows = await outboxRowsOfRoom(this.#options.db.reader, lane.roomId, afterSeq, DRAIN_PAGE);
      const waiting = rows.filter((row) => !this.#acceptedKeys.has(keyOf(row.room_id, row.first_seq)));
      for (const row of waiting) {
        if (this.#closed) return;
        if (!(await this.#publishRow(lane, row))) return;
      }
      if (rows.length > 0) {
        afterSeq = rows[rows.length - 1].first_seq;
        continue;
      }
      // Nothing left, and no commit came while we looked: back to the fast path.
      if (commitsBefore === lane.commits) {
        if (lane.draining)
          this.#options.log.info('queued events sent; publishing is back to normal', { room: lane.room });
        this.#setDraining(lane, false);
        lane.retryMs = this.#options.retryMinMs;
        return;
      }
    }
  }

  /** Finds rooms with rows queued before `before` (default: `staleAfterMs` ago) and drains them. */
  #sweep(before?: string): void {
    if (this.#sweeping || this.#closed) return;
    const queuedBefore = before ?? new Date(Date.now() - this.#options.staleAfterMs).toISOString();
    this.#sweeping = (async () => {
      try {
        const rooms = await roomsWaitingSince(this.#options.db.reader, queuedBefore, SWEEP_ROOMS);
        for (const { room_id: roomId, room } of rooms) {
          const lane = this.#lane(roomId, room);
          if (lane.draining) continue;
          this.#setDraining(lane, true);
          this.#drain(lane);
        }
      } catch (error) {
        this.#options.log.error('searching the outbox failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.#sweeping = undefined;
      }
    })();
  }

  #accept(row: OutboxRow): void {
    const key = keyOf(row.room_id, row.first_seq);
    if (this.#acceptedKeys.has(key)) return;
    this.#acceptedKeys.add(key);
    this.#accepted.push({ roomId: row.room_id, firstSeq: row.first_seq });
    if (this.#deleteTimer === undefined) {
      this.#deleteTimer = setTimeout(() => {
        this.#deleteTimer = undefined;
        void this.#flushDeletes();
      }, DELETE_FLUSH_MS);
    }
  }

  /** Writes the deletions of accepted rows, in one transaction, after any write of them in progress. */
  #flushDeletes(): Promise<void> {
    if (this.#deleteTimer !== undefined) {
      clearTimeout(this.#deleteTimer);
      this.#deleteTimer = undefined;
    }
    const rows = this.#accepted;
    this.#accepted = [];
    this.#deleting = this.#deleting.then(async () => {
      if (rows.length === 0) return;
      try {
        await deleteOutboxRows(this.#options.db.writer, rows);
      } catch (error) {
        // The rows stay queued and are sent once more by a sweep: a duplicate, never a loss.
        this.#options.log.error('could not remove published events from the outbox', {
          rows: rows.length,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        for (const row of rows) this.#acceptedKeys.delete(keyOf(row.roomId, row.firstSeq));
      }
    });
    return this.#deleting;
  }
}

function keyOf(roomId: number, firstSeq: number): string {
  return `${roomId}:${firstSeq}`;
}
