import type { Kysely, Selectable } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { Database, OutboxTable } from '../db/schema.js';

export type OutboxRow = Selectable<OutboxTable>;

const insertRow = prepared(
  (db, roomId: number, firstSeq: number, lastSeq: number, room: string, body: string, queuedAt: string) =>
    db.insertInto('outbox').values({
      room_id: roomId,
      first_seq: firstSeq,
      last_seq: lastSeq,
      room,
      body,
      queued_at: queuedAt,
    }),
);

/** Queues one change's request body; call it in the transaction that commits the change. */
export async function insertOutboxRow(db: Kysely<Database>, row: OutboxRow): Promise<void> {
  await insertRow.run(db, row.room_id, row.first_seq, row.last_seq, row.room, row.body, row.queued_at);
}

const roomRows = prepared((db, roomId: number, afterSeq: number, limit: number) =>
  db
    .selectFrom('outbox')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('first_seq', '>', afterSeq)
    .orderBy('first_seq', 'asc')
    .limit(limit),
);

/** A room's queued rows with `first_seq` above `afterSeq`, in seq order. */
export async function outboxRowsOfRoom(
  db: Kysely<Database>,
  roomId: number,
  afterSeq: number,
  limit: number,
): Promise<OutboxRow[]> {
  return roomRows.all(db, roomId, afterSeq, limit);
}

/** A room with rows queued before `queuedBefore` (ISO), and its name. */
export interface WaitingRoom {
  room_id: number;
  room: string;
}

/** Rooms that have a row queued before `queuedBefore`, at most `limit` of them. */
export async function roomsWaitingSince(
  db: Kysely<Database>,
  queuedBefore: string,
  limit: number,
): Promise<WaitingRoom[]> {
  return db
    .selectFrom('outbox')
    .select(['room_id', 'room'])
    .where('queued_at', '<', queuedBefore)
    .groupBy(['room_id', 'room'])
    .limit(limit)
    .execute();
}

const deleteRow = prepared((db, roomId: number, firstSeq: number) =>
  db.deleteFrom('outbox').where('room_id', '=', roomId).where('first_seq', '=', firstSeq),
);

/** Removes rows reflektor accepted, in one transaction. */
export async function deleteOutboxRows(
  db: Kysely<Database>,
  rows: readonly { roomId: number; firstSeq: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const row of rows) await deleteRow.run(trx, row.roomId, row.firstSeq);
  });
}

/** How many rows wait, and the time the oldest was queued (for metrics). */
export async function outboxBacklog(
  db: Kysely<Database>,
): Promise<{ rows: number; oldestQueuedAt: string | null }> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number | string>().as('rows'), eb.fn.min('queued_at').as('oldest')])
    .executeTakeFirst();
  return { rows: Number(row?.rows ?? 0), oldestQueuedAt: (row?.oldest as string | null) ?? null };
}
