/**
 * What recording the status figures costs: the api's POST /api/rooms/:room/messages and
 * GET …/messages, and reflektor's ingest, each run at full speed with `--status-recording on`
 * and `off`, alternating in one run (off, on, off, on, …) so both see the same machine. Prints
 * the median requests/s of each and the ratio on/off, and the server's CPU ms per request.
 *
 *   npm run build && flock /tmp/backchannel-bench.lock node packages/backchannel/dist/bench/status-overhead.js [--seconds 5] [--rounds 5]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '5' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const cli = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const apiCli = cli('../../../api/bin/backchannel-api.js');
const reflektorCli = cli('../../../reflektor/bin/reflektor.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A target that answers every request at once: stands in for reflektor (for the api) and ekg (for reflektor). */
async function startSink(): Promise<{ url: string; close(): void }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"id":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** User + system CPU time of a process so far, ms (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Requests per second, and the server's CPU ms per request (not skewed by other load on the machine). */
interface Measured {
  rate: number;
  cpuPerRequest: number;
}

async function measure(pid: number, options: autocannon.Options): Promise<Measured> {
  const before = cpuMs(pid);
  const total = await load(options);
  return { rate: total / seconds, cpuPerRequest: (cpuMs(pid) - before) / total };
}

async function load(options: autocannon.Options): Promise<number> {
  const result = (await autocannon({ duration: seconds, ...options })) as unknown as {
    requests: { total: number };
    non2xx: number;
    errors: number;
  };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return result.requests.total;
}

interface Running {
  pid: number;
  base: string;
  stop(): Promise<void>;
}

async function startApi(recording: 'on' | 'off', sinkUrl: string): Promise<Running> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'status-overhead-api-'));
  const child = spawn(
    process.execPath,
    [
      apiCli,
      `--port=${port}`,
      `--data=${data}`,
      `--reflektor-url=${sinkUrl}`,
      ...['participant', 'room-message', 'address-message', 'cookieless'].flatMap((name) => [
        `--${name}-rate-limit=100000000/1`,
        `--${name}-burst=100000000`,
      ]),
      '--log-level=error',
      `--status-recording=${recording}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/ready`);
  const created = await fetch(`${base}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ name: 'bench-room' }),
  });
  if (created.status !== 201) throw new Error(`room: ${created.status}`);
  return {
    pid: child.pid!,
    base,
    stop: async () => {
      await stopChild(child);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

async function startReflektor(recording: 'on' | 'off', sinkUrl: string): Promise<Running> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const data = mkdtempSync(join(tmpdir(), 'status-overhead-reflektor-'));
  const child = spawn(
    process.execPath,
    [
      reflektorCli,
      `--port=${port}`,
      `--admin-port=${adminPort}`,
      `--data=${data}`,
      `--target=${sinkUrl}`,
      '--log-level=error',
      `--status-recording=${recording}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitReady(`http://127.0.0.1:${adminPort}/ready`);
  return {
    pid: child.pid!,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

const ORIGIN = 'http://localhost:3000';
const scenarios: Record<string, (target: Running) => autocannon.Options> = {
  'api POST message': (api) => ({
    url: `${api.base}/api/rooms/bench-room/messages`,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ author: 'bench', text: 'a message of ordinary length for the status bench' }),
      },
    ],
  }),
  'api GET history': (api) => ({ url: `${api.base}/api/rooms/bench-room/messages?limit=50` }),
  'reflektor ingest': (reflektor) => ({
    url: `${reflektor.base}/publish`,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'reflektor-ordering-key': 'bench-room' },
        body: JSON.stringify({
          room: 'bench-room',
          seq: 1,
          type: 'message.created',
          at: new Date().toISOString(),
          data: { text: 'x'.repeat(60) },
        }),
      },
    ],
  }),
};

/**
 * The off and the on server run side by side and take the same load at the same moment, so
 * whatever else the machine does falls on both alike: the one that costs more per request
 * answers fewer of them.
 */
async function pairedRound(
  name: string,
  off: Running,
  on: Running,
): Promise<{ off: Measured; on: Measured }> {
  const [a, b] = await Promise.all([
    measure(off.pid, { ...scenarios[name](off), connections: 8 }),
    measure(on.pid, { ...scenarios[name](on), connections: 8 }),
  ]);
  return { off: a, on: b };
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const sink = await startSink();
const runs: Record<string, Record<'on' | 'off', Measured[]>> = {
  'api POST message': { on: [], off: [] },
  'api GET history': { on: [], off: [] },
  'reflektor ingest': { on: [], off: [] },
};
console.log(
  `load average at start: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
for (let round = 0; round < rounds; round++) {
  const apis = [await startApi('off', sink.url), await startApi('on', sink.url)];
  for (const name of ['api POST message', 'api GET history']) {
    const result = await pairedRound(name, apis[0], apis[1]);
    runs[name].off.push(result.off);
    runs[name].on.push(result.on);
  }
  for (const api of apis) await api.stop();
  const reflektors = [await startReflektor('off', sink.url), await startReflektor('on', sink.url)];
  const result = await pairedRound('reflektor ingest', reflektors[0], reflektors[1]);
  runs['reflektor ingest'].off.push(result.off);
  runs['reflektor ingest'].on.push(result.on);
  for (const reflektor of reflektors) await reflektor.stop();
  const line = Object.entries(runs)
    .map(([name, { on, off }]) => {
      const [a, b] = [off[off.length - 1], on[on.length - 1]];
      return `${name}: ${a.rate.toFixed(0)}/${b.rate.toFixed(0)} req/s, ${a.cpuPerRequest.toFixed(3)}/${b.cpuPerRequest.toFixed(3)} cpu ms`;
    })
    .join('; ');
  process.stderr.write(`round ${round + 1}/${rounds} (off/on) ${line}\n`);
}
sink.close();
console.log(`${rounds} rounds of ${seconds} s, off and on side by side with 8 connections each; medians`);
console.log(
  `${'scenario'.padEnd(20)} ${'req/s off'.padStart(10)} ${'req/s on'.padStart(10)} ${'on/off'.padStart(7)}   ${'cpu ms/req off'.padStart(14)} ${'on'.padStart(7)} ${'on/off'.padStart(7)}`,
);
for (const [name, { on, off }] of Object.entries(runs)) {
  const rate = (list: Measured[]) => median(list.map((m) => m.rate));
  const cpu = (list: Measured[]) => median(list.map((m) => m.cpuPerRequest));
  // The paired figure: each round's on/off ratio (both measured at the same moment), then the median.
  const paired = median(on.map((m, i) => m.rate / off[i].rate));
  console.log(
    `${name.padEnd(20)} ${rate(off).toFixed(0).padStart(10)} ${rate(on).toFixed(0).padStart(10)} ${(rate(on) / rate(off)).toFixed(3).padStart(7)} ${paired.toFixed(3).padStart(13)}   ${cpu(off).toFixed(3).padStart(14)} ${cpu(on).toFixed(3).padStart(7)} ${(cpu(on) / cpu(off)).toFixed(3).padStart(7)}`,
  );
}
console.log(
  `load average at end: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
