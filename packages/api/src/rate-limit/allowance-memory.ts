import { ALLOWED, type Allowance, type AllowanceDecision, type AllowanceLimiter } from './allowance.js';

const SWEEP_MS = 10_000;

/** Allowances counted in this process's memory; keys whose bucket is full again are swept. */
export function createMemoryAllowanceLimiter(now: () => number = Date.now): AllowanceLimiter {
  /** key → theoretical arrival time (ms): the bucket is full again at this time. */
  const arrivals = new Map<string, number>();
  const sweep = setInterval(() => {
    const at = now();
    for (const [key, tat] of arrivals) if (tat <= at) arrivals.delete(key);
  }, SWEEP_MS);
  sweep.unref();
  const next: number[] = [];
  return {
    async take(allowances: readonly Allowance[]): Promise<AllowanceDecision> {
      const at = now();
      let worst = 0;
      let refusedBy = -1;
      for (let i = 0; i < allowances.length; i++) {
        const { key, burst, intervalMs } = allowances[i];
        const tat = Math.max(arrivals.get(key) ?? at, at) + intervalMs;
        const wait = tat - burst * intervalMs - at;
        if (wait > worst) {
          worst = wait;
          refusedBy = i;
        }
        next[i] = tat;
      }
      if (refusedBy >= 0) return { allowed: false, retryAfterMs: worst, refusedBy };
      for (let i = 0; i < allowances.length; i++) arrivals.set(allowances[i].key, next[i]);
      return ALLOWED;
    },
    async close(): Promise<void> {
      clearInterval(sweep);
      arrivals.clear();
    },
  };
}
