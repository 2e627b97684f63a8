// 200,000 small POSTs at concurrency 64 spread over two local upstreams (node:http servers
// in a child process), through:
//   - HostPool (balance p2c, outlier detection and active health checks on)
//   - undici BalancedPool (the peer)
//   - node http.Agent with keep-alive, round-robin over the two hosts (the other peer)
//   - two undici Pools picked round-robin, no health at all (the floor: raw undici)
// Every client reads each response body in full. Each client's requests are split into
// rounds, and the clients take turns round by round (in rotating order), so a burst of load
// from other processes on the machine hits them all alike. Prints a table with ratios.
//
//   node packages/hostpool/dist/bench/throughput.js [--requests 200000] [--concurrency 64] [--rounds 20]
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
    rounds: { type: 'string', default: '20' },
    'max-seconds': { type: 'string', default: '40' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const maxMs = (Number(values['max-seconds']) * 1000) / rounds;
const connectionsPerHost = concurrency / 2;
const body = JSON.stringify({ room: 'physics-101', seq: 42, type: 'message.created', data: { text: 'hi' } });
const headers = { 'content-type': 'application/json' };

type Send = () => Promise<void>;

interface Result {
  name: string;
  done: number;
  seconds: number;
  /** Client process CPU time (user + system) spent in this client's rounds, µs. */
  cpuMicros: number;
  latencies: Float64Array;
}

/** Sends `count` requests at `concurrency` (bounded by time), adding to `result`. */
async function runRound(send: Send, count: number, result: Result): Promise<void> {
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const deadline = start + maxMs;
  const worker = async (): Promise<void> => {
    while (started < count && performance.now() < deadline) {
      started++;
      const t = performance.now();
      await send();
      result.latencies[result.done++] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.seconds += (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuMicros += cpu.user + cpu.system;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
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
  for (const [name, send] of clients) {
    await runRound(send, Math.min(5000, total), {
      name,
      done: 0,
      seconds: 0,
      cpuMicros: 0,
      latencies: new Float64Array(5000),
    });
  }
  const results: Result[] = clients.map(([name]) => ({
    name,
    done: 0,
    seconds: 0,
    cpuMicros: 0,
    latencies: new Float64Array(total),
  }));
  const perRound = Math.ceil(total / rounds);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < clients.length; k++) {
      const index = (round + k) % clients.length;
      const result = results[index];
      await runRound(clients[index][1], Math.min(perRound, total - result.done), result);
    }
  }
  const rate = (r: Result): number => r.done / r.seconds;
  const reference = rate(results[1]);
  const lines = [
    `${total} POSTs (${Buffer.byteLength(body)} B) per client in ${rounds} interleaved rounds, concurrency ${concurrency}, ` +
      `2 upstreams × ${connectionsPerHost} connections, Node ${process.version}`,
    '',
    '| client | requests | req/s | p50 ms | p99 ms | client CPU µs/req | req/s vs BalancedPool |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => {
      const sorted = r.latencies.subarray(0, r.done).sort();
      return `| ${r.name} | ${r.done} | ${Math.round(rate(r))} | ${percentile(sorted, 0.5).toFixed(2)} | ${percentile(sorted, 0.99).toFixed(2)} | ${(r.cpuMicros / r.done).toFixed(1)} | ${(rate(r) / reference).toFixed(2)}× |`;
    }),
  ];
  lines.push('', `HostPool vs http.Agent: ${(rate(results[0]) / rate(results[2])).toFixed(2)}×`);
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
