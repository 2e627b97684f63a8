/**
 * The api under load in a room holding 1,000,000 messages, on SQLite:
 *   POST /api/rooms/:room/messages and GET …/messages?before=<deep cursor>, each at 500 req/s,
 * next to a bare node:http server answering a fixed JSON body at the same rate (the floor
 * this machine and load generator allow). reflektor is a local node:http process answering
 * 202 to every publish, unless `--reflektor real` runs reflektor's own CLI.
 *
 * Pacing. autocannon's `overallRate` gives each connection a one-second window that starts
 * when the connection is created, and lets it send its share of the second's requests back
 * to back at the start of every window: with 16 connections created together the server sees
 * a burst of 16 concurrent requests every second, then silence — not an even 500 req/s. So
 * the bench runs `--pacers` (default 250, at most the rate) autocannon instances side by
 * side, each with one connection, `overallRate` = its share of the rate (the remainder spread
 * one each over the first instances) and `amount` = that share × the seconds, started
 * 1000 / pacers ms apart: their windows are staggered evenly over the second, so requests
 * arrive at a steady rate (at 500 req/s and 250 pacers, two back to back every 4 ms). The
 * bare node:http floor gets the same paced load. `--bursty` also runs the old single-instance
 * load (`--connections` connections, default 16) and prints it as a second table, for reference.
 *
 * Latencies are taken from every response (autocannon's own histogram has 1 ms resolution).
 * `cpu ms/req` is the server process's user + system CPU time (/proc/PID/stat) over the
 * scenario divided by the responses it gave, so it is not skewed by other load on the machine.
 *
 *   node packages/api/dist/bench/history-and-post.js [--messages 1000000] [--seconds 10] [--rate 500]
 *     [--pacers 250] [--bursty] [--connections 16] [--only post,get,mixed] [--reflektor stub|real]
 *     [--cpu-prof DIR]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import { freePort, percentile } from '@backchannel/testkit';
import autocannon from 'autocannon';
import { connectDb } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    pacers: { type: 'string', default: '250' },
    bursty: { type: 'boolean', default: false },
    connections: { type: 'string', default: '16' },
    only: { type: 'string', default: 'post,get,mixed' },
    reflektor: { type: 'string', default: 'stub' },
    'cpu-prof': { type: 'string' },
  },
});
const MESSAGES = Number(values.messages);
const SECONDS = Math.max(1, Math.min(Math.round(Number(values.seconds)), 30));
const RATE = Math.max(1, Math.round(Number(values.rate)));
const PACERS = Math.max(1, Math.min(Math.round(Number(values.pacers)), RATE));
const CONNECTIONS = Math.max(1, Number(values.connections));
const ONLY = new Set(values.only.split(',').map((name) => name.trim()));
const ROOM = 'bench-room';
const apiCli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const reflektorCli = fileURLToPath(new URL('../../../reflektor/dist/src/cli.js', import.meta.url));
/** Kernel clock ticks per second, for /proc/PID/stat's CPU times (100 on Linux). */
const CLOCK_TICKS = 100;

const children: ChildProcess[] = [];
function child(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): ChildProcess {
  const proc = spawn(process.execPath, [...nodeFlags, ...args], {
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
  await migrateToLatest(db.writer, db.engine);
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

/** User + system CPU time of a process so far, ms. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

interface Target {
  url: string;
  requests?: autocannon.Request[];
  /** The server process, for its CPU time. */
  pid?: number;
}

/** What one load run saw, before it is summed into a row. */
interface Tally {
  latencies: number[];
  non2xx: number;
  errors: number;
  firstStart: number;
  lastResponse: number;
}

interface Row {
  scenario: string;
  requests: number;
  rate: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  cpuPerRequest: number;
}

type Mode = 'paced' | 'bursty';

/**
 * autocannon builds three WebAssembly HDR histograms per instance (latencies at 5
 * significant digits: megabytes) and compresses them when it finishes, milliseconds of CPU
 * per instance; with hundreds of instances that load generator falls behind its own
 * schedule. The bench keeps exact latencies itself, so every instance gets inert ones.
 */
function inertHistogram(): autocannon.Histogram {
  return {
    __custom: true,
    recordValue() {},
    recordValueWithExpectedInterval() {},
    reset() {},
    destroy() {},
  };
}

function lightweight(): Pick<autocannon.Options, 'histograms' | 'skipAggregateResult'> {
  return {
    histograms: { latencies: inertHistogram(), requests: inertHistogram(), throughput: inertHistogram() },
    skipAggregateResult: true,
  };
}

function newTally(): Tally {
  return { latencies: [], non2xx: 0, errors: 0, firstStart: performance.now(), lastResponse: 0 };
}

function record(tally: Tally, instance: autocannon.Instance): void {
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    tally.latencies.push(responseTime);
    if (status < 200 || status >= 300) tally.non2xx++;
    tally.lastResponse = performance.now();
  });
}

