import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery, prepared } from '../db/prepared.js';
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

/** A message to store: what clients see, and the poster's Idempotency-Key (null for none). */
export interface NewMessage extends MessageView {
  postKey: string | null;
  /** Who posted it (never shown publicly). */
  participantId: string;
}

/** Rows per insert statement; a post batch is at most this many messages. */
const INSERT_ROWS = 64;
const FIELDS = 6;

/** `insert into messages … values (…), …` for `rows` rows: arguments room id, then seq, author, text, at, key, participant per row. */
function insertShape(rows: number): PreparedQuery<unknown[], unknown> {
  return new PreparedQuery(
    (db, ...args: unknown[]) =>
      db.insertInto('messages').values(
        Array.from({ length: rows }, (_, row) => ({
          room_id: args[0] as number,
          seq: args[1 + row * FIELDS] as number,
          author: args[2 + row * FIELDS] as string,
          text: args[3 + row * FIELDS] as string,
          created_at: args[4 + row * FIELDS] as string,
          deleted_at: null,
          post_key: args[5 + row * FIELDS] as string | null,
          participant_id: args[6 + row * FIELDS] as string,
        })),
      ),
    1 + rows * FIELDS,
  );
}

const insertShapes: PreparedQuery<unknown[], unknown>[] = [];

/** Inserts messages of one room, up to 64 rows per statement. */
export async function insertMessages(
  db: Kysely<Database>,
  roomId: number,
  messages: readonly NewMessage[],
): Promise<void> {
  for (let from = 0; from < messages.length; from += INSERT_ROWS) {
    const chunk = messages.slice(from, from + INSERT_ROWS);
    insertShapes[chunk.length] ??= insertShape(chunk.length);
    const args: unknown[] = [roomId];
    for (const message of chunk) {
      args.push(
        message.seq,
        message.author,
        message.text,
        message.at,
        message.postKey,
        message.participantId,
      );
    }
    await insertShapes[chunk.length].run(db, ...args);
  }
}

/** The room's messages posted with one of `keys` as their Idempotency-Key. */
export async function messagesByPostKey(
  db: Kysely<Database>,
  roomId: number,
  keys: readonly string[],
): Promise<MessageRow[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom('messages')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('post_key', 'in', keys)
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

const liveMessages = (db: Kysely<Database>, roomId: number) =>
  db
    .selectFrom('messages')
    .select(['seq', 'author', 'text', 'created_at'])
    .where('room_id', '=', roomId)
    .where('deleted_at', 'is', null);

const pages = {
  before: prepared((db, roomId: number, cursor: number, limit: number) =>
    liveMessages(db, roomId).where('seq', '<', cursor).orderBy('seq', 'desc').limit(limit),
  ),
  after: prepared((db, roomId: number, cursor: number, limit: number) =>
    liveMessages(db, roomId).where('seq', '>', cursor).orderBy('seq', 'asc').limit(limit),
  ),
  newest: prepared((db, roomId: number, _cursor: number, limit: number) =>
    liveMessages(db, roomId).orderBy('seq', 'desc').limit(limit),
  ),
};

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
  const rows = await pages[direction].all(db, roomId, cursor, limit + 1);
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

/** Tombstones several messages of one room at once (see {@link tombstoneMessage}). */
export async function tombstoneMessages(
  db: Kysely<Database>,
  roomId: number,
  seqs: readonly number[],
  at: string,
): Promise<void> {
  if (seqs.length === 0) return;
  await db
    .updateTable('messages')
    .set({ deleted_at: at, text: '', author: '' })
    .where('room_id', '=', roomId)
    .where('seq', 'in', seqs)
    .execute();
}
