/**
 * What counting people costs per post, against the per-address limiter it replaced, in one run:
 *
 * 1. In process: the old path (one fixed-window counter keyed by the client's address) against
 *    the new one (verify the participant cookie's HMAC, then take three token buckets at once:
 *    participant, room, address), in memory and on Redis.
 * 2. End to end: `POST /api/rooms/:room/messages` throughput of the api as it was before
 *    participants (a build of `--base-commit`, default the commit before them, transpiled into
 *    `.cache/`) and of this api, each on SQLite with a stub reflektor answering 202, limits on
 *    but set high enough that nothing is refused, rounds interleaved. Each request carries one
 *    of 40 participants' cookies (the old api ignores it). `cpu ms/req` is the api process's
 *    CPU time over the round divided by its responses. Two kinds of round: as fast as the
 *    connections go (throughput; on a shared machine mostly a measure of the machine), and
 *    paced at `--rate` req/s, which both sustain, so CPU per request compares like with like.
 *
 *   node packages/api/dist/bench/limiter-path.js [--seconds 5] [--rounds 3] [--connections 32]
 *     [--base-commit a54456a] [--redis redis://127.0.0.1:6379 | --redis none]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { allowance } from '../src/rate-limit/allowance.js';
import { createMemoryAllowanceLimiter } from '../src/rate-limit/allowance-memory.js';
import { createRedisAllowanceLimiter } from '../src/rate-limit/allowance-redis.js';
import type { RateLimiter } from '../src/rate-limit/limiter.js';
import { createMemoryRateLimiter } from '../src/rate-limit/memory.js';
import { createRedisRateLimiter } from '../src/rate-limit/redis.js';
import { ParticipantCookies } from '../src/security/participant.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string', default: '400' },
    'base-commit': { type: 'string', default: 'a54456a' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const SECONDS = Math.max(1, Number(values.seconds));
const ROUNDS = Math.max(1, Number(values.rounds));
const CONNECTIONS = Math.max(1, Number(values.connections));
/** Requests per second for the paced rounds, which every api sustains: CPU per request is then compared at equal load. */
const RATE = Math.max(1, Number(values.rate));
const PARTICIPANTS = 40;
const SECRET = 'bench-participant-key-0123456789abcdef';
const HIGH = { burst: 1e9, count: 1e9, windowMs: 1000 };
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const CLOCK_TICKS = 100;

const cookies = new ParticipantCookies([SECRET], false);
const cookieHeaders = Array.from({ length: PARTICIPANTS }, () => cookies.mint().setCookie.split(';')[0]);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- 1. in process ----

async function timePerOp(ops: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await run(i);
  return Number(process.hrtime.bigint() - start) / ops;
}