/**
 * `PACERS` autocannon instances of one connection each, started 1000 / PACERS ms apart,
 * together `RATE` req/s for `seconds`: every instance sends its share of each second's
 * requests at its own point in the second, so the arrivals are spread evenly.
 */
async function paced(target: Target, seconds: number): Promise<Tally> {
  const tally = newTally();
  const runs: Promise<autocannon.Result>[] = [];
  for (let i = 0; i < PACERS; i++) {
    const rate = Math.floor(RATE / PACERS) + (i < RATE % PACERS ? 1 : 0);
    const startAt = tally.firstStart + (i * 1000) / PACERS;
    runs.push(
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, startAt - performance.now()))).then(
        () => {
          const instance = autocannon({
            url: target.url,
            ...(target.requests ? { requests: target.requests } : {}),
            connections: 1,
            overallRate: rate,
            amount: rate * seconds,
            ...lightweight(),
          });
          record(tally, instance);
          return instance;
        },
      ),
    );
  }
  for (const result of await Promise.all(runs)) tally.errors += result.errors + result.timeouts;
  return tally;
}

/** One autocannon instance, `CONNECTIONS` connections sharing `RATE` req/s (bursts each second). */
async function bursty(target: Target, seconds: number): Promise<Tally> {
  const tally = newTally();
  const instance = autocannon({
    url: target.url,
    ...(target.requests ? { requests: target.requests } : {}),
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: seconds,
    ...lightweight(),
  });
  record(tally, instance);
  const result = await instance;
  tally.errors += result.errors + result.timeouts;
  return tally;
}

/** Runs the targets at once, each at the full rate, and returns a row per target. */
async function scenario(mode: Mode, named: [string, Target][], seconds = SECONDS): Promise<Row[]> {
  const pids = [...new Set(named.map(([, target]) => target.pid))];
  const cpuBefore = pids.map(cpuMs);
  const tallies = await Promise.all(
    named.map(([, target]) => (mode === 'paced' ? paced(target, seconds) : bursty(target, seconds))),
  );
  const cpu = pids.reduce<number>((sum, pid, i) => sum + cpuMs(pid) - cpuBefore[i], 0);
  const total = tallies.reduce((sum, tally) => sum + tally.latencies.length, 0);
  return named.map(([name], i) => {
    const tally = tallies[i];
    const latencies = tally.latencies.sort((a, b) => a - b);
    return {
      scenario: name,
      requests: latencies.length,
      rate: latencies.length / ((tally.lastResponse - tally.firstStart) / 1000),
      non2xx: tally.non2xx,
      errors: tally.errors,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      cpuPerRequest: cpu / total,
    };
  });
}

function deepCursor(): string {
  // A cursor in the older 90% of the room: the page is far from the newest messages.
  return String(Math.floor(MESSAGES * 0.05 + Math.random() * MESSAGES * 0.9));
}

function printTable(title: string, rows: Row[]): void {
  const baseline = rows[0];
  const fmt = (ms: number) => ms.toFixed(2);
  console.log(`${title}\n`);
  console.log(
    '| scenario | requests | req/s | non-2xx | errors | p50 ms | p90 ms | p99 ms | max ms | p90 / floor | p99 / floor | server cpu ms/req |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.scenario} | ${row.requests} | ${row.rate.toFixed(0)} | ${row.non2xx} | ${row.errors} | ${fmt(row.p50)} | ${fmt(row.p90)} | ${fmt(row.p99)} | ${fmt(row.max)} | ${(row.p90 / baseline.p90).toFixed(1)}× | ${(row.p99 / baseline.p99).toFixed(1)}× | ${row.cpuPerRequest.toFixed(3)} |`,
    );
  }
  console.log('');
}

