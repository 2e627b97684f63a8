/**
 * What recording the status figures costs: the api's POST /api/rooms/:room/messages and
 * GET …/messages, and reflektor's ingest, each run at full speed with `--status-recording on`
 * and `off`, alternating in one run (off, on, off, on, …) so both see the same machine. Prints
 * the median requests/s of each and the ratio on/off.
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

function stop(child: ChildProcess): Promise<void> {
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
  const result = (await autocannon({ connections: 16, duration: seconds, ...options })) as unknown as {
    requests: { total: number };
    non2xx: number;
    errors: number;
  };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return result.requests.total;
}

async function apiRound(
  recording: 'on' | 'off',
  sinkUrl: string,
): Promise<{ post: Measured; get: Measured }> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'status-overhead-api-'));
  const child = spawn(
    process.execPath,
    [
      apiCli,
      `--port=${port}`,
      `--data=${data}`,
      `--reflektor-url=${sinkUrl}`,
      '--message-rate-limit=100000000/1',
      '--log-level=error',
      `--status-recording=${recording}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/ready`);
    const origin = 'http://localhost:3000';
    const created = await fetch(`${base}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ name: 'bench-room' }),
    });
    if (created.status !== 201) throw new Error(`room: ${created.status}`);
    const pid = child.pid!;
    const post = await measure(pid, {
      url: `${base}/api/rooms/bench-room/messages`,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify({
            author: 'bench',
            text: 'a message of ordinary length for the status bench',
          }),
        },
      ],
    });
    const get = await measure(pid, { url: `${base}/api/rooms/bench-room/messages?limit=50` });
    return { post, get };
  } finally {
    await stop(child);
    rmSync(data, { recursive: true, force: true });
  }
}

async function reflektorRound(recording: 'on' | 'off', sinkUrl: string): Promise<Measured> {
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
  try {
    await waitReady(`http://127.0.0.1:${adminPort}/ready`);
    return await measure(child.pid!, {
      url: `http://127.0.0.1:${port}/publish`,
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
    });
  } finally {
    await stop(child);
    rmSync(data, { recursive: true, force: true });
  }
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
  // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
  const order: ('on' | 'off')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
  for (const recording of order) {
    const api = await apiRound(recording, sink.url);
    runs['api POST message'][recording].push(api.post);
    runs['api GET history'][recording].push(api.get);
    runs['reflektor ingest'][recording].push(await reflektorRound(recording, sink.url));
  }
  const line = Object.entries(runs)
    .map(([name, { on, off }]) => {
      const [a, b] = [off[off.length - 1], on[on.length - 1]];
      return `${name}: ${a.rate.toFixed(0)}/${b.rate.toFixed(0)} req/s, ${a.cpuPerRequest.toFixed(3)}/${b.cpuPerRequest.toFixed(3)} cpu ms`;
    })
    .join('; ');
  process.stderr.write(`round ${round + 1}/${rounds} (off/on) ${line}\n`);
}
sink.close();
console.log(`${rounds} rounds of ${seconds} s each, 16 connections; medians`);
console.log(
  `${'scenario'.padEnd(20)} ${'req/s off'.padStart(10)} ${'req/s on'.padStart(10)} ${'on/off'.padStart(7)}   ${'cpu ms/req off'.padStart(14)} ${'on'.padStart(7)} ${'on/off'.padStart(7)}`,
);
for (const [name, { on, off }] of Object.entries(runs)) {
  const rate = (list: Measured[]) => median(list.map((m) => m.rate));
  const cpu = (list: Measured[]) => median(list.map((m) => m.cpuPerRequest));
  console.log(
    `${name.padEnd(20)} ${rate(off).toFixed(0).padStart(10)} ${rate(on).toFixed(0).padStart(10)} ${(rate(on) / rate(off)).toFixed(3).padStart(7)}   ${cpu(off).toFixed(3).padStart(14)} ${cpu(on).toFixed(3).padStart(7)} ${(cpu(on) / cpu(off)).toFixed(3).padStart(7)}`,
  );
}
console.log(
  `load average at end: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
