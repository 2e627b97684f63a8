import type { RateDecision, RateLimit, RateLimiter } from './limiter.js';

interface Window {
  count: number;
  resetAt: number;
}

/** A rate limiter for one process; windows are swept once they end. */
export function createMemoryRateLimiter(rate: RateLimit): RateLimiter {
  const windows = new Map<string, Window>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
    },
    Math.max(rate.windowMs, 1000),
  );
  sweep.unref();
  return {
    async hit(key: string): Promise<RateDecision> {
      const now = Date.now();
      let window = windows.get(key);
      if (window === undefined || window.resetAt <= now) {
        window = { count: 0, resetAt: now + rate.windowMs };
        windows.set(key, window);
      }
      window.count++;
      const retryAfterSeconds = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
      return { allowed: window.count <= rate.limit, retryAfterSeconds };
    },
    async close(): Promise<void> {
      clearInterval(sweep);
      windows.clear();
    },
  };
}
