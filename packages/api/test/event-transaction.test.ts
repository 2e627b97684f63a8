import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { connectDb, type Db } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ApiError } from '../src/errors.js';
import { commitWithEvent, type EventTransactionDeps } from '../src/event-transaction.js';
import { createLogger } from '../src/log.js';
import { createReflektorPublisher } from '../src/publish/reflektor.js';
import { findMessage, insertMessages } from '../src/store/messages.js';
import { findRoom, insertRoom } from '../src/store/rooms.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { ReflektorRecorder } from './helpers/reflektor-recorder.js';

describe('commitWithEvent', () => {
  let database: TestDatabase;
  let db: Db;
  const reflektor = new ReflektorRecorder();
  let deps: EventTransactionDeps;

  before(async () => {
    await reflektor.start();
    database = await createTestDatabase('sqlite');
    db = await connectDb(database);
    await migrateToLatest(db.writer);
    deps = {
      db,
      publisher: createReflektorPublisher({ urls: [reflektor.url], timeoutMs: 1000 }),
      log: createLogger('test', 'text'),
    };
    await insertRoom(db.writer, {
      name: 'compensate',
      title: 't',
      lifetime: 'day',
      ownerTokenHash: 'x',
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
  });
  after(async () => {
    await deps.publisher.close();
    await db.close();
    await reflektor.close();
    await database.drop();
  });

  function postMessage(text: string, failAtCommit: boolean) {
    return commitWithEvent(deps, 'compensate', async ({ trx, room, seq, at }) => {
      await insertMessages(trx, room.id, [{ id: String(seq), seq, author: 'a', text, at }]);
      if (failAtCommit) {
        // A foreign key checked only at COMMIT makes the commit itself fail.
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await sql`insert into events (room_id, seq, type, at, data) values (999999, 1, 'x', ${at}, '{}')`.execute(
          trx,
        );
      }
      const id = String(seq);
      return {
        envelope: { room: room.name, seq, type: 'message.created', at, data: { id, author: 'a', text } },
        result: id,
        compensation: (deletedSeq, deletedAt) => ({
          room: room.name,
          seq: deletedSeq,
          type: 'message.deleted',
          at: deletedAt,
          data: { id },
        }),
      };
    });
  }

  test('a commit that fails after reflektor accepted publishes a compensating message.deleted', async () => {
    assert.equal(await postMessage('kept', false), '1');
    await assert.rejects(postMessage('phantom', true), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'internal_error');
      return true;
    });
    const room = await findRoom(db.reader, 'compensate');
    assert.ok(room);
    assert.equal(await findMessage(db.reader, room.id, 2), undefined, 'the phantom message is not stored');
    assert.deepEqual(
      reflektor.envelopes('compensate').map((e) => [e.seq, e.type, e.data.id]),
      [
        [1, 'message.created', '1'],
        [2, 'message.created', '2'],
        [3, 'message.deleted', '2'],
      ],
    );
    // The phantom's seq is never reused.
    assert.equal(room.last_seq, 3);
    assert.equal(await postMessage('after', false), '4');
  });
});
