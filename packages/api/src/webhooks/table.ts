import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Where an event is: `received` (queued), `processing`, `retrying` (a handler attempt failed,
 * another is scheduled), `done`, `failed` (retries exhausted or not retryable), `ignored`
 * (no handler for its type).
 */
export type WebhookEventStatus = 'received' | 'processing' | 'retrying' | 'done' | 'failed' | 'ignored';

export interface WebhookEventsTable {
  id: Generated<number>;
  /** `stripe`, `mandrill`, `mailchimp` or `in:<name>` for Standard Webhooks senders. */
  provider: string;
  event_id: string;
  type: string;
  /** ISO 8601. */
  received_at: string;
  /** The event as JSON text. */
  payload: string;
  status: WebhookEventStatus;
  attempts: Generated<number>;
  last_error: string | null;
  processed_at: string | null;
}

export type WebhookTables = {
  webhook_events: WebhookEventsTable;
};

export type WebhookEventRow = Selectable<WebhookEventsTable>;

/** The api's Kysely handle, also knowing the webhook table (`db.writer.withTables<WebhookTables>()`). */
export type WebhookDb = Kysely<Database & WebhookTables>;

/**
 * Records an event as `received` unless (provider, event_id) is already recorded. Returns the
 * new row's id, or undefined for a duplicate. Atomic: of concurrent duplicates, one inserts.
 */
export async function recordEvent(
  db: WebhookDb,
  event: { provider: string; eventId: string; type: string; payload: string; receivedAt: string },
): Promise<number | undefined> {
  const row = await db
    .insertInto('webhook_events')
    .values({
      provider: event.provider,
      event_id: event.eventId,
      type: event.type,
      received_at: event.receivedAt,
      payload: event.payload,
      status: 'received',
      last_error: null,
      processed_at: null,
    })
    .onConflict((conflict) => conflict.columns(['provider', 'event_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function findEvent(db: WebhookDb, id: number): Promise<WebhookEventRow | undefined> {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findEventByProviderId(
  db: WebhookDb,
  provider: string,
  eventId: string,
): Promise<WebhookEventRow | undefined> {
  return db
    .selectFrom('webhook_events')
    .selectAll()
    .where('provider', '=', provider)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
}

export async function setEventStatus(
  db: WebhookDb,
  id: number,
  change: { status: WebhookEventStatus; attempts?: number; lastError?: string | null; processedAt?: string },
): Promise<void> {
  await db
    .updateTable('webhook_events')
    .set({
      status: change.status,
      ...(change.attempts === undefined ? {} : { attempts: change.attempts }),
      ...(change.lastError === undefined ? {} : { last_error: change.lastError }),
      ...(change.processedAt === undefined ? {} : { processed_at: change.processedAt }),
    })
    .where('id', '=', id)
    .execute();
}

/** Events not yet finished (after a restart they are queued again), oldest first. */
export async function unfinishedEvents(
  db: WebhookDb,
  limit: number,
): Promise<{ id: number; provider: string }[]> {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'provider'])
    .where('status', 'in', ['received', 'processing', 'retrying'])
    .orderBy('id')
    .limit(limit)
    .execute();
}
