import type { Kysely, Selectable } from 'kysely';
import type { Database, MessagesTable } from '../db/schema.js';

export type MessageRow = Selectable<MessagesTable>;

/** A message as the api shows it; `id` is the seq of its `message.created` event, as a string. */
export interface MessageView {
  id: string;
  seq: number;
  author: string;
  text: string;
  at: string;
}

export function messageView(row: Pick<MessageRow, 'seq' | 'author' | 'text' | 'created_at'>): MessageView {
  return { id: String(row.seq), seq: row.seq, author: row.author, text: row.text, at: row.created_at };
}

/** Inserts messages of one room in one statement. */
export async function insertMessages(
  db: Kysely<Database>,
  roomId: number,
  messages: MessageView[],
): Promise<void> {
  await db
    .insertInto('messages')
    .values(
      messages.map((message) => ({
        room_id: roomId,
        seq: message.seq,
        author: message.author,
        text: message.text,
        created_at: message.at,
        deleted_at: null,
      })),
    )
    .execute();
}

export async function findMessage(
  db: Kysely<Database>,
  roomId: number,
  seq: number,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('seq', '=', seq)
    .executeTakeFirst();
}

export async function tombstoneMessage(
  db: Kysely<Database>,
  roomId: number,
  seq: number,
  at: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ deleted_at: at, text: '', author: '' })
    .where('room_id', '=', roomId)
    .where('seq', '=', seq)
    .execute();
}

export type PageDirection = 'before' | 'after' | 'newest';

export interface MessagePage {
  messages: MessageView[];
  /** Cursor for the next page in the same direction, or null when there is none. */
  next: string | null;
}

/**
 * One page of live (not deleted) messages by keyset on (room_id, seq):
 * `before` and `newest` newest first, `after` oldest first.
 */
export async function messagePage(
  db: Kysely<Database>,
  roomId: number,
  direction: PageDirection,
  cursor: number,
  limit: number,
): Promise<MessagePage> {
  let query = db
    .selectFrom('messages')
    .select(['seq', 'author', 'text', 'created_at'])
    .where('room_id', '=', roomId)
    .where('deleted_at', 'is', null);
  if (direction === 'after') {
    query = query.where('seq', '>', cursor).orderBy('seq', 'asc');
  } else {
    if (direction === 'before') query = query.where('seq', '<', cursor);
    query = query.orderBy('seq', 'desc');
  }
  const rows = await query.limit(limit + 1).execute();
  const more = rows.length > limit;
  if (more) rows.pop();
  const messages = rows.map(messageView);
  return { messages, next: more ? messages[messages.length - 1].id : null };
}

/** Live messages with seq above `afterSeq`, oldest first, at most `limit`. */
export async function messagesAfter(
  db: Kysely<Database>,
  roomId: number,
  afterSeq: number,
  limit: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('seq', '>', afterSeq)
    .where('deleted_at', 'is', null)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** Deletes a room's messages with seq ≤ `uptoSeq`; used by the purge in bounded chunks. */
export async function deleteMessagesUpTo(
  db: Kysely<Database>,
  roomId: number,
  uptoSeq: number,
): Promise<void> {
  await db.deleteFrom('messages').where('room_id', '=', roomId).where('seq', '<=', uptoSeq).execute();
}
