// Shared pieces of the reflektor benches: child processes, the load tool, percentiles.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

export interface Child {
  process: ChildProcess;
  ports: number[];
  stop(): Promise<void>;
}

function waitForLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" from child:\n${text}`)), 20_000);
    child[stream]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code}:\n${text}`)));
  });
}

/** Every child a bench started: killed when the bench exits, even by an error, so none outlives it. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** Starts a peer or upstream from servers.js. */
export async function startServer(role: string, ...args: string[]): Promise<Child> {
  const child = track(
    spawn(process.execPath, [here('./servers.js'), role, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const match = await waitForLine(child, 'stdout', /ready ([\d ]+)\n/);
  return { process: child, ports: match[1].trim().split(' ').map(Number), stop: stopper(child) };
}

/** Starts the reflektor CLI with a fresh data directory; `ports` = [ingest, admin]. */
export async function startReflektor(args: string[]): Promise<Child & { data: string }> {
  const data = mkdtempSync(join(tmpdir(), 'reflektor-bench-'));
  const child = track(
    spawn(
      process.execPath,
      [here('../src/cli.js'), '--port', '0', '--admin-port', '0', '--data-dir', data, ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_FORMAT: 'text', LOG_LEVEL: 'info' },
      },
    ),
  );
  const match = await waitForLine(child, 'stderr', /reflektor started port=(\d+) adminPort=(\d+)/);
  const stop = stopper(child);
  return {
    process: child,
    ports: [Number(match[1]), Number(match[2])],
    data,
    stop: async () => {
      await stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  rps: number;
  total: number;
  errors: number;
  /** Client-side latencies of 2xx answers in ms (exact, from autocannon's response events). */
  latencies: number[];
}

/** Runs autocannon (the one load tool for every contender) and keeps exact per-response latencies. */
export async function load(options: autocannon.Options): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon(options);
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const ok = result.requests.total - result.non2xx;
  return {
    rps: ok / result.duration,
    total: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    latencies,
  };
}

/**
 * A steady `rate` req/s for `seconds`, with autocannon. One autocannon instance starts every
 * connection's per-second quota timer at the same moment, so with `overallRate` the server sees
 * all connections fire their share back to back at the top of each second, then idle: bursts, not
 * a rate. Here `instances` one-connection autocannon instances start `1000 / instances` ms apart,
 * so their per-second bursts are spread evenly over the second, as independent clients would be.
 */
export async function pacedLoad(
  options: Omit<autocannon.Options, 'connections' | 'overallRate' | 'duration' | 'amount'>,
  rate: number,
  seconds: number,
  instances = Math.min(rate, 50),
): Promise<LoadResult> {
  const count = Math.max(1, Math.min(rate, Math.floor(instances)));
  const started = performance.now();
  const runs: Promise<LoadResult>[] = [];
  for (let i = 0; i < count; i++) {
    const share = Math.floor(rate / count) + (i < rate % count ? 1 : 0);
    const delay = (i * 1000) / count;
    runs.push(
      new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
        load({ ...options, connections: 1, overallRate: share, amount: share * seconds }),
      ),
    );
  }
  const results = await Promise.all(runs);
  // The last instance starts (count - 1) / count s after the first: leave that ramp out of the rate.
  const elapsed = (performance.now() - started) / 1000 - (count - 1) / count;
  const latencies = results.flatMap((r) => r.latencies);
  return {
    rps: latencies.length / elapsed,
    total: results.reduce((sum, r) => sum + r.total, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    latencies,
  };
}

/** CPU time (user + system, all threads) a child process has used so far, in ms, from /proc/PID/stat. */
export function cpuMs(child: Child): number {
  try {
    const stat = readFileSync(`/proc/${child.process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of proc(5)) in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The disk's own fdatasync latency for small appends, in ms: the floor of any fsync-durable write. */
export function fdatasyncProbe(iterations = 1000): { p50: number; p90: number; p99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-probe-'));
  const fd = openSync(join(dir, 'probe'), 'a');
  const chunk = Buffer.alloc(200, 120);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    writeSync(fd, chunk);
    const start = performance.now();
    fdatasyncSync(fd);
    samples.push(performance.now() - start);
  }
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { p50: percentile(samples, 0.5), p90: percentile(samples, 0.9), p99: percentile(samples, 0.99) };
}

export async function admin(port: number, method: string, path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}`);
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}
