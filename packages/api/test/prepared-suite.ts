import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDb, type Db } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { inTransaction, prepared } from '../src/db/prepared.js';
import { insertMessages, messagePage, type NewMessage } from '../src/store/messages.js';
import { advanceSeqs, findRoom, insertRoom, lockRoom } from '../src/store/rooms.js';
import { createTestDatabase, type EngineUnderTest, type TestDatabase } from './helpers/database.js';

/** The prepared-query layer (built once per dialect, bound per call) on one engine. */
export function definePreparedSuite(engine: EngineUnderTest): void {
  describe(`prepared queries (${engine})`, () => {
    let database: TestDatabase;
    let db: Db;
    let roomId: number;

    before(async () => {
      database = await createTestDatabase(engine);
      db = await connectDb(database);
      await migrateToLatest(db.writer, db.engine, database.databaseSchema);
      for (const [name, lifetime] of [
        ['alpha', 'day'],
        ['bravo', 'week'],
        ['charlie', 'day'],
        ['delta', 'day'],
      ]) {
        const room = await insertRoom(db.writer, {
          name,
          title: name,
          lifetime,
          ownerTokenHash: 'x',
          createdAt: '2026-01-01T00:00:00.000Z',
          expiresAt: '2027-01-01T00:00:00.000Z',
        });
        roomId ??= room!.id;
      }
    });
    after(async () => {
      await db.close();
      await database.drop();
    });

    test('binds each call’s arguments around the constants of the shape', async () => {
      const dayRooms = prepared((k, from: string, limit: number) =>
        k
          .selectFrom('rooms')
          .select('name')
          .where('lifetime', '=', 'day')
          .where('name', '>=', from)
          .orderBy('name')
          .limit(limit),
      );
      for (const target of [db.reader, db.writer]) {
        assert.deepEqual(
          (await dayRooms.all(target, 'a', 10)).map((row) => row.name),
          ['alpha', 'charlie', 'delta'],
        );
        assert.deepEqual(
          (await dayRooms.all(target, 'b', 1)).map((row) => row.name),
          ['charlie'],
        );
        assert.equal(await dayRooms.first(target, 'e', 5), undefined);
      }
    });

    test('run() counts the rows it changed', async () => {
      const retitle = prepared((k, title: string, lifetime: string) =>
        k.updateTable('rooms').set({ title }).where('lifetime', '=', lifetime),
      );
      assert.equal(await retitle.run(db.writer, 'Daily', 'day'), 3);
      assert.equal(await retitle.run(db.writer, 'Never', 'year'), 0);
      assert.equal((await findRoom(db.reader, 'charlie'))?.title, 'Daily');
    });

    test('lockRoom reads the room (undefined for none) and advanceSeqs moves its last seq', async () => {
      await db.writer.connection().execute(async (connection) => {
        const trx = await connection.startTransaction().execute();
        inTransaction(trx, db.writer);
        const room = await lockRoom(trx, 'bravo');
        assert.ok(room);
        await advanceSeqs(trx, room.id, 3);
        await advanceSeqs(trx, room.id, 2);
        assert.equal(await lockRoom(trx, 'nope'), undefined);
        const after = await lockRoom(trx, 'bravo');
        await trx.commit().execute();
        assert.equal(room.last_seq, 0);
        assert.equal(after?.last_seq, 5);
        assert.equal(after?.name, 'bravo');
      });
      assert.equal((await findRoom(db.reader, 'bravo'))?.last_seq, 5);
    });

    test('statements run inside the transaction: a rollback undoes them', async () => {
      await db.writer.connection().execute(async (connection) => {
        const trx = await connection.startTransaction().execute();
        inTransaction(trx, db.writer);
        const room = await lockRoom(trx, 'delta');
        await advanceSeqs(trx, room!.id, 1);
        await insertMessages(trx, room!.id, [
          {
            id: '1',
            seq: 1,
            author: 'a',
            text: 'gone',
            at: '2026-01-01T00:00:00.000Z',
            postKey: null,
            participantId: 'p_test',
          },
        ]);
        assert.equal((await messagePage(trx, room!.id, 'newest', 0, 10)).messages.length, 1);
        await trx.rollback().execute();
      });
      const room = await findRoom(db.reader, 'delta');
      assert.equal(room?.last_seq, 0);
      assert.deepEqual((await messagePage(db.reader, room!.id, 'newest', 0, 10)).messages, []);
    });

    test('inserts more rows than one statement takes, and pages through them', async () => {
      const messages: NewMessage[] = Array.from({ length: 150 }, (_, i) => ({
        id: String(i + 1),
        seq: i + 1,
        author: `a${i + 1}`,
        text: `text ${i + 1}`,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        postKey: null,
        participantId: 'p_test',
      }));
      await insertMessages(db.writer, roomId, messages);
      const newest = await messagePage(db.reader, roomId, 'newest', 0, 100);
      assert.equal(newest.messages.length, 100);
      assert.equal(newest.messages[0].seq, 150);
      assert.equal(newest.next, '51');
      const older = await messagePage(db.reader, roomId, 'before', 51, 100);
      assert.deepEqual(
        older.messages.map((message) => message.seq),
        Array.from({ length: 50 }, (_, i) => 50 - i),
      );
      assert.equal(older.next, null);
      const after = await messagePage(db.reader, roomId, 'after', 140, 5);
      assert.deepEqual(after.messages[0], {
        id: '141',
        seq: 141,
        author: 'a141',
        text: 'text 141',
        at: messages[140].at,
      });
      assert.equal(after.next, '145');
    });
  });
}
