/**
 * The api under load in a room holding 1,000,000 messages, on SQLite:
 *   POST /api/rooms/:room/messages and GET …/messages?before=<deep cursor>, each at 500 req/s,
 * next to a bare node:http server answering a fixed JSON body at the same rate (the floor
 * this machine and load generator allow). reflektor is a local node:http process answering
 * 202 to every publish, unless `--reflektor real` runs reflektor's own CLI.
 *
 * autocannon's `overallRate` gives each connection its share of every second's requests,
 * sent back to back, then idles until the next second: the server sees bursts of up to
 * `--connections` concurrent requests, and latency grows with that number. Fewer
 * connections also cap what a slow answer lets through (4 connections at 20 ms is 200 req/s).
 *
 *   node packages/api/dist/bench/history-and-post.js [--messages 1000000] [--seconds 10] [--rate 500]
 *     [--connections 16] [--reflektor stub|real]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { connectDb } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadBetterSqlite3 } from '../src/sqlite-driver.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    connections: { type: 'string', default: '16' },
    reflektor: { type: 'string', default: 'stub' },
  },
});
const MESSAGES = Number(values.messages);
const SECONDS = Math.min(Number(values.seconds), 30);
const RATE = Number(values.rate);
const CONNECTIONS = Math.max(1, Number(values.connections));
const ROOM = 'bench-room';
const apiCli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const reflektorCli = fileURLToPath(new URL('../../../reflektor/dist/src/cli.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
function child(args: string[], env: Record<string, string> = {}): ChildProcess {
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(proc);
  return proc;
}

const stubServer = (status: number, body: string) => `
  const http = require('node:http');
  http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(${status}, { 'content-type': 'application/json' }); res.end(${JSON.stringify(body)}); });
  }).listen(Number(process.argv[1]), '127.0.0.1');
`;

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

async function seed(dataDir: string): Promise<void> {
  const db = await connectDb({ dataDir });
  await migrateToLatest(db.writer);
  await db.close();
  const sqlite = new (loadBetterSqlite3())(join(dataDir, 'api.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  const now = Date.now();
  const room = sqlite
    .prepare(
      `insert into rooms (name, title, lifetime, status, owner_token_hash, created_at, expires_at, last_seq)
       values (?, ?, 'year', 'open', 'x', ?, ?, ?) returning id`,
    )
    .get(
      ROOM,
      'Bench',
      new Date(now).toISOString(),
      new Date(now + 365 * 86_400_000).toISOString(),
      MESSAGES,
    ) as {
    id: number;
  };
  const insert = sqlite.prepare(
    'insert into messages (room_id, seq, author, text, created_at) values (?, ?, ?, ?, ?)',
  );
  const batch = sqlite.transaction((from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      insert.run(
        room.id,
        seq,
        `author${seq % 97}`,
        `message number ${seq} with some typical text`,
        new Date(now - (MESSAGES - seq) * 1000).toISOString(),
      );
    }
  });
  for (let from = 1; from <= MESSAGES; from += 100_000) batch(from, Math.min(from + 99_999, MESSAGES));
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
}

interface Row {
  scenario: string;
  requests: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function load(scenario: string, options: autocannon.Options): Promise<Row> {
  const latencies: number[] = [];
  const instance = autocannon({
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: SECONDS,
    ...options,
  });
  // autocannon's own histogram has 1 ms resolution; keep exact latencies for the table.
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}

function deepCursor(): string {
  // A cursor in the older 90% of the room: the page is far from the newest messages.
  return String(Math.floor(MESSAGES * 0.05 + Math.random() * MESSAGES * 0.9));
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-api-bench-'));
  try {
    const started = performance.now();
    await seed(dataDir);
    const seedSeconds = (performance.now() - started) / 1000;

    const [apiPort, reflektorPort, baselinePort, targetPort, adminPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    let reflektorNote = 'local node:http process answering 202';
    if (values.reflektor === 'real') {
      child(['-e', stubServer(200, '{}'), String(targetPort)]);
      child([
        reflektorCli,
        '--port',
        String(reflektorPort),
        '--admin-port',
        String(adminPort),
        '--data',
        join(dataDir, 'reflektor'),
        '--target',
        `http://127.0.0.1:${targetPort}`,
        '--mode',
        'broadcast',
      ]);
      await waitReady(`http://127.0.0.1:${adminPort}/ready`);
      reflektorNote = 'reflektor CLI (SQLite queue) delivering to a local node:http target';
    } else {
      child(['-e', stubServer(202, '{"id":"1"}'), String(reflektorPort)]);
    }
    child(['-e', stubServer(200, '{"messages":[],"next":null}'), String(baselinePort)]);
    child(
      [
        apiCli,
        '--port',
        String(apiPort),
        '--data',
        dataDir,
        '--reflektor-url',
        `http://127.0.0.1:${reflektorPort}`,
        '--message-rate-limit',
        '100000000/1',
        '--log-level',
        'warn',
      ],
      {},
    );
    await waitReady(`http://127.0.0.1:${apiPort}/ready`);
    await waitReady(`http://127.0.0.1:${baselinePort}/`);
    const api = `http://127.0.0.1:${apiPort}`;

    const postRequest: autocannon.Request = {
      method: 'POST',
      path: `/api/rooms/${ROOM}/messages`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'bench', text: 'a message posted under load' }),
    };
    const getRequest: autocannon.Request = {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `/api/rooms/${ROOM}/messages?before=${deepCursor()}&limit=50`,
      }),
    };

    // Warm-up: fill the page cache and JIT before measuring.
    await load('warm-up', { url: api, requests: [getRequest], duration: 2 });
    await load('warm-up', { url: api, requests: [postRequest], duration: 2 });

    const rows: Row[] = [];
    rows.push(await load('baseline: bare node:http GET', { url: `http://127.0.0.1:${baselinePort}` }));
    rows.push(await load('POST message', { url: api, requests: [postRequest] }));
    rows.push(await load('GET history page, before=deep', { url: api, requests: [getRequest] }));
    const [mixedPost, mixedGet] = await Promise.all([
      load('POST message (with GETs)', { url: api, requests: [postRequest] }),
      load('GET history page (with POSTs)', { url: api, requests: [getRequest] }),
    ]);
    rows.push(mixedPost, mixedGet);

    const baseline = rows[0];
    const fmt = (ms: number) => ms.toFixed(2);
    console.log(
      `\nbackchannel api bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}`,
    );
    console.log(
      `room: ${MESSAGES.toLocaleString('en')} messages on SQLite (seeded in ${seedSeconds.toFixed(1)} s)`,
    );
    console.log(
      `load: autocannon, ${CONNECTIONS} connections, ${RATE} req/s per scenario, ${SECONDS} s each`,
    );
    console.log(`reflektor: ${reflektorNote}\n`);
    console.log(
      '| scenario | requests | non-2xx | errors | p50 ms | p90 ms | p99 ms | max ms | p90 / baseline | p99 / baseline |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      console.log(
        `| ${row.scenario} | ${row.requests} | ${row.non2xx} | ${row.errors} | ${fmt(row.p50)} | ${fmt(row.p90)} | ${fmt(row.p99)} | ${fmt(row.max)} | ${(row.p90 / baseline.p90).toFixed(1)}× | ${(row.p99 / baseline.p99).toFixed(1)}× |`,
      );
    }
    const target = rows
      .slice(1)
      .every((row) => row.p90 < 5 && row.p99 < 20 && row.non2xx === 0 && row.errors === 0);
    console.log(`\ntarget p90 < 5 ms and p99 < 20 ms at ${RATE} req/s: ${target ? 'met' : 'NOT met'}`);
  } finally {
    for (const proc of children) proc.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
