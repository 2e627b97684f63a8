// CPU of the ingest path's write alone, per record, on this machine: the journal reflektor writes
// (a frame per group: each record encoded, a CRC-32, one write(2)) against a raw append (one
// write(2) per group of bodies, as the floor server does), and against the SQLite insert the
// store used before the journal (its schema, multi-row statements, one transaction per group,
// WAL, no sync) and a two-column table. What the write costs is the least reflektor spends per
// request beyond the floor, before any other work.
//
//   node packages/reflektor/dist/bench/write-path.js [--records 60000] [--group 50] [--rounds 3]
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import type { StoredRecord } from '../src/record.js';
import { Journal } from '../src/store/journal/journal.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '60000' },
    group: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
  },
});
const RECORDS = Math.min(1_000_000, Number(values.records));
const GROUP = Math.min(10_000, Number(values.group));
const ROUNDS = Math.min(20, Number(values.rounds));
const SqliteDatabase = loadBetterSqlite3();
const BODY = Buffer.from(
  JSON.stringify({
    room: 'physics-101',
    seq: 42,
    type: 'message.created',
    at: '2026-11-26T10:00:00.000Z',
    data: { id: 'm_1', author: 'ada', text: 'hello, this is a chat message of a typical length' },
  }),
);
const HEADERS = 'content-type\napplication/json\nreflektor-ordering-key\nphysics-101\nuser-agent\nautocannon';

type Fill = (params: unknown[], at: number, seq: number) => void;

function sqlite(schema: string, columns: number, fill: Fill): number {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-insert-'));
  const db = new SqliteDatabase(join(dir, 'x.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(schema);
  const statements = new Map<number, ReturnType<typeof db.prepare>>();
  const statement = (rows: number) => {
    let s = statements.get(rows);
    if (s === undefined) {
      const row = `(${new Array(columns).fill('?').join(', ')})`;
      s = db.prepare(`INSERT INTO records VALUES ${new Array(rows).fill(row).join(', ')}`);
      statements.set(rows, s);
    }
    return s;
  };
  let seq = 1;
  const insertGroup = db.transaction((size: number) => {
    for (let start = 0; start < size; start += 32) {
      const rows = Math.min(32, size - start);
      const params: unknown[] = new Array(rows * columns);
      for (let i = 0; i < rows; i++) fill(params, i * columns, seq++);
      statement(rows).run(params);
    }
  });
  for (let i = 0; i < 200; i++) insertGroup(GROUP);
  const started = performance.now();
  for (let n = 0; n < RECORDS; n += GROUP) insertGroup(GROUP);
  const us = ((performance.now() - started) * 1000) / RECORDS;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}

function rawAppend(): number {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-insert-'));
  const fd = openSync(join(dir, 'log'), 'a');
  const started = performance.now();
  for (let n = 0; n < RECORDS; n += GROUP) {
    const group: Buffer[] = new Array(GROUP);
    for (let i = 0; i < GROUP; i++) group[i] = BODY;
    writeSync(fd, Buffer.concat(group));
  }
  const us = ((performance.now() - started) * 1000) / RECORDS;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return us;
}

function journal(): number {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-insert-'));
  const log = new Journal({ dir, syncDirectory: false });
  const headers = HEADERS.split('\n');
  let seq = 1;
  const started = performance.now();
  for (let n = 0; n < RECORDS; n += GROUP) {
    // As the group commit does: a stored record per request, then one frame.
    const group: StoredRecord[] = new Array(GROUP);
    for (let i = 0; i < GROUP; i++, seq++) {
      group[i] = {
        seq,
        ref: String(seq),
        id: id(seq),
        target: 'default',
        onlyLane: null,
        method: 'POST',
        url: '/publish',
        headers,
        body: BODY,
        orderingKey: 'physics-101',
        acceptedAt: Date.now(),
      };
    }
    log.write(group);
  }
  const us = ((performance.now() - started) * 1000) / RECORDS;
  log.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}

const id = (seq: number): string => `msg_mwxhmkpa4fbcddfac5${seq.toString(36).padStart(6, '0')}`;
const contenders: Array<[string, () => number]> = [
  ['the journal (a frame per group, one write(2))', journal],
  ['raw append, one write(2) per group', rawAppend],
  [
    'SQLite insert as the store did before the journal (10 columns)',
    () =>
      sqlite(
        `CREATE TABLE records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, target TEXT NOT NULL, only_lane TEXT,
           method TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, ordering_key TEXT,
           accepted_at INTEGER NOT NULL)`,
        10,
        (p, o, seq) => {
          p[o] = seq;
          p[o + 1] = id(seq);
          p[o + 2] = 'default';
          p[o + 3] = null;
          p[o + 4] = 'POST';
          p[o + 5] = '/publish';
          p[o + 6] = HEADERS;
          p[o + 7] = BODY;
          p[o + 8] = 'physics-101';
          p[o + 9] = Date.now();
        },
      ),
  ],
  [
    'SQLite, two columns (seq, body)',
    () =>
      sqlite('CREATE TABLE records (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)', 2, (p, o, seq) => {
        p[o] = seq;
        p[o + 1] = BODY;
      }),
  ],
];
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of contenders) {
    const us = run();
    best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, us));
    process.stderr.write(`round ${round + 1} ${name}: ${us.toFixed(2)} µs/record\n`);
  }
}
const lines = [
  `Write path alone, ${RECORDS} records of ${BODY.length} bytes in groups of ${GROUP}, best of ${ROUNDS}; µs of CPU (wall, one thread) per record`,
  '',
  '| write | µs/record |',
  '|---|---:|',
  ...[...best].map(([name, us]) => `| ${name} | ${us.toFixed(2)} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
