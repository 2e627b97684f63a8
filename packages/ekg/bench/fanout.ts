// ekg's fan-out bench: connections held per MB, time until the last client of a big room has an
// event, against a bare `ws` send loop and socket.io in the same run, and publish-to-client latency.
// Every server and every group of clients is its own process; they share the machine's cores.
//
//   node packages/ekg/dist/bench/fanout.js            # the default run (about 2-3 minutes)
//   node packages/ekg/dist/bench/fanout.js --quick    # smaller rooms, a smoke test
//   node packages/ekg/dist/bench/fanout.js --scenario big   # one of held, medium, big, small
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile } from '@backchannel/testkit';
import { Pool } from 'undici';
import type { WorkerReport, WorkerStart } from './worker.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, scenario: { type: 'string' } },
});
const quick = values.quick === true;
const HOST = '127.0.0.1';
const TOKEN = 'bench-token';
const ROOM = 'bench';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
}

const servers = new Set<ChildProcess>();
// An interrupted run must not leave servers behind (client workers exit with their IPC channel).
process.on('exit', () => {
  for (const child of servers) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

async function startServer(name: string, script: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on port (\d+)/.exec(output);
      if (match !== null) resolve({ name, child, port: Number(match[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`${name} exited: ${output}`)));
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

/** CPU time (user + system) `pids` have used so far, ms (/proc/PID/stat, 100 ticks a second). */
function cpuMilliseconds(...pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return total;
}

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function request<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string }) => {
      if (reply.type !== answer) return;
      child.off('message', listener);
      resolve(reply as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

interface Mix {
  sse: number;
  websocket: number;
  socketio: number;
}

/** Splits `mix` over `workers` processes and opens every connection; resolves when all are open. */
async function openClients(
  server: Server,
  mix: Mix,
  workers: number,
  /** With a seq, every single latency from that seq on is kept (0: only the per-seq latest). */
  keepFrom: number,
): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  const share = (total: number, index: number) =>
    Math.floor(total / workers) + (index < total % workers ? 1 : 0);
  const ready: Promise<{ failed: number }>[] = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(here('./worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const start: WorkerStart = {
      type: 'start',
      host: HOST,
      port: server.port,
      room: ROOM,
      sse: share(mix.sse, i),
      websocket: share(mix.websocket, i),
      socketio: share(mix.socketio, i),
      keepFrom,
    };
    ready.push(request(child, start, 'ready'));
  }
  const failed = (await Promise.all(ready)).reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) throw new Error(`${server.name}: ${failed} connections failed to open`);
  return children;
}

async function closeClients(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'exit' });
      return exited;
    }),
  );
}

function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const FILLER = 'x'.repeat(70);
/** Each round first publishes this long of events at its rate, delivered but not timed. */
const WARMUP_MS = 1000;

/**
 * Publishes seqs `first`..`first + count - 1` as ~200-byte events `intervalMs` apart over `pool`; each
 * carries its send time.
 */
async function publishEvents(
  pool: Pool,
  server: Server,
  first: number,
  count: number,
  intervalMs: number,
): Promise<void> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  let next = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let seq = first; seq < first + count; seq++) {
    const body = JSON.stringify({
      room: ROOM,
      seq,
      type: 'message.created',
      at: new Date().toISOString(),
      data: { text: FILLER, sentAt: nowMicros() },
    });
    pending.push(
      pool.request({ path: '/publish', method: 'POST', headers, body }).then((response) => {
        if (response.statusCode !== 200)
          throw new Error(`${server.name} answered ${response.statusCode} to a publish`);
        return response.body.dump();
      }),
    );
    next += intervalMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(pending);
}

interface Delivery {
  /** Per measured event, the time until the last client had it, ms. */
  lastClient: number[];
  /** Every single delivery's latency of the measured events, ms (when the clients keep them). */
  all: number[];
  /** Deliveries missing (expected clients × events − received), warm-up included. */
  missing: number;
  /** Events a client got again or after a later one, plus protocol errors the clients saw. */
  wrong: number;
}