async function inProcess(): Promise<void> {
  const oldMemory: RateLimiter = createMemoryRateLimiter({ limit: 1e9, windowMs: 60_000 });
  const newMemory = createMemoryAllowanceLimiter();
  const oldPath = () => oldMemory.hit('message:127.0.0.1');
  const newPath = (i: number) => {
    const id = cookies.read(cookieHeaders[i % PARTICIPANTS])!;
    return newMemory.take([
      allowance(`p:${id}`, HIGH),
      allowance('r:bench-room', HIGH),
      allowance('a:127.0.0.1', HIGH),
    ]);
  };
  const ops = 200_000;
  await timePerOp(ops, oldPath);
  await timePerOp(ops, newPath);
  const old: number[] = [];
  const fresh: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    old.push(await timePerOp(ops, oldPath));
    fresh.push(await timePerOp(ops, newPath));
  }
  await oldMemory.close();
  await newMemory.close();
  console.log('\nIn process, memory (ns per post, median of rounds)');
  console.log(`  old: fixed window per address         ${median(old).toFixed(0).padStart(7)} ns`);
  console.log(
    `  new: cookie check + 3 buckets at once  ${median(fresh).toFixed(0).padStart(7)} ns   (${(median(fresh) / median(old)).toFixed(2)}x)`,
  );

  if (values.redis === 'none') return;
  const redis = new Redis(values.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
  } catch {
    console.log('\nRedis: not reachable, skipped');
    redis.disconnect();
    return;
  }
  const prefix = `backchannel:bench:${process.pid}:`;
  const oldRedis = createRedisRateLimiter(redis, { limit: 1e9, windowMs: 60_000 }, prefix);
  const newRedis = createRedisAllowanceLimiter(redis, prefix);
  const oldR = () => oldRedis.hit('message:127.0.0.1');
  const newR = (i: number) => {
    const id = cookies.read(cookieHeaders[i % PARTICIPANTS])!;
    return newRedis.take([
      allowance(`p:${id}`, HIGH),
      allowance('r:bench-room', HIGH),
      allowance('a:127.0.0.1', HIGH),
    ]);
  };
  /** Posts in flight at once, as from many connections: µs of wall time per post. */
  const concurrent = async (run: (i: number) => Promise<unknown>, total: number, width: number) => {
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < total) await run(next++);
      }),
    );
    return Number(process.hrtime.bigint() - start) / total;
  };
  const redisOps = 20_000;
  await timePerOp(2000, oldR);
  await timePerOp(2000, newR);
  const seqOld: number[] = [];
  const seqNew: number[] = [];
  const parOld: number[] = [];
  const parNew: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    seqOld.push(await timePerOp(redisOps, oldR));
    seqNew.push(await timePerOp(redisOps, newR));
    parOld.push(await concurrent(oldR, redisOps * 2, 32));
    parNew.push(await concurrent(newR, redisOps * 2, 32));
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  const us = (ns: number) => `${(ns / 1000).toFixed(1).padStart(6)} µs`;
  console.log('\nRedis (one script call per post; median of rounds)');
  console.log(
    `  one at a time   old ${us(median(seqOld))}   new ${us(median(seqNew))}   (${(median(seqNew) / median(seqOld)).toFixed(2)}x)`,
  );
  console.log(
    `  32 in flight    old ${us(median(parOld))}   new ${us(median(parNew))}   (${(median(parNew) / median(parOld)).toFixed(2)}x)`,
  );
}

// ---- 2. end to end ----

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
process.on('exit', () => {
  for (const proc of children) proc.kill('SIGKILL');
});

