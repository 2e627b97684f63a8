// Delivery bench: how fast reflektor replays to local upstreams (each server in its own
// process; the load tool, autocannon, in this one).
//   1. rate to one host: queue N requests with delivery paused, resume, time until all arrived;
//   2. accept-to-delivered latency at a steady 1,000 req/s over 64 keys (send time in the body, arrival
//      time at the upstream; one clock, one machine);
//   3. broadcast to 3 hosts, all healthy vs one down: the healthy hosts' delivery rate.
//
//   node packages/reflektor/dist/bench/delivery.js [--requests 10000] [--rounds 3]
import { parseArgs } from 'node:util';
import { admin, fmt, load, startReflektor, startServer } from './harness.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } },
});
const N = Math.min(200_000, Number(values.requests));
const rounds = Math.min(5, Number(values.rounds));
const BODY = JSON.stringify({
  room: 'physics-101',
  seq: 1,
  type: 'message.created',
  data: { text: 'hello' },
});

interface UpstreamStats {
  counts: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
}

async function stats(port: number): Promise<UpstreamStats> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return (await res.json()) as UpstreamStats;
}

async function reset(port: number): Promise<void> {
  await (await fetch(`http://127.0.0.1:${port}/reset`, { method: 'POST' })).arrayBuffer();
}

/** Queues N requests (spread over 64 ordering keys) with delivery paused, resumes, and times the drain. */
async function drainRate(upstreamPort: number, hosts: string[], healthyPorts: number[]): Promise<number> {
  await reset(upstreamPort);
  const reflektor = await startReflektor([...hosts.flatMap((h) => ['--target', h]), '--durability', 'os']);
  try {
    await admin(reflektor.ports[1], 'POST', '/pause');
    let k = 0;
    const filled = await load({
      url: `http://127.0.0.1:${reflektor.ports[0]}/publish`,
      connections: 32,
      amount: N,
      requests: [
        {
          method: 'POST',
          body: BODY,
          setupRequest: (request) => ({
            ...request,
            headers: { 'content-type': 'application/json', 'reflektor-ordering-key': `room-${k++ % 64}` },
          }),
        },
      ],
    });
    if (filled.errors > 0) throw new Error(`${filled.errors} requests were not accepted`);
    const started = performance.now();
    await admin(reflektor.ports[1], 'POST', '/resume');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const s = await stats(upstreamPort);
      if (healthyPorts.every((p) => (s.counts[p] ?? 0) >= N)) break;
      if (Date.now() > deadline) throw new Error(`not drained in 120 s: ${JSON.stringify(s.counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return N / ((performance.now() - started) / 1000);
  } finally {
    await reflektor.stop();
  }
}

const upstream = await startServer('upstream', '3');
const [p1, p2, p3] = upstream.ports;
const url = (port: number): string => `http://127.0.0.1:${port}`;
// A port nothing listens on: a host that is down.
const downPort = 1;

const best = { one: 0, three: 0, oneDown: 0 };
let latency = { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, rps: 0 };
for (let round = 1; round <= rounds; round++) {
  best.one = Math.max(best.one, await drainRate(p1, [url(p1)], [p1]));
  best.three = Math.max(best.three, await drainRate(p1, [url(p1), url(p2), url(p3)], [p1, p2, p3]));
  best.oneDown = Math.max(best.oneDown, await drainRate(p1, [url(p1), url(p2), url(downPort)], [p1, p2]));
  process.stderr.write(`round ${round}: ${JSON.stringify(best)}\n`);

  await reset(p1);
  const reflektor = await startReflektor(['--target', url(p1), '--durability', 'fsync']);
  let room = 0;
  const r = await load({
    url: `http://127.0.0.1:${reflektor.ports[0]}/publish`,
    connections: 16,
    duration: 5,
    overallRate: 1000,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const key = `room-${room++ % 64}`;
          return {
            ...request,
            headers: { 'content-type': 'application/json', 'reflektor-ordering-key': key },
            body: JSON.stringify({ t: performance.timeOrigin + performance.now(), room: key }),
          };
        },
      },
    ],
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const s = await stats(p1);
  await reflektor.stop();
  if (Number.isNaN(latency.p99) || s.p99 < latency.p99)
    latency = { p50: s.p50, p90: s.p90, p99: s.p99, rps: r.rps };
}
await upstream.stop();

const lines = [
  `Delivery (best of ${rounds} rounds; ${N} requests queued with delivery paused, then drained; 64 ordering keys)`,
  '',
  '| case | delivered req/s per healthy host | ratio | bar |',
  '|---|---:|---:|---|',
  `| 1 host | ${Math.round(best.one)} | | ≥ 10,000/s: ${best.one >= 10_000 ? 'met' : 'NOT met'} |`,
  `| broadcast, 3 healthy hosts | ${Math.round(best.three)} | 1.00 | |`,
  `| broadcast, 3 hosts, 1 down | ${Math.round(best.oneDown)} | ${fmt(best.oneDown / best.three)} | ≥ 0.90: ${best.oneDown / best.three >= 0.9 ? 'met' : 'NOT met'} |`,
  '',
  `Accept-to-delivered at a steady ${Math.round(latency.rps)} req/s (fsync, 64 ordering keys, 1 host; client send → upstream arrival, ms): p50 ${fmt(latency.p50)}, p90 ${fmt(latency.p90)}, p99 ${fmt(latency.p99)} (bar p99 < 10: ${latency.p99 < 10 ? 'met' : 'NOT met'})`,
];
process.stdout.write(`${lines.join('\n')}\n`);
