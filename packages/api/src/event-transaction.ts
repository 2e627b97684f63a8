import { type Kysely, sql } from 'kysely';
import type { Db } from './db/connect.js';
import { inTransaction } from './db/prepared.js';
import type { Database } from './db/schema.js';
import type { EventEnvelope } from './envelope.js';
import { ApiError } from './errors.js';
import type { Logger } from './log.js';
import { type EventPublisher, RelayRefusedError } from './publish/reflektor.js';
import { insertEvent } from './store/events.js';
import { type RoomRow, takeSeqs } from './store/rooms.js';

/** What one change writes, inside the transaction, with the seqs it was given. */
export interface ChangeWrite<T> {
  /** The change's events, in seq order. */
  envelopes: EventEnvelope[];
  result: T;
  /**
   * The events that undo this change for clients, published after a failed commit,
   * numbered from `firstSeq`.
   */
  compensation?: (firstSeq: number, at: string) => EventEnvelope[];
}

export interface ChangeContext {
  trx: Kysely<Database>;
  /** The room row after its seqs were taken: `last_seq` is this change's last seq. */
  room: RoomRow;
  /** The first of this change's `count` consecutive seqs. */
  firstSeq: number;
  at: string;
  now: Date;
}

export interface EventTransactionDeps {
  db: Db;
  publisher: EventPublisher;
  log: Logger;
  onPublished?: (envelopes: EventEnvelope[], ms: number) => void;
  onRelayRefused?: (error: RelayRefusedError) => void;
}

/**
 * Runs one change to a room the way DESIGN.md requires: begin, take the room's next
 * `count` seqs (locking the room), write, store every event but `message.created` in
 * `events` (for catch-up), publish the events to reflektor in one request, commit. If reflektor refuses, the transaction rolls back and `event_relay_unavailable`
 * (503) is thrown. If the commit fails after reflektor accepted, the change's
 * compensation events are published with fresh seqs and `internal_error` is thrown.
 *
 * `write` may throw an ApiError to refuse the change (nothing is stored or published).
 */
export async function commitWithEvents<T>(
  deps: EventTransactionDeps,
  roomName: string,
  count: number,
  write: (context: ChangeContext) => Promise<ChangeWrite<T>>,
): Promise<T> {
  return deps.db.writer.connection().execute(async (connection) => {
    const trx = await connection.startTransaction().execute();
    inTransaction(trx, deps.db.writer);
    let written: ChangeWrite<T>;
    let room: RoomRow;
    try {
      const locked = await takeSeqs(trx, roomName, count);
      if (locked === undefined) throw new ApiError('room_not_found', `There is no room "${roomName}".`);
      room = locked;
      const now = new Date();
      written = await write({ trx, room, firstSeq: room.last_seq - count + 1, at: now.toISOString(), now });
      // Messages are their own `message.created` record; every other event is kept for catch-up.
      for (const envelope of written.envelopes) {
        if (envelope.type !== 'message.created') await insertEvent(trx, room.id, envelope);
      }
      const started = performance.now();
      await deps.publisher.publish(written.envelopes);
      deps.onPublished?.(written.envelopes, performance.now() - started);
    } catch (error) {
      await trx.rollback().execute();
      if (error instanceof RelayRefusedError) {
        deps.onRelayRefused?.(error);
        deps.log.warn('event relay refused an event; change rolled back', {
          room: roomName,
          reason: error.message,
        });
        throw new ApiError(
          'event_relay_unavailable',
          'The live event relay is not accepting events right now; nothing was saved. Try again shortly.',
          { 'retry-after': '1' },
        );
      }
      throw error;
    }
    try {
      await trx.commit().execute();
    } catch (commitError) {
      deps.log.error('commit failed after the event relay accepted the event', {
        room: roomName,
        seq: room.last_seq,
        error: commitError instanceof Error ? commitError.message : String(commitError),
      });
      // Ends the transaction if the failed commit left it open, and frees the connection.
      await trx
        .rollback()
        .execute()
        .catch(() => {});
      await compensate(deps, connection, room, written);
      throw new ApiError('internal_error', 'The change could not be saved. Try again.');
    }
    return written.result;
  });
}

/**
 * Publishes the compensating events of a change whose commit failed. The failed change's
 * seqs are burned (never given to another event) so clients that saw them are not confused.
 */
async function compensate<T>(
  deps: EventTransactionDeps,
  connection: Kysely<Database>,
  room: RoomRow,
  written: ChangeWrite<T>,
): Promise<void> {
  if (!written.compensation) return;
  const burned = room.last_seq;
  const greatest = deps.db.engine === 'postgres' ? sql`greatest` : sql`max`;
  try {
    const trx = await connection.startTransaction().execute();
    try {
      const count = written.envelopes.length;
      const row = await trx
        .updateTable('rooms')
        .set({ last_seq: sql<number>`${greatest}(last_seq, ${burned}) + ${count}` })
        .where('id', '=', room.id)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const envelopes = written.compensation(row.last_seq - count + 1, new Date().toISOString());
      for (const envelope of envelopes) await insertEvent(trx, room.id, envelope);
      await deps.publisher.publish(envelopes);
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute();
      throw error;
    }
  } catch (error) {
    deps.log.error('could not publish the compensating events', {
      room: room.name,
      seq: burned,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** What a single-event change writes (see `commitWithEvent`). */
export interface SingleChangeWrite<T> {
  envelope: EventEnvelope;
  result: T;
  compensation?: (seq: number, at: string) => EventEnvelope;
}

export interface SingleChangeContext {
  trx: Kysely<Database>;
  room: RoomRow;
  seq: number;
  at: string;
  now: Date;
}

/** `commitWithEvents` for a change with exactly one event, numbered `seq`. */
export function commitWithEvent<T>(
  deps: EventTransactionDeps,
  roomName: string,
  write: (context: SingleChangeContext) => Promise<SingleChangeWrite<T>>,
): Promise<T> {
  return commitWithEvents(deps, roomName, 1, async ({ trx, room, firstSeq, at, now }) => {
    const written = await write({ trx, room, seq: firstSeq, at, now });
    const compensation = written.compensation;
    return {
      envelopes: [written.envelope],
      result: written.result,
      ...(compensation
        ? { compensation: (seq: number, compensationAt: string) => [compensation(seq, compensationAt)] }
        : {}),
    };
  });
}
