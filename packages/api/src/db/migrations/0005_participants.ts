import type { Kysely } from 'kysely';

// Rooms that count people, not addresses: every message keeps the participant who posted it
// (the id in the api's signed cookie, or a keyed hash of the address for clients without
// cookies), so a host can mute a participant or remove all their messages; rooms keep their
// slow mode and how many participants are muted (so a room without mutes skips the lookup);
// `api_secrets` holds the participant cookie's signing key when none is configured, so every
// api process on one database signs with the same key.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('participant_id', 'text').execute();
  await db.schema
    .createIndex('messages_participant')
    .on('messages')
    .columns(['room_id', 'participant_id', 'seq'])
    .execute();
  await db.schema
    .alterTable('rooms')
    .addColumn('slow_mode_seconds', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('rooms')
    .addColumn('muted_count', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('muted_participants')
    .addColumn('room_id', 'integer', (col) => col.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('participant_id', 'text', (col) => col.notNull())
    .addColumn('muted_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('muted_participants_pk', ['room_id', 'participant_id'])
    .execute();
  await db.schema
    .createTable('api_secrets')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_secrets').execute();
  await db.schema.dropTable('muted_participants').execute();
  await db.schema.alterTable('rooms').dropColumn('muted_count').execute();
  await db.schema.alterTable('rooms').dropColumn('slow_mode_seconds').execute();
  await db.schema.dropIndex('messages_participant').execute();
  await db.schema.alterTable('messages').dropColumn('participant_id').execute();
}
