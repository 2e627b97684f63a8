import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
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
        const applied = await migrateToLatest(db.writer, database.databaseSchema);
        assert.ok(applied.length > 0, `schema ${i + 1}: migrations applied`);
        const rooms = await db.writer.selectFrom('rooms').select('id').execute();
        assert.deepEqual(rooms, []);
        // A second run finds nothing left to do.
        assert.deepEqual(await migrateToLatest(db.writer, database.databaseSchema), []);
      } finally {
        await db.close();
      }
    }
  });
});
