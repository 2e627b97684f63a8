import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewRecord, QueueStore, StoredRecord } from '../src/index.js';
import { waitFor } from './upstream.js';

/** Makes a store over the backing data called `name`; the same name reopens the same data. */
export type StoreFactory = (name: string) => QueueStore;

const LANES = [
  { id: 'a', target: 't' },
  { id: 'b', target: 't' },
];

function record(n: number, key: string | null = null): NewRecord {
  return {
    id: `id-${n}`,
    target: 't',
    onlyLane: null,
    method: 'POST',
    url: `/e?n=${n}`,
    headers: ['content-type', 'application/json', 'x-n', String(n)],
    body: Buffer.from([n & 255, 0, 255, 10]),
    orderingKey: key,
    acceptedAt: Date.now(),
  };
}

async function readAll(store: QueueStore, lane: string, expected: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  await waitFor(`${expected} records on lane ${lane}`, async () => {
    out.push(...(await store.read(lane, 1000)));
    return out.length >= expected;
  });
  return out;
}

/** The behaviour every QueueStore must have; run against SQLite (unit) and Redis (integration). */
export function storeSuite(kind: string, create: StoreFactory): void {
  describe(`${kind} store`, () => {
    it('appends durably and hands records out once per lane, bytes intact', async () => {
      const store = create('once');
      await store.open(LANES);
      const announced: StoredRecord[] = [];
      store.onDurable((records) => announced.push(...records));
      const stored = await Promise.all([1, 2, 3].map((n) => store.append(record(n))));
      assert.deepEqual(
        stored.map((r) => r.id),
        ['id-1', 'id-2', 'id-3'],
      );
      for (const lane of ['a', 'b']) {
        const got = await readAll(store, lane, 3);
        assert.deepEqual(got.map((r) => r.id).sort(), ['id-1', 'id-2', 'id-3']);
        const one = got.find((r) => r.id === 'id-2')!;
        assert.deepEqual(one.body, Buffer.from([2, 0, 255, 10]));
        assert.deepEqual(one.headers, ['content-type', 'application/json', 'x-n', '2']);
        assert.equal(one.url, '/e?n=2');
        assert.equal(one.method, 'POST');
        assert.deepEqual(await store.read(lane, 1000), []);
      }
      assert.deepEqual(announced.map((r) => r.id).sort(), ['id-1', 'id-2', 'id-3']);
      assert.deepEqual(store.depth('a'), { entries: 3, bytes: 12 });
      await store.close();
    });

    it('keeps acceptance order per ordering key', async () => {
      const store = create('order');
      await store.open(LANES);
      const appended: NewRecord[] = [];
      for (let n = 0; n < 60; n++) appended.push(record(n, `k${n % 7}`));
      for (const r of appended) await store.append(r);
      const got = await readAll(store, 'a', 60);
      for (let k = 0; k < 7; k++) {
        assert.deepEqual(
          got.filter((r) => r.orderingKey === `k${k}`).map((r) => r.id),
          appended.filter((r) => r.orderingKey === `k${k}`).map((r) => r.id),
        );
      }
      await store.close();
    });

    it('after a reopen, hands out again exactly what was not completed', async () => {
      const first = create('reopen');
      await first.open(LANES);
      for (let n = 0; n < 5; n++) await first.append(record(n));
      const got = await readAll(first, 'a', 5);
      for (const r of got) if (['id-0', 'id-1', 'id-3'].includes(r.id)) first.complete('a', r);
      await readAll(first, 'b', 5);
      await first.close();
      const second = create('reopen');
      await second.open(LANES);
      const again = await readAll(second, 'a', 2);
      assert.deepEqual(again.map((r) => r.id).sort(), ['id-2', 'id-4']);
      const laneB = await readAll(second, 'b', 5);
      assert.equal(laneB.length, 5);
      assert.equal(second.depth('a').entries, 2);
      await second.close();
    });

    it('moves records to dead letters, replays them to their lane only, deletes them', async () => {
      const store = create('dead');
      await store.open(LANES);
      await store.append(record(1));
      await store.append(record(2));
      const [r1, r2] = (await readAll(store, 'a', 2)).sort((x, y) => x.id.localeCompare(y.id));
      await readAll(store, 'b', 2);
      await store.deadLetter('a', r1, { attempts: 3, reason: 'HTTP 500', status: 500 });
      await store.deadLetter('a', r2, { attempts: 1, reason: 'HTTP 404', status: 404 });
      const dead = await store.listDead({});
      assert.equal(dead.length, 2);
      const d1 = dead.find((d) => d.record.id === 'id-1')!;
      assert.equal(d1.laneId, 'a');
      assert.equal(d1.attempts, 3);
      assert.equal(d1.status, 500);
      assert.deepEqual(d1.record.body, r1.body);
      assert.equal((await store.listDead({ laneId: 'b' })).length, 0);
      assert.equal(store.depth('a').entries, 0);
      assert.equal(await store.replayDead({ id: 'id-1' }), 1);
      const replayed = await readAll(store, 'a', 1);
      assert.equal(replayed[0].id, 'id-1');
      assert.equal(replayed[0].onlyLane, 'a');
      assert.deepEqual(replayed[0].body, r1.body);
      assert.deepEqual(await store.read('b', 1000), []);
      assert.equal(await store.deleteDead({ id: 'id-2' }), 1);
      assert.deepEqual(await store.listDead({}), []);
      await store.close();
    });

    it('after everything was delivered and compacted away, a reopened store still delivers new records', async () => {
      const first = create('emptied');
      await first.open(LANES);
      for (let n = 0; n < 3; n++) await first.append(record(n));
      for (const lane of ['a', 'b']) for (const r of await readAll(first, lane, 3)) first.complete(lane, r);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Compaction may take several passes (each removes what every lane has passed).
      for (let i = 0; i < 5 && first.depth('a').entries + first.depth('b').entries > 0; i++)
        await first.compact();
      await first.compact();
      await first.close();
      const second = create('emptied');
      await second.open(LANES);
      await second.append(record(7));
      for (const lane of ['a', 'b']) {
        const got = await readAll(second, lane, 1);
        assert.deepEqual(
          got.map((r) => r.id),
          ['id-7'],
          `lane ${lane} gets the record appended after the reopen`,
        );
      }
      await second.close();
    });

    it('compacts records every lane is done with, and reports the oldest waiting one', async () => {
      const store = create('compact');
      await store.open(LANES);
      for (let n = 0; n < 3; n++) await store.append(record(n));
      const a = await readAll(store, 'a', 3);
      const b = await readAll(store, 'b', 3);
      for (const r of a) store.complete('a', r);
      assert.ok((await store.oldest('b')) > 0);
      assert.equal(await store.oldest('a'), 0);
      for (const r of b.slice(0, 2)) store.complete('b', r);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const partial = await store.compact();
      store.complete('b', b[2]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rest = await store.compact();
      assert.equal(partial + rest, 3);
      await store.close();
    });
  });
}
