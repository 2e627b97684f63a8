// ns per recorded latency: LatencyHistogram against hdr-histogram-js and prom-client's Histogram,
// the peers a Node.js service would otherwise use, interleaved in one process and one run.
//
//   npm run build && flock /tmp/backchannel-bench.lock node packages/stats/dist/bench/record.js
import * as hdr from 'hdr-histogram-js';
import { Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from '../src/index.js';

const VALUES = 1 << 20;
const RECORDS = 5_000_000;
const ROUNDS = 7;

// Log-normal latencies around 2 ms with a long tail, drawn once so every peer records the same.
const values = new Float64Array(VALUES);
let seed = 12345;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed + 1) / 0x80000001;
};
for (let i = 0; i < VALUES; i++) {
  const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  values[i] = Math.exp(Math.log(2) + 0.9 * normal);
}
const micros = Int32Array.from(values, (ms) => Math.max(1, Math.round(ms * 1000)));

interface Peer {
  name: string;
  record(n: number): void;
}

const sketch = new LatencyHistogram();
const hdrHistogram = hdr.build({ numberOfSignificantValueDigits: 2, highestTrackableValue: 3_600_000_000 });
const prom = new Histogram({
  name: 'bench_seconds',
  help: 'bench',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [new Registry()],
});

const peers: Peer[] = [
  {
    name: '@backchannel/stats LatencyHistogram (1% relative)',
    record(n) {
      for (let i = 0; i < n; i++) sketch.record(values[i & (VALUES - 1)]);
    },
  },
  {
    name: 'hdr-histogram-js (2 significant digits, µs)',
    record(n) {
      for (let i = 0; i < n; i++) hdrHistogram.recordValue(micros[i & (VALUES - 1)]);
    },
  },
  {
    name: 'prom-client Histogram (12 buckets, no labels)',
    record(n) {
      for (let i = 0; i < n; i++) prom.observe(values[i & (VALUES - 1)] / 1000);
    },
  },
];

const results = new Map<string, number[]>(peers.map((peer) => [peer.name, []]));
for (const peer of peers) peer.record(200_000); // warm up every path before measuring
for (let round = 0; round < ROUNDS; round++) {
  for (const peer of peers) {
    const started = process.hrtime.bigint();
    peer.record(RECORDS);
    const ns = Number(process.hrtime.bigint() - started) / RECORDS;
    results.get(peer.name)!.push(ns);
  }
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const ours = median(results.get(peers[0].name)!);
console.log(`${RECORDS.toLocaleString()} records per round, ${ROUNDS} rounds, median ns/record`);
for (const [name, list] of results) {
  const ns = median(list);
  console.log(`${name.padEnd(52)} ${ns.toFixed(1).padStart(6)} ns   ${(ns / ours).toFixed(2)}x ours`);
}
// Keep the work observable so it cannot be optimised away.
console.log(
  `p99: sketch ${sketch.quantile(0.99)?.toFixed(3)} ms, hdr ${(hdrHistogram.getValueAtPercentile(99) / 1000).toFixed(3)} ms`,
);
