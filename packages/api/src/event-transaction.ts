import type { Kysely } from 'kysely';
import type { Db } from './db/connect.js';
import { inTransaction } from './db/prepared.js';
import type { Database } from './db/schema.js';
import type { EventEnvelope } from './envelope.js';
import { ApiError } from './errors.js';
import type { Logger } from './log.js';
import type { OutboxPublisher } from './publish/outbox-publisher.js';
import { insertEvent } from './store/events.js';
import { insertOutboxRow, type OutboxRow } from './store/outbox.js';
import { advanceSeqs, lockRoom, type RoomRow } from './store/rooms.js';

/** What one change writes, inside the transaction: its events in seq order (none is fine) and its result. */
export interface ChangeWrite<T> {
  envelopes: EventEnvelope[];
  result: T;
}

export interface ChangeContext {
  trx: Kysely<Database>;
  /** The room's row, locked until commit; `last_seq` is the room's last seq before this change. */
  room: RoomRow;
  at: string;
  now: Date;
  /** Takes the room's next `count` seqs and returns the first of them. Call it at most once. */
  takeSeqs(count: number): Promise<number>;
}

export interface EventTransactionDeps {
  db: Db;
  outbox: OutboxPublisher;
  log: Logger;
}

/**
 * Runs one change to a room the way DESIGN.md requires: begin, lock the room, write (taking
 * the room's next seqs), store every event but `message.created` in `events` (for catch-up),
 * queue the change's events in the outbox, commit, and only then publish them to reflektor.
 *
 * An event is therefore published only once it is committed, and a seq is never published with
 * two contents. Resolves with the change's result after the publish attempt: a relay that is
 * down or slow delays the event (the outbox keeps it and it is sent again) but does not fail the
 * change. `write` may throw an ApiError to refuse the change (nothing is stored or published).
 */
export async function commitChange<T>(
  deps: EventTransactionDeps,
  roomName: string,
  write: (context: ChangeContext) => Promise<ChangeWrite<T>>,
): Promise<T> {
  const { written, row } = await deps.db.writer.connection().execute(async (connection) => {
    const trx = await connection.startTransaction().execute();
    inTransaction(trx, deps.db.writer);
    try {
      const room = await lockRoom(trx, roomName);
      if (room === undefined) throw new ApiError('room_not_found', `There is no room "${roomName}".`);
      const now = new Date();
      let taken = false;
      const written = await write({
        trx,
        room,
        at: now.toISOString(),
        now,
        takeSeqs: async (count) => {
          if (taken) throw new Error('takeSeqs may be called once per change');
          taken = true;
          await advanceSeqs(trx, room.id, count);
          return room.last_seq + 1;
        },
      });
      let row: OutboxRow | undefined;
      const { envelopes } = written;
      if (envelopes.length > 0) {
        // Messages are their own `message.created` record; every other event is kept for catch-up.
        for (const envelope of envelopes) {
          if (envelope.type !== 'message.created') await insertEvent(trx, room.id, envelope);
        }
        row = {
          room_id: room.id,
          first_seq: envelopes[0].seq,
          last_seq: envelopes[envelopes.length - 1].seq,
          room: room.name,
          body: JSON.stringify(envelopes.length === 1 ? envelopes[0] : envelopes),
          queued_at: now.toISOString(),
        };
        await insertOutboxRow(trx, row);
      }
      await trx.commit().execute();
      return { written, row };
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => {});
      throw error;
    }
  });
  if (row !== undefined) await deps.outbox.publishCommitted(row);
  return written.result;
}

/** What a single-event change writes (see `commitWithEvent`). */
export interface SingleChangeWrite<T> {
  envelope: EventEnvelope;
  result: T;
}

export interface SingleChangeContext {
  trx: Kysely<Database>;
  room: RoomRow;
  seq: number;
  at: string;
  now: Date;
}

/** `commitChange` for a change with exactly one event, numbered `seq`. */
export function commitWithEvent<T>(
  deps: EventTransactionDeps,
  roomName: string,
  write: (context: SingleChangeContext) => Promise<SingleChangeWrite<T>>,
): Promise<T> {
  return commitChange(deps, roomName, async ({ trx, room, at, now, takeSeqs }) => {
    const seq = await takeSeqs(1);
    const written = await write({ trx, room, seq, at, now });
    return { envelopes: [written.envelope], result: written.result };
  });
}
