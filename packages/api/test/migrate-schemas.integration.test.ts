import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { connectDb } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

// Two apps (or two test runs) in one PostgreSQL database, each in its own schema: the
// migration bookkeeping of one must not be taken for the other's.
describe('migrations in a PostgreSQL schema next to another migrated schema', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });

  it('migrates the second schema fully', async () => {
    for (let i = 0; i < 2; i++) {
      const database = await createTestDatabase('postgres');
      databases.push(database);
      const db = await connectDb(database);
      try {
        const applied = await migrateToLatest(db.writer, 'postgres', database.databaseSchema);
        assert.ok(applied.length > 0, `schema ${i + 1}: migrations applied`);
        const rooms = await db.writer.selectFrom('rooms').select('id').execute();
        assert.deepEqual(rooms, []);
        // A second run finds nothing left to do.
        assert.deepEqual(await migrateToLatest(db.writer, 'postgres', database.databaseSchema), []);
      } finally {
        await db.close();
      }
    }
  });

  it('is not misled by another app’s migration tables in another schema', async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const foreign = `${database.databaseSchema}_other_app`;
    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    await client.query(`create schema "${foreign}"`);
    await client.query(
      `create table "${foreign}".kysely_migration_lock (id varchar(255) primary key, is_locked integer)`,
    );
    await client.query(
      `create table "${foreign}".kysely_migration (name varchar(255) primary key, timestamp varchar(255))`,
    );
    try {
      const db = await connectDb(database);
      try {
        // No schema given: the connection's current schema (the one search_path names) is used.
        const applied = await migrateToLatest(db.writer, 'postgres');
        assert.ok(applied.length > 0);
        assert.deepEqual(await db.writer.selectFrom('rooms').select('id').execute(), []);
      } finally {
        await db.close();
      }
    } finally {
      await client.query(`drop schema if exists "${foreign}" cascade`);
      await client.end();
    }
  });
});