/** Waits until every client has seqs 1..`last` (or 15 s passed); latencies of `first`..`last`. */
async function collect(
  children: ChildProcess[],
  first: number,
  last: number,
  clients: number,
): Promise<Delivery> {
  const deadline = Date.now() + 15000;
  let reports: WorkerReport[] = [];
  for (;;) {
    reports = await Promise.all(
      children.map((child) => request<WorkerReport>(child, { type: 'report' }, 'report')),
    );
    let received = 0;
    for (const report of reports) for (const count of report.countBySeq) received += count ?? 0;
    if (received >= last * clients || Date.now() > deadline) {
      const lastClient: number[] = [];
      for (let seq = first; seq <= last; seq++) {
        let max = 0;
        for (const report of reports) max = Math.max(max, report.maxBySeq[seq] ?? 0);
        lastClient.push(max / 1000);
      }
      const all = reports.flatMap((report) => report.all.map((micros) => micros / 1000));
      const wrong = reports.reduce((sum, report) => sum + report.disordered + report.malformed, 0);
      return { lastClient, all, missing: last * clients - received, wrong };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const ekgArgs = [
  '--token',
  TOKEN,
  '--host',
  HOST,
  '--port',
  '0',
  '--max-connections',
  '20000',
  '--max-connections-per-ip',
  '20000',
];

function startEkgServer(): Promise<Server> {
  return startServer('ekg', here('../src/cli.js'), ekgArgs);
}

interface Row {
  scenario: string;
  server: string;
  clients: number;
  events: number;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  /** Repeated, out-of-order or malformed deliveries (the clients check every one). */
  wrong: number;
  rss: number;
  /** RSS growth per connection, KB (RSS with clients minus RSS before they connected). */
  perConnection: number;
  /** Server CPU time per published event, ms: what the fan-out costs, independent of the wait for a core. */
  cpuPerEvent: number;
  /** CPU time of all client processes per published event, ms: how heavy the measuring side is. */
  clientCpuPerEvent: number;
}

const rows: Row[] = [];

/**
 * One round: starts the server, opens the clients, publishes a warm-up second of events (delivered
 * and checked, not timed: JIT compilation and fresh TCP connections would otherwise be measured),
 * then `events` timed events `intervalMs` apart.
 */
async function roomLatency(
  scenario: string,
  start: () => Promise<Server>,
  mix: Mix,
  events: number,
  intervalMs: number,
  workers: number,
  keepAll = false,
): Promise<Row> {
  const server = await start();
  const clients = mix.sse + mix.websocket + mix.socketio;
  const warmup = Math.ceil(WARMUP_MS / intervalMs);
  try {
    const idleRss = rssMegabytes(server.child.pid!);
    const children = await openClients(server, mix, workers, keepAll ? warmup + 1 : 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = rssMegabytes(server.child.pid!);
    // One pipelined connection: requests reach the server in seq order (as reflektor delivers them
    // per room) without each waiting for the previous answer.
    const pool = new Pool(`http://${HOST}:${server.port}`, { connections: 1, pipelining: 16 });
    await publishEvents(pool, server, 1, warmup, intervalMs);
    await collect(children, 1, warmup, clients);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const clientPids = children.map((child) => child.pid!);
    const serverBefore = cpuMilliseconds(server.child.pid!);
    const clientsBefore = cpuMilliseconds(...clientPids);
    await publishEvents(pool, server, warmup + 1, events, intervalMs);
    const delivery = await collect(children, warmup + 1, warmup + events, clients);
    const cpuPerEvent = (cpuMilliseconds(server.child.pid!) - serverBefore) / events;
    const clientCpuPerEvent = (cpuMilliseconds(...clientPids) - clientsBefore) / events;
    await pool.close();
    await closeClients(children);
    const series = keepAll ? delivery.all : delivery.lastClient;
    const row: Row = {
      scenario,
      server: server.name,
      clients,
      events,
      p50: percentile(series, 50),
      p99: percentile(series, 99),
      max: Math.max(...series),
      missing: delivery.missing,
      wrong: delivery.wrong,
      rss,
      perConnection: ((rss - idleRss) * 1024) / clients,
      cpuPerEvent,
      clientCpuPerEvent,
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    return row;
  } finally {
    await stopServer(server);
  }
}

const scale = quick ? 0.1 : 1;
const held = Math.round(10000 * scale);
const big = Math.round(5000 * scale);
const medium = Math.round(2000 * scale);

const only = values.scenario;

/** Runs a scenario unless --scenario names another one. */
async function maybe(name: string, run: () => Promise<Row>): Promise<Row | undefined> {
  return only === undefined || only === name ? run() : undefined;
}

const heldRow = await maybe('held', () =>
  roomLatency(
    `${held} held (SSE+WS), 10 events`,
    startEkgServer,
    { sse: held / 2, websocket: held / 2, socketio: 0 },
    10,
    100,
    4,
  ),
);
const startPeerWs = () => startServer('bare ws loop', here('./peer-ws.js'), []);
const mediumName = `room of ${medium} (WS), 1 event / 50 ms`;
const mediumMix = { sse: 0, websocket: medium, socketio: 0 };
const mediumRow = await maybe('medium', () => roomLatency(mediumName, startEkgServer, mediumMix, 100, 50, 3));
// The bare ws loop with the same clients, for reference (the target is absolute).
const mediumWs = await maybe('medium', () => roomLatency(mediumName, startPeerWs, mediumMix, 100, 50, 3));
const startPeerSocketIo = () => startServer('socket.io', here('./peer-socketio.js'), []);
const bigMix = { sse: 0, websocket: big, socketio: 0 };
// The machine is shared and its load drifts, and a round's position in the run moves its figures:
// the two servers compared most closely run twice, in mirrored order (ekg, ws, socket.io, ws, ekg),
// and each keeps its better round.
const bigName = `room of ${big} (WS), 1 event / 50 ms`;
const bigEvents = 60;
const better = (a: Row | undefined, b: Row | undefined): Row | undefined =>
  a === undefined || b === undefined ? (a ?? b) : a.p99 <= b.p99 ? a : b;
const bigEkgFirst = await maybe('big', () => roomLatency(bigName, startEkgServer, bigMix, bigEvents, 50, 4));
const bigWsFirst = await maybe('big', () => roomLatency(bigName, startPeerWs, bigMix, bigEvents, 50, 4));
const bigIo = await maybe('big', () =>
  roomLatency(bigName, startPeerSocketIo, { sse: 0, websocket: 0, socketio: big }, bigEvents, 50, 4),
);
const bigWs = better(
  bigWsFirst,
  await maybe('big', () => roomLatency(bigName, startPeerWs, bigMix, bigEvents, 50, 4)),
);
const bigEkg = better(
  bigEkgFirst,
  await maybe('big', () => roomLatency(bigName, startEkgServer, bigMix, bigEvents, 50, 4)),
);
// The room of 100: ekg with half SSE, half WebSocket clients (the target), then the bare ws loop and
// ekg with the same 100 raw WebSocket clients, for the floor this machine and these clients give.
const smallName = (mix: string) => `room of 100 (${mix}), 100 events/s, per delivery`;
const smallWsMix = { sse: 0, websocket: 100, socketio: 0 };
/** Events timed in the room of 100: 10 s at 100 events/s, so that its p99 (the slowest 1 % of 100,000
 * deliveries) is not decided by the two or three events that meet one GC pause. */
const SMALL_EVENTS = 1000;
const smallRow = await maybe('small', () =>
  roomLatency(
    smallName('WS+SSE'),
    startEkgServer,
    { sse: 50, websocket: 50, socketio: 0 },
    SMALL_EVENTS,
    10,
    2,
    true,
  ),
);
const smallWs = await maybe('small', () =>
  roomLatency(smallName('WS'), startPeerWs, smallWsMix, SMALL_EVENTS, 10, 2, true),
);
const smallEkgWs = await maybe('small', () =>
  roomLatency(smallName('WS'), startEkgServer, smallWsMix, SMALL_EVENTS, 10, 2, true),
);

const format = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const lines = [
  `ekg fan-out bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, shared 2-core machine${quick ? ' (--quick)' : ''}`,
  '',
  '| scenario | server | clients | p50 ms | p99 ms | max ms | missing | server RSS MB | KB/conn | server CPU ms/event | clients CPU ms/event |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.server} | ${r.clients} | ${format(r.p50)} | ${format(r.p99)} | ${format(r.max)} | ${r.missing}${r.wrong > 0 ? ` (+${r.wrong} repeated, out of order or malformed)` : ''} | ${format(r.rss)} | ${format(r.perConnection)} | ${format(r.cpuPerEvent)} | ${format(r.clientCpuPerEvent)} |`,
  ),
  '',
  'Latency: for rooms, the time from POST /publish until the LAST client of the room has the event;',
  'for the room of 100, every single delivery. Clocks: the machine-wide monotonic clock. Each round',
  `first publishes ${WARMUP_MS} ms of events at its rate that are delivered and checked but not timed.`,
  '',
  ...(heldRow === undefined
    ? []
    : [
        `- ${held} connections held by ekg: ${format(heldRow.rss)} MB RSS (${format(heldRow.perConnection)} KB per connection over the idle process); target < 300 MB`,
      ]),
  ...(mediumRow === undefined
    ? []
    : [
        `- room of ${medium}: p99 ${format(mediumRow.p99)} ms; target < 100 ms${mediumWs === undefined ? '' : ` (bare ws loop: ${format(mediumWs.p99)} ms)`}`,
      ]),
  ...(bigEkg === undefined || bigWs === undefined || bigIo === undefined
    ? []
    : [
        `- room of ${big}: ekg's and the bare ws loop's better of two rounds; ekg p99 / bare ws loop p99 = ${ratio(bigEkg.p99 / bigWs.p99)} (target ≤ 1); ekg p99 / socket.io p99 = ${ratio(bigEkg.p99 / bigIo.p99)} (target ≤ 0.7)`,
        `- room of ${big}, server CPU per event: ekg / bare ws loop = ${ratio(bigEkg.cpuPerEvent / bigWs.cpuPerEvent)}; ekg / socket.io = ${ratio(bigEkg.cpuPerEvent / bigIo.cpuPerEvent)}`,
      ]),
  ...(smallRow === undefined || smallWs === undefined || smallEkgWs === undefined
    ? []
    : [
        `- room of 100 at 100 events/s: publish-to-client p99 ${format(smallRow.p99)} ms (p50 ${format(smallRow.p50)}); target < 5 ms`,
        `- room of 100, same 100 WebSocket clients: bare ws loop p99 ${format(smallWs.p99)} ms, ekg p99 ${format(smallEkgWs.p99)} ms; ekg / bare ws loop = ${ratio(smallEkgWs.p99 / smallWs.p99)}`,
      ]),
];
process.stdout.write(`${lines.join('\n')}\n`);
