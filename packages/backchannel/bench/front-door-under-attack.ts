// How long a normal request takes through the front door while one machine attacks it with
// 300 slow uploads and 2,000 open event streams: backchannel's origin beside nginx proxying
// the same api and ekg, in the same run.
//
//   npm run build && flock /tmp/backchannel-bench.lock node packages/backchannel/dist/bench/front-door-under-attack.js
//
// Env: SLOW_UPLOADS (300), STREAMS (2000), SAMPLES (500), ROUNDS (2: each round measures both
// fronts, in alternating order, so drift in the machine's load does not favour either),
// NGINX (/usr/sbin/nginx).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { readStackConfig } from '../src/config.js';
import { freePorts } from '../src/port-check.js';
import { startStack } from '../src/stack.js';

const slowUploads = Number(process.env.SLOW_UPLOADS ?? 300);
const streams = Number(process.env.STREAMS ?? 2000);
const samples = Number(process.env.SAMPLES ?? 500);
const rounds = Number(process.env.ROUNDS ?? 2);
const nginxBinary = process.env.NGINX ?? '/usr/sbin/nginx';
// ekg allows 1,000 streams per address: the viewers come from several loopback addresses,
// as a school's would from several machines (one NAT would meet that limit).
const viewerAddresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

function connect(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Opens the attack: unfinished uploads, then event streams that stay open; resolves with their sockets. */
async function attack(port: number): Promise<{ sockets: net.Socket[]; streamsOpen: number }> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < slowUploads; i++) {
    const socket = await connect(port);
    socket.on('error', () => {});
    socket.write(
      `POST /api/rooms/bench/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"`,
    );
    sockets.push(socket);
  }
  let streamsOpen = 0;
  const opened: Promise<void>[] = [];
  for (let i = 0; i < streams; i++) {
    const socket = await connect(port, viewerAddresses[i % viewerAddresses.length]);
    socket.on('error', () => {});
    opened.push(
      new Promise<void>((resolve) => {
        socket.once('data', (chunk) => {
          if (chunk.toString('latin1').startsWith('HTTP/1.1 200')) streamsOpen++;
          resolve();
        });
        setTimeout(resolve, 10_000).unref();
      }),
    );
    socket.write(
      `GET /rooms/bench/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    sockets.push(socket);
  }
  await Promise.all(opened);
  return { sockets, streamsOpen };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `samples` sequential GETs of a room through `port`; latencies in ms, and how many failed. */
async function measure(port: number): Promise<{ p50: number; p99: number; max: number; failed: number }> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1, headersTimeout: 5000 });
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < samples + 50; i++) {
    const start = performance.now();
    try {
      const response = await pool.request({ path: '/api/rooms/bench', method: 'GET' });
      await response.body.text();
      if (response.statusCode !== 200) failed++;
    } catch {
      failed++;
    }
    if (i >= 50) times.push(performance.now() - start);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1) ?? Number.NaN, failed };
}

function nginxConfig(dir: string, port: number, apiPort: number, ekgPort: number): string {
  return `
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 16000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_header_timeout 10s;
  client_body_timeout 30s;
  upstream api { server 127.0.0.1:${apiPort}; keepalive 64; }
  upstream ekg { server 127.0.0.1:${ekgPort}; }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location ~ ^/rooms/[^/]+/events$ {
      proxy_pass http://ekg;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
    location / { proxy_pass http://api; }
  }
}
`;
}

async function startNginx(dir: string, port: number, apiPort: number, ekgPort: number): Promise<() => void> {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, apiPort, ekgPort));
  const child = spawn(nginxBinary, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) {
    try {
      (await connect(port)).destroy();
      return () => child.kill('SIGTERM');
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port}; see ${dir}/error.log`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'front-door-bench-'));
  const [port, api, reflektor, admin, ekg, nginxPort] = await freePorts(6);
  const config = readStackConfig(
    [
      `--port=${port}`,
      `--api-port=${api}`,
      `--reflektor-port=${reflektor}`,
      `--reflektor-admin-port=${admin}`,
      `--ekg-port=${ekg}`,
      '--host=127.0.0.1',
      `--data-dir=${join(dir, 'data')}`,
      '--log-level=error',
    ],
    {},
  );
  const stack = await startStack(config);
  const stopNginx = await startNginx(dir, nginxPort as number, api as number, ekg as number);
  try {
    const created = await fetch(`${stack.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (created.status !== 201) throw new Error(`creating the room: ${created.status}`);
    const rows: string[] = [];
    const fronts = [
      ['backchannel origin', port as number],
      ['nginx', nginxPort as number],
    ] as const;
    const order = Array.from({ length: rounds }, (_, round) =>
      round % 2 === 0 ? fronts : [...fronts].reverse(),
    ).flat();
    for (const [name, frontPort] of order) {
      const quiet = await measure(frontPort);
      const { sockets, streamsOpen } = await attack(frontPort);
      const attacked = await measure(frontPort);
      const load = loadavg()[0]?.toFixed(2);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rows.push(
        `| ${name.padEnd(18)} | ${quiet.p50.toFixed(2)} / ${quiet.p99.toFixed(2)} | ${attacked.p50.toFixed(2)} / ${attacked.p99.toFixed(2)} | ${attacked.max.toFixed(1)} | ${attacked.failed} | ${streamsOpen}/${streams} | ${load} |`,
      );
    }
    console.log(
      `\n${slowUploads} slow uploads + ${streams} open event streams; ${samples} sequential GET /api/rooms/bench per row (ms)\n`,
    );
    console.log(
      '| front door         | quiet p50 / p99 | attacked p50 / p99 | attacked max | failed | streams open | load (1 min) |',
    );
    console.log(
      '| ------------------ | --------------- | ------------------ | ------------ | ------ | ------------ | ------------ |',
    );
    for (const row of rows) console.log(row);
  } finally {
    stopNginx();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
