import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('./upstream-server.js', import.meta.url));

/** Upstream servers running in a child process, so client and servers do not share an event loop. */
export interface UpstreamProcess {
  child: ChildProcess;
  ports: number[];
  urls: string[];
  /** SIGKILLs the child and resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts one child process listening on `ports` (0 = ephemeral); resolves when all listen. */
export function spawnUpstreams(ports: number[]): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, [serverScript, ports.join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('upstream child did not start within 10 s'));
    }, 10_000);
    child.once('exit', (code) => reject(new Error(`upstream child exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      const listening = (JSON.parse(out.slice(0, newline)) as { ports: number[] }).ports;
      child.removeAllListeners('exit');
      resolve({
        child,
        ports: listening,
        urls: listening.map((p) => `http://127.0.0.1:${p}`),
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

/** What an in-process test upstream does with the next request. */
export type Behaviour = 'ok' | 'error-500' | 'hang' | 'destroy' | 'slow';

/** An in-process upstream whose behaviour a test can switch at any time. */
export interface TestUpstream {
  url: string;
  port: number;
  behaviour: Behaviour;
  /** Status of `GET /health`. */
  healthStatus: number;
  /** Requests received (health checks excluded). */
  received: number;
  /** `host` header of the latest request. */
  lastHostHeader: string | undefined;
  /** Lets every `slow` request waiting so far finish. */
  release(): void;
  close(): Promise<void>;
}

export async function startUpstream(name: string, behaviour: Behaviour = 'ok'): Promise<TestUpstream> {
  let waiting: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.statusCode = upstream.healthStatus;
      res.end(String(upstream.healthStatus));
      return;
    }
    upstream.received++;
    upstream.lastHostHeader = req.headers.host;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = () => res.end(`${name}:${Buffer.concat(chunks).toString()}`);
      switch (upstream.behaviour) {
        case 'ok':
          return reply();
        case 'error-500':
          res.statusCode = 500;
          return res.end('failing');
        case 'hang':
          return;
        case 'destroy':
          return req.socket.destroy();
        case 'slow':
          waiting.push(reply);
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const upstream: TestUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    behaviour,
    healthStatus: 200,
    received: 0,
    lastHostHeader: undefined,
    release() {
      const replies = waiting;
      waiting = [];
      for (const reply of replies) reply();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

/** A URL nothing listens on: a port that was just bound and released. */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
