// Ingest bench: reflektor (fsync) against a bare node:http server and node:http + BullMQ
// queue.add, same load tool (autocannon, in this process), each server in its own process;
// then ingest latency at 5,000 requests/s with --durability os and fsync, next to the
// disk's own fdatasync latency measured in the same run.
//
//   node packages/reflektor/dist/bench/ingest.js [--seconds 5] [--rounds 2]
import { parseArgs } from 'node:util';
import {
  admin,
  type Child,
  fdatasyncProbe,
  fmt,
  load,
  percentile,
  startReflektor,
  startServer,
} from './harness.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Math.min(30, Number(values.seconds));
const rounds = Math.min(5, Number(values.rounds));
const BODY = JSON.stringify({
  room: 'physics-101',
  seq: 42,
  type: 'message.created',
  at: '2026-11-26T10:00:00.000Z',
  data: { id: 'm_1', author: 'ada', text: 'hello, this is a chat message of a typical length' },
});
const HEADERS = { 'content-type': 'application/json', 'reflektor-ordering-key': 'physics-101' };

async function throughput(child: Child, path: string): Promise<number> {
  const url = `http://127.0.0.1:${child.ports[0]}${path}`;
  await load({ url, connections: 64, duration: 1, method: 'POST', headers: HEADERS, body: BODY }); // warm-up
  const result = await load({
    url,
    connections: 64,
    duration: seconds,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
  });
  if (result.errors > 0) process.stderr.write(`  (${result.errors} errors/non-2xx)\n`);
  return result.rps;
}

const upstream = await startServer('upstream', '1');
const target = `http://127.0.0.1:${upstream.ports[0]}`;
const best: Record<string, number> = { bare: 0, bullmq: 0, reflektor: 0, reflektorDelivering: 0 };

for (let round = 1; round <= rounds; round++) {
  for (const name of ['bare', 'bullmq', 'reflektor', 'reflektorDelivering'] as const) {
    let child: Child;
    if (name === 'bare' || name === 'bullmq') child = await startServer(name);
    else {
      child = await startReflektor(['--target', target, '--durability', 'fsync']);
      // BullMQ runs no worker here; pausing delivery makes reflektor's row the same job (accept + persist).
      if (name === 'reflektor') await admin(child.ports[1], 'POST', '/pause');
    }
    const rps = await throughput(child, '/publish');
    await child.stop();
    best[name] = Math.max(best[name], rps);
    process.stderr.write(`round ${round} ${name}: ${Math.round(rps)} req/s\n`);
  }
}

const probe = fdatasyncProbe(1000);
const latency: Record<string, { p50: number; p90: number; p99: number; rps: number }> = {};
for (const durability of ['os', 'fsync']) {
  const child = await startReflektor(['--target', target, '--durability', durability]);
  const url = `http://127.0.0.1:${child.ports[0]}/publish`;
  await load({
    url,
    connections: 32,
    duration: 1,
    overallRate: 5000,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
  });
  const r = await load({
    url,
    connections: 32,
    duration: seconds,
    overallRate: 5000,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
  });
  latency[durability] = {
    p50: percentile(r.latencies, 0.5),
    p90: percentile(r.latencies, 0.9),
    p99: percentile(r.latencies, 0.99),
    rps: r.rps,
  };
  await child.stop();
}
const probeAfter = fdatasyncProbe(1000);
await upstream.stop();

const rows = [
  ['bare node:http (read body, 202)', best.bare, 1],
  ['node:http + BullMQ queue.add', best.bullmq, best.bullmq / best.bare],
  ['reflektor, fsync, delivery paused', best.reflektor, best.reflektor / best.bare],
  ['reflektor, fsync, delivering to 1 host', best.reflektorDelivering, best.reflektorDelivering / best.bare],
] as const;
const lines: string[] = [];
lines.push(
  `Ingest throughput: autocannon, 64 connections, ${seconds} s, best of ${rounds} interleaved rounds`,
);
lines.push('');
lines.push('| server | req/s | × bare | × BullMQ |');
lines.push('|---|---:|---:|---:|');
for (const [name, rps, ratio] of rows) {
  lines.push(`| ${name} | ${Math.round(rps)} | ${fmt(ratio)} | ${fmt(rps / best.bullmq)} |`);
}
lines.push('');
lines.push(
  `Ingest latency at 5,000 req/s (autocannon overallRate, 32 connections, ${seconds} s; client-side, ms)`,
);
lines.push('');
lines.push('| | achieved req/s | p50 | p90 | p99 | bar |');
lines.push('|---|---:|---:|---:|---:|---|');
const os = latency.os;
const fs = latency.fsync;
const disk = { p90: Math.max(probe.p90, probeAfter.p90), p99: Math.max(probe.p99, probeAfter.p99) };
lines.push(
  `| reflektor --durability os | ${Math.round(os.rps)} | ${fmt(os.p50)} | ${fmt(os.p90)} | ${fmt(os.p99)} | p90 < 1, p99 < 3: ${os.p90 < 1 && os.p99 < 3 ? 'met' : 'NOT met'} |`,
);
lines.push(
  `| reflektor --durability fsync | ${Math.round(fs.rps)} | ${fmt(fs.p50)} | ${fmt(fs.p90)} | ${fmt(fs.p99)} | p90 ≤ ${fmt(disk.p90 + 1)}, p99 ≤ ${fmt(disk.p99 + 1)}: ${fs.p90 <= disk.p90 + 1 && fs.p99 <= disk.p99 + 1 ? 'met' : 'NOT met'} |`,
);
lines.push(
  `| disk fdatasync probe (200-byte appends, before / after) | | ${fmt(probe.p50)} / ${fmt(probeAfter.p50)} | ${fmt(probe.p90)} / ${fmt(probeAfter.p90)} | ${fmt(probe.p99)} / ${fmt(probeAfter.p99)} | |`,
);
process.stdout.write(`${lines.join('\n')}\n`);
