import { performance } from 'node:perf_hooks';
import { HostPool, type HostStateChange } from '../../src/index.js';
import { spawnUpstreams, type UpstreamProcess } from './upstreams.js';

export interface FailoverOptions {
  /** How long the load runs (ms). */
  durationMs: number;
  concurrency: number;
  /** Active health-check interval (ms): the restarted host must be back within one. */
  probeInterval: number;
  /** When the victim is killed, from the start (ms). */
  killAtMs: number;
  /** How long the victim stays down (ms). */
  downForMs: number;
  /** Upper bound on requests sent. */
  maxRequests: number;
}

export interface FailoverReport {
  requests: number;
  failed: number;
  firstFailures: string[];
  /** ms from the kill until the victim was ejected, or null. */
  ejectedAfterMs: number | null;
  /** ms from the restarted process listening until the victim was healthy again, or null. */
  backAfterMs: number | null;
  /** Requests the victim answered after it came back. */
  servedAfterBack: number;
  changes: string[];
}

/**
 * Three upstream processes behind a balance pool with health checks; idempotent GETs at
 * `concurrency` while one upstream is SIGKILLed and restarted on the same port.
 */
export async function runFailover(options: FailoverOptions): Promise<FailoverReport> {
  const upstreams: UpstreamProcess[] = await Promise.all([0, 1, 2].map(() => spawnUpstreams([0])));
  const urls = upstreams.map((u) => u.urls[0]);
  const victimUrl = urls[1];
  const pool = new HostPool({
    hosts: urls,
    connections: 8,
    healthCheck: { interval: options.probeInterval, timeout: Math.min(1000, options.probeInterval) },
    outlierDetection: { consecutiveFailures: 3 },
  });
  const start = performance.now();
  const changes: string[] = [];
  let killedAt = 0;
  let restartedAt = 0;
  let ejectedAt = 0;
  let backAt = 0;
  let servedAfterBack = 0;
  pool.on('hostStateChange', (c: HostStateChange) => {
    const now = performance.now();
    changes.push(
      `${Math.round(now - start)} ms ${c.host === victimUrl ? 'victim' : c.host} ${c.from}→${c.to} (${c.reason})`,
    );
    if (c.host !== victimUrl) return;
    if (c.to === 'ejected' && ejectedAt === 0 && killedAt > 0) ejectedAt = now;
    if (c.to === 'healthy' && restartedAt > 0 && backAt === 0) backAt = now;
  });

  let sent = 0;
  let failed = 0;
  const firstFailures: string[] = [];
  const deadline = start + options.durationMs;
  const worker = async (): Promise<void> => {
    while (sent < options.maxRequests && performance.now() < deadline) {
      sent++;
      try {
        const res = await pool.request({ path: `/item/${sent}` });
        if (backAt > 0 && res.host === victimUrl) servedAfterBack++;
      } catch (error) {
        failed++;
        if (firstFailures.length < 5)
          firstFailures.push(`${(error as { code?: string }).code}: ${(error as Error).message}`);
      }
    }
  };

  const chaos = (async () => {
    await sleep(options.killAtMs);
    killedAt = performance.now();
    await upstreams[1].kill();
    await sleep(options.downForMs);
    upstreams[1] = await spawnUpstreams([upstreams[1].ports[0]]);
    restartedAt = performance.now();
  })();

  try {
    await Promise.all([...Array.from({ length: options.concurrency }, worker), chaos]);
    // If the load ended first, keep waiting (bounded) for the victim to come back.
    const waitUntil = performance.now() + options.probeInterval * 3;
    while (backAt === 0 && performance.now() < waitUntil) await sleep(10);
  } finally {
    await pool.close();
    await Promise.all(upstreams.map((u) => u.kill()));
  }
  return {
    requests: sent,
    failed,
    firstFailures,
    ejectedAfterMs: ejectedAt === 0 ? null : Math.round(ejectedAt - killedAt),
    backAfterMs: backAt === 0 ? null : Math.round(backAt - restartedAt),
    servedAfterBack,
    changes,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
