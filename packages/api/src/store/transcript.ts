import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { MessageRow } from './messages.js';

const BATCH = 1000;

/**
 * Every live message of a room, oldest first, read in keyset batches so memory stays
 * bounded however large the room is. Messages posted while this runs may be included.
 */
export async function* transcriptRows(
  db: Kysely<Database>,
  roomId: number,
): AsyncGenerator<Pick<MessageRow, 'seq' | 'author' | 'text' | 'created_at'>[]> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('messages')
      .select(['seq', 'author', 'text', 'created_at'])
      .where('room_id', '=', roomId)
      .where('seq', '>', after)
      .where('deleted_at', 'is', null)
      .orderBy('seq', 'asc')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1].seq;
  }
}
