import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import { type NewRecord, SqliteStore, type StoredRecord } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'reflektor-journal-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LANES = [{ id: 'a', target: 't' }];

function record(n: number, body = `body ${n} ✓`): NewRecord {
  return {
    id: `id-${n}`,
    target: 't',
    onlyLane: null,
    method: 'POST',
    url: `/e?n=${n}`,
    headers: ['content-type', 'text/plain', 'x-n', String(n)],
    body: Buffer.from(body),
    orderingKey: n % 2 === 0 ? 'even' : null,
    acceptedAt: 1_700_000_000_000 + n,
  };
}

function segments(dir: string): string[] {
  return readdirSync(join(dir, 'journal'))
    .filter((name) => name.endsWith('.seg'))
    .sort();
}

async function readLane(store: SqliteStore, lane: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (;;) {
    const got = await store.read(lane, 500);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

describe('sqlite store journal', () => {
  it('cuts a frame a crash left half-written back off at open, keeps every whole one, and goes on appending', async () => {
    const dir = join(root, 'torn');
    let store = new SqliteStore({ dir, durability: 'fsync' });
    await store.open(LANES);
    for (let n = 1; n <= 5; n++) await store.append(record(n));
    await store.close();
    const [segment] = segments(dir);
    const file = join(dir, 'journal', segment);
    const whole = statSync(file).size;
    // What a crash in the middle of a write leaves: the start of a frame header and some payload.
    appendFileSync(file, Buffer.from([0x52, 0x46, 0x4a, 0x31, 200, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0, 9, 9]));
    store = new SqliteStore({ dir, durability: 'fsync' });
    assert.equal(store.repairs.length, 1, store.repairs.join('; '));
    assert.match(store.repairs[0], /cut back/);
    assert.equal(statSync(file).size, whole);
    await store.open(LANES);
    const six = await store.append(record(6));
    assert.equal(six.seq, 6);
    const got = await readLane(store, 'a');
    assert.deepEqual(
      got.map((r) => r.id),
      ['id-1', 'id-2', 'id-3', 'id-4', 'id-5', 'id-6'],
    );
    await store.close();
  });

  it('a frame whose bytes were damaged ends the valid journal there: nothing after it is handed out as a record', async () => {
    const dir = join(root, 'damaged');
    let store = new SqliteStore({ dir, durability: 'os' });
    await store.open(LANES);
    await store.append(record(1));
    await store.append(record(2));
    await store.close();
    const file = join(dir, 'journal', segments(dir)[0]);
    const size = statSync(file).size;
    // Flip the last byte of the second frame (its body): the CRC no longer matches.
    truncateSync(file, size - 1);
    appendFileSync(file, Buffer.from('X'));
    store = new SqliteStore({ dir, durability: 'os' });
    await store.open(LANES);
    assert.equal(store.repairs.length, 1);
    assert.deepEqual(
      (await readLane(store, 'a')).map((r) => r.id),
      ['id-1'],
    );
    // Appending goes on after the last intact frame.
    await store.append(record(3));
    assert.deepEqual(
      (await readLane(store, 'a')).map((r) => r.id),
      ['id-3'],
    );
    await store.close();
  });

  it('reads a lane far behind from the journal across segments, after a reopen, and compaction deletes only what every lane passed', async () => {
    const dir = join(root, 'segments');
    const lanes = [
      { id: 'a', target: 't' },
      { id: 'b', target: 't' },
    ];
    const options = { dir, durability: 'os' as const, segmentBytes: 16 * 1024 };
    let store = new SqliteStore(options);
    await store.open(lanes);
    const total = 40_000;
    for (let start = 0; start < total; start += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) => store.append(record(start + i + 1, `b${start + i}`))),
      );
    }
    assert.ok(segments(dir).length > 10, `${segments(dir).length} segments`);
    assert.equal(store.depth('a').entries, total);
    await store.close();
    store = new SqliteStore(options);
    await store.open(lanes);
    assert.equal(store.depth('a').entries, total);
    assert.equal(store.depth('b').entries, total);
    assert.equal(await store.oldest('a'), 1_700_000_000_001);
    // Lane a catches up (more than the records kept in memory, so from the segments); b does not.
    const a = await readLane(store, 'a');
    assert.equal(a.length, total);
    for (let i = 0; i < total; i++) assert.equal(a[i].seq, i + 1);
    assert.deepEqual(a[total - 1].body, Buffer.from(`b${total - 1}`));
    assert.deepEqual(a[123].headers, ['content-type', 'text/plain', 'x-n', '124']);
    for (const r of a) store.complete('a', r);
    const before = segments(dir).length;
    assert.equal(await store.compact(), 0, 'lane b has passed nothing');
    assert.equal(segments(dir).length, before);
    const b = await store.read('b', 20_000);
    for (const r of b) store.complete('b', r);
    const removed = await store.compact();
    assert.ok(removed > 0 && removed <= 20_000, `removed ${removed}`);
    assert.ok(segments(dir).length < before);
    for (const r of await readLane(store, 'b')) store.complete('b', r);
    assert.equal(await store.compact(), total - removed);
    assert.equal(segments(dir).length, 1, 'one empty segment left');
    await store.close();
    // Emptied, the journal still continues the seqs.
    store = new SqliteStore(options);
    await store.open(lanes);
    assert.equal((await store.append(record(0))).seq, total + 1);
    await store.close();
  });

  it('moves a queue of an earlier version (records and dead letters in SQLite) into the journal at open', async () => {
    const dir = join(root, 'legacy');
    const SqliteDatabase = loadBetterSqlite3();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const db = new SqliteDatabase(join(dir, 'reflektor.db'));
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE records (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL, target TEXT NOT NULL, only_lane TEXT,
        method TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
        ordering_key TEXT, accepted_at INTEGER NOT NULL);
      CREATE TABLE cursors (lane TEXT PRIMARY KEY, watermark INTEGER NOT NULL);
      CREATE TABLE done (lane TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (lane, seq)) WITHOUT ROWID;
      CREATE TABLE dead (
        lane TEXT NOT NULL, seq INTEGER NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL,
        status INTEGER NOT NULL, dead_at INTEGER NOT NULL, PRIMARY KEY (lane, seq)) WITHOUT ROWID;
      INSERT INTO cursors VALUES ('a', 10);
    `);
    const insert = db.prepare('INSERT INTO records VALUES (?, ?, ?, NULL, ?, ?, ?, ?, NULL, ?)');
    // seq 4: a dead letter whose neighbours compaction removed; 11–13 waiting, then a gap, then 20.
    for (const seq of [4, 11, 12, 13, 20]) {
      insert.run(
        seq,
        `old-${seq}`,
        't',
        'POST',
        `/old/${seq}`,
        JSON.stringify(['x-seq', String(seq)]),
        Buffer.from([seq]),
        1000 + seq,
      );
    }
    db.prepare("INSERT INTO dead VALUES ('a', 4, 3, 'HTTP 500', 500, 1234)").run();
    db.close();
    const store = new SqliteStore({ dir, durability: 'fsync' });
    assert.match(store.repairs.join('; '), /moved 5 queued records/);
    await store.open(LANES);
    assert.deepEqual(
      (await readLane(store, 'a')).map((r) => [r.seq, r.id, r.url, r.headers, [...r.body]]),
      [11, 12, 13, 20].map((seq) => [seq, `old-${seq}`, `/old/${seq}`, ['x-seq', String(seq)], [seq]]),
    );
    const [dead] = await store.listDead({});
    assert.equal(dead.record.id, 'old-4');
    assert.equal(dead.reason, 'HTTP 500');
    assert.deepEqual([...dead.record.body], [4]);
    assert.equal((await store.append(record(99))).seq, 21);
    await store.close();
    // Opened again: nothing is moved twice.
    const again = new SqliteStore({ dir, durability: 'fsync' });
    assert.deepEqual(again.repairs, []);
    await again.open(LANES);
    assert.equal((await readLane(again, 'a')).length, 5);
    await again.close();
  });
});
