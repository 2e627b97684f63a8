import type { Kysely, Selectable } from 'kysely';
import { onSqlite, prepared } from '../db/prepared.js';
import type { Database, RoomsTable, StoredRoomStatus } from '../db/schema.js';

export type RoomRow = Selectable<RoomsTable>;
export type RoomStatus = StoredRoomStatus | 'expired';

/** The room's status as clients see it: open or paused rooms past their expiry are `expired`. */
export function roomStatus(room: RoomRow, now: Date): RoomStatus {
  if (room.status !== 'closed' && room.expires_at <= now.toISOString()) return 'expired';
  return room.status;
}

const roomByName = prepared((db, name: string) =>
  db.selectFrom('rooms').selectAll().where('name', '=', name),
);

export async function findRoom(db: Kysely<Database>, name: string): Promise<RoomRow | undefined> {
  return roomByName.first(db, name);
}

export interface NewRoom {
  name: string;
  title: string;
  lifetime: string;
  ownerTokenHash: string;
  createdAt: string;
  expiresAt: string;
}

/** Inserts the room, or returns undefined when the name is taken. */
export async function insertRoom(db: Kysely<Database>, room: NewRoom): Promise<RoomRow | undefined> {
  return db
    .insertInto('rooms')
    .values({
      name: room.name,
      title: room.title,
      lifetime: room.lifetime,
      status: 'open',
      owner_token_hash: room.ownerTokenHash,
      created_at: room.createdAt,
      expires_at: room.expiresAt,
      last_seq: 0,
    })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
}

const advanceSeq = (db: Kysely<Database>, name: string, count: number) =>
  db
    .updateTable('rooms')
    .set((eb) => ({ last_seq: eb('last_seq', '+', count) }))
    .where('name', '=', name);
const advanceSeqReturning = prepared((db, name: string, count: number) =>
  advanceSeq(db, name, count).returningAll(),
);
const advanceSeqOnly = prepared(advanceSeq);

/**
 * Takes the room's next `count` event seqs (the returned `last_seq` is the last of them).
 * Call it inside a transaction: it also locks the room's row (PostgreSQL) until commit, so
 * a room's events commit in seq order. On SQLite the row is read back by a second
 * statement rather than by `RETURNING`, which makes SQLite build and free a temporary
 * b-tree (with its own page cache) on every call.
 */
export async function takeSeqs(
  db: Kysely<Database>,
  name: string,
  count: number,
): Promise<RoomRow | undefined> {
  if (!onSqlite(db)) return advanceSeqReturning.first(db, name, count);
  const changed = await advanceSeqOnly.run(db, name, count);
  return changed === 0 ? undefined : roomByName.first(db, name);
}

export async function setRoomStatus(
  db: Kysely<Database>,
  roomId: number,
  status: StoredRoomStatus,
): Promise<void> {
  await db.updateTable('rooms').set({ status }).where('id', '=', roomId).execute();
}

export async function setOwnerTokenHash(db: Kysely<Database>, roomId: number, hash: string): Promise<void> {
  await db.updateTable('rooms').set({ owner_token_hash: hash }).where('id', '=', roomId).execute();
}

/** Rooms whose expiry is before `cutoff` (ISO), oldest first. */
export async function expiredRooms(db: Kysely<Database>, cutoff: string, limit: number): Promise<RoomRow[]> {
  return db
    .selectFrom('rooms')
    .selectAll()
    .where('expires_at', '<', cutoff)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}
