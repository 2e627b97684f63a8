import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** The migration's name in the api's migration list. */
export const webhookEventsMigrationName = '0002_webhook_events';

// The webhook_events table: one row per verified, first-seen webhook event. The unique
// (provider, event_id) pair is what makes a redelivered event a duplicate.

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', postgres ? 'serial' : 'integer', (col) =>
      postgres ? col.primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('received_at', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(sql`0`))
    .addColumn('last_error', 'text')
    .addColumn('processed_at', 'text')
    .addUniqueConstraint('webhook_events_provider_event_id', ['provider', 'event_id'])
    .execute();
  await db.schema.createIndex('webhook_events_status').on('webhook_events').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_events').execute();
}
