import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import { type NewRecord, SqliteStore } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'reflektor-headers-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LANES = [{ id: 'a', target: 't' }];

function record(n: number, headers: string[]): NewRecord {
  return {
    id: `id-${n}`,
    target: 't',
    onlyLane: null,
    method: 'POST',
    url: `/e?n=${n}`,
    headers,
    body: Buffer.from([n]),
    orderingKey: null,
    acceptedAt: Date.now(),
  };
}

describe('sqlite store header lists', () => {
  it('reads back from disk every header list it stored, and the JSON rows of earlier versions', async () => {
    const dir = join(root, 'headers');
    const lists = [
      [],
      ['content-type', 'application/json', 'x-empty', '', 'x-last', ''],
      ['x-multi', 'a\nb', 'x-n', '2'],
      ['[odd', 'name from the library', 'x', 'y'],
      ['x-unicode', 'grüße ✓', 'x-json', '["not", "json"]'],
    ];
    let store = new SqliteStore({ dir, durability: 'fsync' });
    await store.open(LANES);
    for (let i = 0; i < lists.length; i++) await store.append(record(i + 1, lists[i]));
    await store.close();
    // A row as versions before the newline-joined encoding wrote it.
    const SqliteDatabase = loadBetterSqlite3();
    const db = new SqliteDatabase(join(dir, 'reflektor.db'));
    db.prepare(
      `INSERT INTO records (seq, id, target, only_lane, method, url, headers, body, ordering_key, accepted_at)
       VALUES (?, ?, 't', NULL, 'POST', '/old', ?, ?, NULL, ?)`,
    ).run(
      lists.length + 1,
      'id-old',
      JSON.stringify(['x-old', 'v', 'x-b', '']),
      Buffer.from([9]),
      Date.now(),
    );
    db.close();
    // Reopened, the lane reads what it has not completed from the database, not from memory.
    store = new SqliteStore({ dir, durability: 'fsync' });
    await store.open(LANES);
    const got = await store.read('a', 100);
    assert.deepEqual(
      got.map((r) => r.headers),
      [...lists, ['x-old', 'v', 'x-b', '']],
    );
    await store.close();
  });
});
