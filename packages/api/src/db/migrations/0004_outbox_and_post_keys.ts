import type { Kysely } from 'kysely';

// Publish after commit (DESIGN.md, "Posting a message"): every change writes its events to
// `outbox` in the transaction that commits it; a row leaves the outbox only once reflektor has
// accepted it. `messages.post_key` holds the client's Idempotency-Key, unique per room, so a
// retried post finds the message it already created.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('room_id', 'integer', (col) => col.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('first_seq', 'integer', (col) => col.notNull())
    .addColumn('last_seq', 'integer', (col) => col.notNull())
    .addColumn('room', 'text', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('queued_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('outbox_pk', ['room_id', 'first_seq'])
    .execute();
  await db.schema.alterTable('messages').addColumn('post_key', 'text').execute();
  await db.schema
    .createIndex('messages_post_key')
    .on('messages')
    .columns(['room_id', 'post_key'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_post_key').execute();
  await db.schema.alterTable('messages').dropColumn('post_key').execute();
  await db.schema.dropTable('outbox').execute();
}