function meets(row: Row): boolean {
  return row.p90 < 5 && row.p99 < 20 && row.non2xx === 0 && row.errors === 0;
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
        '--data-dir',
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
    const baselineProc = child(['-e', stubServer(200, '{"messages":[],"next":null}'), String(baselinePort)]);
    const profileDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    const apiProc = child(
      [
        apiCli,
        '--port',
        String(apiPort),
        '--data-dir',
        dataDir,
        '--reflektor-url',
        `http://127.0.0.1:${reflektorPort}`,
        '--cookieless-rate-limit',
        '100000000/1',
        '--cookieless-burst',
        '100000000',
        '--room-message-rate-limit',
        '100000000/1',
        '--room-message-burst',
        '100000000',
        '--address-message-rate-limit',
        '100000000/1',
        '--address-message-burst',
        '100000000',
        '--log-level',
        'warn',
      ],
      {},
      profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
    );
    await waitReady(`http://127.0.0.1:${apiPort}/ready`);
    await waitReady(`http://127.0.0.1:${baselinePort}/`);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

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
    const floor: Target = { url: `http://127.0.0.1:${baselinePort}`, pid: baselineProc.pid };
    const post: Target = { url: apiUrl, requests: [postRequest], pid: apiProc.pid };
    const get: Target = { url: apiUrl, requests: [getRequest], pid: apiProc.pid };

    // Warm-up: fill the page cache and JIT before measuring.
    await scenario('paced', [['warm-up', get]], 2);
    await scenario('paced', [['warm-up', post]], 2);
    await scenario('paced', [['warm-up', floor]], 1);

    const run = async (mode: Mode): Promise<Row[]> => {
      const rows = await scenario(mode, [['floor: bare node:http GET', floor]]);
      if (ONLY.has('post')) rows.push(...(await scenario(mode, [['POST message', post]])));
      if (ONLY.has('get')) rows.push(...(await scenario(mode, [['GET history page, before=deep', get]])));
      if (ONLY.has('mixed')) {
        rows.push(
          ...(await scenario(mode, [
            ['POST message (with GETs)', post],
            ['GET history page (with POSTs)', get],
          ])),
        );
      }
      return rows;
    };
    const pacedRows = await run('paced');
    const burstyRows = values.bursty ? await run('bursty') : undefined;

    console.log(
      `\nbackchannel api bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}`,
    );
    console.log(
      `room: ${MESSAGES.toLocaleString('en')} messages on SQLite (seeded in ${seedSeconds.toFixed(1)} s)`,
    );
    console.log(`reflektor: ${reflektorNote}`);
    console.log(`${RATE} req/s per scenario, ${SECONDS} s each\n`);
    printTable(
      `paced load: ${PACERS} autocannon instances of 1 connection, started ${(1000 / PACERS).toFixed(1)} ms apart`,
      pacedRows,
    );
    if (burstyRows) {
      printTable(
        `for reference, bursty load: one autocannon instance, ${CONNECTIONS} connections, overallRate ${RATE} (a burst of ${CONNECTIONS} at once each second)`,
        burstyRows,
      );
    }
    const bar = pacedRows.filter(
      (row) => row.scenario === 'POST message' || row.scenario === 'GET history page, before=deep',
    );
    const mixed = pacedRows.filter((row) => row.scenario.includes('(with'));
    if (bar.length > 0) {
      console.log(
        `target p90 < 5 ms and p99 < 20 ms at ${RATE} req/s (paced, each route on its own): ${bar.every(meets) ? 'met' : 'NOT met'}`,
      );
    }
    if (mixed.length > 0) {
      console.log(
        `both routes at once (${RATE} req/s each): ${mixed.every(meets) ? 'also under' : 'not under'} p90 5 ms / p99 20 ms`,
      );
    }
  } finally {
    for (const proc of children) proc.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
