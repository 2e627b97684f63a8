import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { connectDb, type Db } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { insertMessages, messagePage, tombstoneMessage } from '../src/store/messages.js';
import { advanceSeqs, insertRoom } from '../src/store/rooms.js';
import { createTestDatabase, type EngineUnderTest, type TestDatabase } from './helpers/database.js';

type Op =
  | { kind: 'insert'; count: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'page'; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('insert' as const), count: fc.integer({ min: 1, max: 4 }) }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('page' as const), limit: fc.integer({ min: 1, max: 5 }) }),
    weight: 3,
  },
);

interface Walker {
  direction: 'before' | 'after';
  cursor: number | undefined;
  done: boolean;
  seen: number[];
}

/**
 * Random inserts and deletes interleaved with paging both ways: no message is skipped
 * or repeated, pages keep their order, and a deleted message never shows.
 */
export function definePaginationProperty(engine: EngineUnderTest, runs: number): void {
  describe(`keyset pagination under concurrent changes (${engine})`, () => {
    let database: TestDatabase;
    let db: Db;
    let rooms = 0;
    before(async () => {
      database = await createTestDatabase(engine);
      db = await connectDb(database);
      await migrateToLatest(db.writer, db.engine, database.databaseSchema);
    });
    after(async () => {
      await db.close();
      await database.drop();
    });

    test('no message skipped or repeated, in both directions', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 12 }),
          fc.array(op, { maxLength: 40 }),
          async (initial, ops) => {
            const name = `prop-${rooms++}`;
            const room = await insertRoom(db.writer, {
              name,
              title: name,
              lifetime: 'day',
              ownerTokenHash: 'x',
              createdAt: new Date().toISOString(),
              expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            });
            assert.ok(room);
            let lastSeq = 0;
            const live = new Set<number>();
            const deleted = new Set<number>();
            const insert = async () => {
              await advanceSeqs(db.writer, room.id, 1);
              const seq = ++lastSeq;
              await insertMessages(db.writer, room.id, [
                {
                  id: String(seq),
                  seq,
                  author: 'a',
                  text: `m${seq}`,
                  at: new Date().toISOString(),
                  postKey: null,
                  participantId: 'p_test',
                },
              ]);
              live.add(seq);
            };
            for (let i = 0; i < initial; i++) await insert();
            const aliveAtStart = new Set(live);
            const backward: Walker = { direction: 'before', cursor: undefined, done: false, seen: [] };
            const forward: Walker = { direction: 'after', cursor: 0, done: false, seen: [] };

            const step = async (walker: Walker, limit: number) => {
              if (walker.done) return;
              const direction =
                walker.direction === 'before' && walker.cursor === undefined ? 'newest' : walker.direction;
              const page = await messagePage(db.reader, room.id, direction, walker.cursor ?? 0, limit);
              assert.ok(page.messages.length <= limit);
              for (const message of page.messages) {
                assert.ok(
                  live.has(message.seq),
                  `page showed ${message.seq}, which is deleted or never existed`,
                );
                walker.seen.push(message.seq);
              }
              if (page.next === null) {
                walker.done = true;
                if (walker.direction === 'after' && page.messages.length > 0) {
                  walker.cursor = page.messages[page.messages.length - 1].seq;
                }
              } else {
                assert.equal(page.next, page.messages[page.messages.length - 1].id);
                walker.cursor = Number(page.next);
              }
            };

            for (const change of ops) {
              if (change.kind === 'insert') {
                for (let i = 0; i < change.count; i++) await insert();
              } else if (change.kind === 'delete') {
                if (live.size === 0) continue;
                const seq = [...live][change.pick % live.size];
                await tombstoneMessage(db.writer, room.id, seq, new Date().toISOString());
                live.delete(seq);
                deleted.add(seq);
              } else {
                await step(backward, change.limit);
                await step(forward, change.limit);
              }
            }
            while (!backward.done) await step(backward, 3);
            // A live client keeps asking `after` its last message until nothing is newer.
            forward.done = false;
            while (!forward.done) await step(forward, 3);

            for (const walker of [backward, forward]) {
              assert.equal(
                new Set(walker.seen).size,
                walker.seen.length,
                `${walker.direction}: a message repeated`,
              );
              for (let i = 1; i < walker.seen.length; i++) {
                const ordered =
                  walker.direction === 'before'
                    ? walker.seen[i] < walker.seen[i - 1]
                    : walker.seen[i] > walker.seen[i - 1];
                assert.ok(ordered, `${walker.direction}: out of order at ${i}: ${walker.seen.join(',')}`);
              }
            }
            // Backward: everything alive from start to end was seen (newer ones may or may not be).
            for (const seq of aliveAtStart) {
              if (live.has(seq)) assert.ok(backward.seen.includes(seq), `backward skipped ${seq}`);
            }
            // Forward: everything alive at the end was seen.
            for (const seq of live) assert.ok(forward.seen.includes(seq), `forward skipped ${seq}`);
          },
        ),
        { numRuns: runs },
      );
    });
  });
}
