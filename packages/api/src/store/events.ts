import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventEnvelope, EventType } from '../envelope.js';
import { messagesAfter, messageView } from './messages.js';

export async function insertEvent(
  db: Kysely<Database>,
  roomId: number,
  envelope: EventEnvelope,
): Promise<void> {
  await db
    .insertInto('events')
    .values({
      room_id: roomId,
      seq: envelope.seq,
      type: envelope.type,
      at: envelope.at,
      data: JSON.stringify(envelope.data),
    })
    .execute();
}

export interface EventPage {
  events: EventEnvelope[];
  /** The seq to pass as `after` for the next page, or null when this page reached the end. */
  next: number | null;
}

/**
 * A room's events with seq above `afterSeq`, in seq order. `message.created` events come
 * from the messages table; a deleted message's `message.created` is left out (its text is
 * gone) while its `message.deleted` is included.
 */
export async function eventsAfter(
  db: Kysely<Database>,
  roomId: number,
  roomName: string,
  afterSeq: number,
  limit: number,
): Promise<EventPage> {
  const [messages, others] = await Promise.all([
    messagesAfter(db, roomId, afterSeq, limit + 1),
    db
      .selectFrom('events')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit + 1)
      .execute(),
  ]);
  const events: EventEnvelope[] = [];
  let m = 0;
  let o = 0;
  while (events.length < limit + 1 && (m < messages.length || o < others.length)) {
    if (o >= others.length || (m < messages.length && messages[m].seq < others[o].seq)) {
      const row = messages[m++];
      const view = messageView(row);
      events.push({
        room: roomName,
        seq: row.seq,
        type: 'message.created',
        at: row.created_at,
        data: { id: view.id, author: view.author, text: view.text },
      });
    } else {
      const row = others[o++];
      events.push({
        room: roomName,
        seq: row.seq,
        type: row.type as EventType,
        at: row.at,
        data: JSON.parse(row.data) as Record<string, unknown>,
      });
    }
  }
  const more = events.length > limit;
  if (more) events.pop();
  return { events, next: more ? events[events.length - 1].seq : null };
}

export async function deleteEventsUpTo(db: Kysely<Database>, roomId: number, uptoSeq: number): Promise<void> {
  await db.deleteFrom('events').where('room_id', '=', roomId).where('seq', '<=', uptoSeq).execute();
}
