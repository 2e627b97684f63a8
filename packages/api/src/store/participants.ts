import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Which of `participants` the host muted in the room. */
export async function mutedAmong(
  db: Kysely<Database>,
  roomId: number,
  participants: readonly string[],
): Promise<Set<string>> {
  if (participants.length === 0) return new Set();
  const rows = await db
    .selectFrom('muted_participants')
    .select('participant_id')
    .where('room_id', '=', roomId)
    .where('participant_id', 'in', participants)
    .execute();
  return new Set(rows.map((row) => row.participant_id));
}

/** When each of `participants` last posted in the room (ISO time), for slow mode. */
export async function lastPostTimes(
  db: Kysely<Database>,
  roomId: number,
  participants: readonly string[],
): Promise<Map<string, string>> {
  if (participants.length === 0) return new Map();
  const rows = await db
    .selectFrom('messages')
    .select((eb) => ['participant_id', eb.fn.max('created_at').as('last')])
    .where('room_id', '=', roomId)
    .where('participant_id', 'in', participants)
    .groupBy('participant_id')
    .execute();
  const times = new Map<string, string>();
  for (const row of rows) if (row.participant_id !== null) times.set(row.participant_id, String(row.last));
  return times;
}

/** Mutes a participant in a room; returns false when they already were. Keeps `rooms.muted_count`. */
export async function muteParticipant(
  db: Kysely<Database>,
  roomId: number,
  participant: string,
  at: string,
): Promise<boolean> {
  const inserted = await db
    .insertInto('muted_participants')
    .values({ room_id: roomId, participant_id: participant, muted_at: at })
    .onConflict((conflict) => conflict.columns(['room_id', 'participant_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await db
    .updateTable('rooms')
    .set((eb) => ({ muted_count: eb('muted_count', '+', 1) }))
    .where('id', '=', roomId)
    .execute();
  return true;
}

/** Lifts a participant's mute; returns false when they were not muted. */
export async function unmuteParticipant(
  db: Kysely<Database>,
  roomId: number,
  participant: string,
): Promise<boolean> {
  const deleted = await db
    .deleteFrom('muted_participants')
    .where('room_id', '=', roomId)
    .where('participant_id', '=', participant)
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) return false;
  await db
    .updateTable('rooms')
    .set((eb) => ({ muted_count: eb('muted_count', '-', 1) }))
    .where('id', '=', roomId)
    .execute();
  return true;
}

/** Up to `limit` of the participant's live messages in the room, oldest first (their seqs). */
export async function liveMessagesOf(
  db: Kysely<Database>,
  roomId: number,
  participant: string,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('messages')
    .select('seq')
    .where('room_id', '=', roomId)
    .where('participant_id', '=', participant)
    .where('deleted_at', 'is', null)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.seq);
}

/** The participant who posted message `seq`, if the room has it and knows who. */
export async function participantOfMessage(
  db: Kysely<Database>,
  roomId: number,
  seq: number,
): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('messages')
    .select('participant_id')
    .where('room_id', '=', roomId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row === undefined ? undefined : row.participant_id;
}
