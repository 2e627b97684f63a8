import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type NewRecord, SqliteStore, type StoredRecord } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'reflektor-groups-'));
after(() => rmSync(root, { recursive: true, force: true }));

function record(n: number): NewRecord {
  return {
    id: `id-${n}`,
    target: 't',
    onlyLane: null,
    method: 'POST',
    url: `/e?n=${n}`,
    headers: ['x-n', String(n)],
    body: Buffer.from(String(n)),
    orderingKey: `k${n % 3}`,
    acceptedAt: Date.now(),
  };
}

for (const durability of ['os', 'fsync'] as const) {
  describe(`sqlite store (${durability}), a burst appended in one turn`, () => {
    it('stores every append in acceptance order, in several transactions, and keeps it after a reopen', async () => {
      const dir = join(root, durability);
      let store = new SqliteStore({ dir, durability });
      await store.open([{ id: 'a', target: 't' }]);
      const announced: StoredRecord[][] = [];
      store.onDurable((records) => announced.push([...records]));
      // 1,000 appends before the event loop turns: more than one group's worth.
      const stored = await Promise.all(Array.from({ length: 1000 }, (_, n) => store.append(record(n))));
      assert.deepEqual(
        stored.map((r) => r.id),
        Array.from({ length: 1000 }, (_, n) => `id-${n}`),
      );
      for (let i = 1; i < stored.length; i++) assert.equal(stored[i].seq, stored[i - 1].seq + 1);
      assert.ok(announced.length > 1, `written in ${announced.length} group(s)`);
      assert.deepEqual(
        announced.flat().map((r) => r.id),
        stored.map((r) => r.id),
      );
      await store.close();
      store = new SqliteStore({ dir, durability });
      await store.open([{ id: 'a', target: 't' }]);
      const read = await store.read('a', 2000);
      assert.deepEqual(
        read.map((r) => r.id),
        stored.map((r) => r.id),
      );
      assert.deepEqual(read[999].body, Buffer.from('999'));
      await store.close();
    });
  });
}
