// 200,000 small POSTs at concurrency 64 spread over two local upstreams (node:http servers
// in a child process), through:
//   - HostPool (balance p2c, outlier detection and active health checks on)
//   - undici BalancedPool (the peer)
//   - node http.Agent with keep-alive, round-robin over the two hosts (the other peer)
//   - two undici Pools picked round-robin, no health at all (the floor: raw undici)
// Every client reads each response body in full. Prints a table with ratios.
//
//   node packages/hostpool/dist/bench/throughput.js [--requests 200000] [--concurrency 64]
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BalancedPool, Pool } from 'undici';
import { HostPool } from '../src/index.js';
import { spawnUpstreams } from '../test/support/upstreams.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '64' },
    'max-seconds': { type: 'string', default: '40' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const maxMs = Number(values['max-seconds']) * 1000;
const connectionsPerHost = concurrency / 2;
const body = JSON.stringify({ room: 'physics-101', seq: 42, type: 'message.created', data: { text: 'hi' } });
const headers = { 'content-type': 'application/json' };

type Send = () => Promise<void>;

interface Result {
  name: string;
  done: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function run(name: string, send: Send, count: number): Promise<Result> {
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + maxMs;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      await send();
      latencies[i] = performance.now() - t;
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const sorted = latencies.subarray(0, done).sort();
  return {
    name,
    done,
    seconds,
    perSecond: done / seconds,
    p50: sorted[Math.floor(done * 0.5)],
    p99: sorted[Math.floor(done * 0.99)],
  };
}

const upstreams = await spawnUpstreams([0, 0]);
const [urlA, urlB] = upstreams.urls;

const hostPool = new HostPool({
  hosts: upstreams.urls,
  connections: connectionsPerHost,
  healthCheck: { interval: 1000 },
});
const hostPoolSend: Send = async () => {
  const res = await hostPool.request({ method: 'POST', path: '/publish', headers, body });
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
};

const balanced = new BalancedPool(upstreams.urls, { connections: connectionsPerHost });
const balancedSend: Send = async () => {
  const res = await balanced.request({ method: 'POST', path: '/publish', headers, body });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
};

const agent = new http.Agent({ keepAlive: true, maxSockets: connectionsPerHost });
const agentTargets = upstreams.ports;
let agentTurn = 0;
const agentSend: Send = () =>
  new Promise((resolve, reject) => {
    agentTurn = (agentTurn + 1) % 2;
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: agentTargets[agentTurn],
        method: 'POST',
        path: '/publish',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          Buffer.concat(chunks);
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          else resolve();
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const pools = [
  new Pool(urlA, { connections: connectionsPerHost }),
  new Pool(urlB, { connections: connectionsPerHost }),
];
let poolTurn = 0;
const rawSend: Send = async () => {
  poolTurn = (poolTurn + 1) % 2;
  const res = await pools[poolTurn].request({ method: 'POST', path: '/publish', headers, body });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
};

const clients: [string, Send][] = [
  ['HostPool (p2c, outlier + health checks)', hostPoolSend],
  ['undici BalancedPool', balancedSend],
  ['node http.Agent keep-alive', agentSend],
  ['undici Pool ×2 round-robin (no health)', rawSend],
];

try {
  // Warm up connections and JIT for every client before measuring.
  for (const [name, send] of clients) await run(name, send, Math.min(5000, total));
  const results: Result[] = [];
  for (const [name, send] of clients) {
    results.push(await run(name, send, total));
  }
  const reference = results[1].perSecond;
  const lines = [
    `${total} POSTs (${Buffer.byteLength(body)} B), concurrency ${concurrency}, 2 upstreams × ${connectionsPerHost} connections, Node ${process.version}`,
    '',
    '| client | requests | req/s | p50 ms | p99 ms | vs BalancedPool |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.done} | ${Math.round(r.perSecond)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.perSecond / reference).toFixed(2)}× |`,
    ),
  ];
  const hostPoolVsAgent = results[0].perSecond / results[2].perSecond;
  lines.push('', `HostPool vs http.Agent: ${hostPoolVsAgent.toFixed(2)}×`);
  lines.push(
    `hosts: ${hostPool
      .hosts()
      .map((h) => `${h.url} ${h.state} ${h.requests} req`)
      .join(', ')}`,
  );
  console.log(lines.join('\n'));
} finally {
  await Promise.all([hostPool.close(), balanced.close(), ...pools.map((p) => p.close())]);
  agent.destroy();
  await upstreams.kill();
}