function child(args: string[]): ChildProcess {
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(proc);
  return proc;
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The api as it was at `commit`, transpiled (no type check) into `.cache/`; returns its CLI. */
function baseApi(commit: string): string {
  const dir = join(root, '.cache', `base-api-${commit}`);
  const cli = join(dir, 'packages/api/dist/src/cli.js');
  if (existsSync(cli)) return cli;
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive ${commit} packages/api/src | tar -x -C "${dir}"`]);
  const src = join(dir, 'packages/api/src');
  const files = execFileSync('find', [src, '-name', '*.ts'], { encoding: 'utf8' }).trim().split('\n');
  execFileSync(join(root, 'node_modules/.bin/esbuild'), [
    ...files,
    `--outdir=${join(dir, 'packages/api/dist/src')}`,
    '--format=esm',
    '--platform=node',
    '--log-level=warning',
  ]);
  return cli;
}

interface Api {
  name: string;
  proc: ChildProcess;
  url: string;
}

async function startApi(
  name: string,
  cli: string,
  limitFlags: string[],
  reflektorPort: number,
): Promise<Api> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `limiter-bench-${name}-`));
  const proc = child([
    cli,
    `--port=${port}`,
    `--data=${dataDir}`,
    `--reflektor-url=http://127.0.0.1:${reflektorPort}`,
    '--log-level=error',
    '--room-rate-limit=1000000/1',
    ...limitFlags,
  ]);
  proc.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/ready`);
  const created = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-room', lifetime: 'week' }),
  });
  if (created.status !== 201) throw new Error(`${name}: creating the room answered ${created.status}`);
  return { name, proc, url };
}

async function postRound(
  api: Api,
  rate?: number,
): Promise<{ rps: number; cpuMsPerReq: number; refused: number }> {
  let n = 0;
  const body = JSON.stringify({ author: 'student', text: 'the answer is 42' });
  const ticksBefore = cpuTicks(api.proc.pid!);
  const result = (await autocannon({
    url: `${api.url}/api/rooms/bench-room/messages`,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, cookie: cookieHeaders[n++ % PARTICIPANTS] },
        }),
      },
    ],
  })) as unknown as { requests: { total: number }; non2xx: number; duration: number };
  const ticks = cpuTicks(api.proc.pid!) - ticksBefore;
  const total = result.requests.total;
  return {
    rps: total / SECONDS,
    cpuMsPerReq: ((ticks / CLOCK_TICKS) * 1000) / Math.max(1, total),
    refused: result.non2xx,
  };
}

async function endToEnd(): Promise<void> {
  const reflektorPort = await freePort();
  child([
    '-e',
    `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(202, {'content-type': 'application/json'}); s.end('{"id":"1"}'); }); }).listen(${reflektorPort}, '127.0.0.1')`,
  ]);
  const high = (name: string) => [`--${name}-rate-limit=1000000000/1`, `--${name}-burst=1000000000`];
  const oldApi = await startApi(
    'old',
    baseApi(values['base-commit']),
    ['--message-rate-limit=1000000000/1'],
    reflektorPort,
  );
  const newApi = await startApi(
    'new',
    fileURLToPath(new URL('../src/cli.js', import.meta.url)),
    [
      ...high('participant'),
      ...high('room-message'),
      ...high('address-message'),
      ...high('cookieless'),
      `--participant-secret=${SECRET}`,
    ],
    reflektorPort,
  );
  await postRound(oldApi);
  await postRound(newApi);
  for (const rate of [undefined, RATE]) {
    const rows: Record<string, { rps: number[]; cpu: number[]; refused: number }> = {
      old: { rps: [], cpu: [], refused: 0 },
      new: { rps: [], cpu: [], refused: 0 },
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const api of round % 2 === 0 ? [oldApi, newApi] : [newApi, oldApi]) {
        const { rps, cpuMsPerReq, refused } = await postRound(api, rate);
        rows[api.name].rps.push(rps);
        rows[api.name].cpu.push(cpuMsPerReq);
        rows[api.name].refused += refused;
      }
    }
    printRows(rows, rate);
  }
}

function printRows(
  rows: Record<string, { rps: number[]; cpu: number[]; refused: number }>,
  rate: number | undefined,
): void {
  console.log(
    `\nEnd to end: POST /api/rooms/:room/messages, ${CONNECTIONS} connections, ${rate === undefined ? 'as fast as they go' : `paced at ${rate} req/s`}, ${SECONDS} s x ${ROUNDS} rounds each, interleaved (median)`,
  );
  console.log('  api                                       req/s   cpu ms/req   non-2xx');
  for (const [name, label] of [
    ['old', `per-address limiter (${values['base-commit']})`],
    ['new', 'participant + room + address'],
  ] as const) {
    const row = rows[name];
    console.log(
      `  ${label.padEnd(40)} ${median(row.rps).toFixed(0).padStart(6)}   ${median(row.cpu).toFixed(3).padStart(10)}   ${String(row.refused).padStart(7)}`,
    );
  }
  console.log(
    `  new / old: ${(median(rows.new.rps) / median(rows.old.rps)).toFixed(2)}x req/s, ${(median(rows.new.cpu) / median(rows.old.cpu)).toFixed(2)}x cpu per request`,
  );
}

console.log(
  `limiter-path bench, ${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await inProcess();
await endToEnd();
console.log(
  `\nload average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
