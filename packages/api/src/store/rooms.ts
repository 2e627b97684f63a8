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

const roomByNameForUpdate = prepared((db, name: string) =>
  db.selectFrom('rooms').selectAll().where('name', '=', name).forUpdate(),
);

/**
 * Reads the room's row for a change, locking it until the transaction ends (PostgreSQL
 * `FOR UPDATE`; SQLite has one writer connection, so its transaction is the lock). Changes to
 * one room therefore take their seqs and commit one after another, in seq order.
 */
export async function lockRoom(db: Kysely<Database>, name: string): Promise<RoomRow | undefined> {
  return onSqlite(db) ? roomByName.first(db, name) : roomByNameForUpdate.first(db, name);
}

const advanceSeq = prepared((db, roomId: number, count: number) =>
  db
    .updateTable('rooms')
    .set((eb) => ({ last_seq: eb('last_seq', '+', count) }))
    .where('id', '=', roomId),
);

/** Adds `count` to the room's `last_seq`; call it on a row locked by {@link lockRoom}. */
export async function advanceSeqs(db: Kysely<Database>, roomId: number, count: number): Promise<void> {
  await advanceSeq.run(db, roomId, count);
}

export async function setRoomStatus(
  db: Kysely<Database>,
  roomId: number,
  status: StoredRoomStatus,
): Promise<void> {
  await db.updateTable('rooms').set({ status }).where('id', '=', roomId).execute();
}

export async function setSlowMode(db: Kysely<Database>, roomId: number, seconds: number): Promise<void> {
  await db.updateTable('rooms').set({ slow_mode_seconds: seconds }).where('id', '=', roomId).execute();
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
