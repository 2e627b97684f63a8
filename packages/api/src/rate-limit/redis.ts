import type { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './limiter.js';

// Count the hit and start the window on the first one, atomically.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}
`;

export interface RedisRateLimiterOptions {
  /**
   * Counts while Redis does not answer (down, restarting, too slow): limits then hold per
   * api process instead of across all of them, and posting keeps working. Default: none
   * (a Redis error is thrown to the caller).
   */
  fallback?: RateLimiter;
  /** How long to wait for Redis before using the fallback, ms. Default 250. */
  timeoutMs?: number;
  /** Told about each hit that Redis could not count (for a log line or a metric). */
  onUnavailable?: (error: unknown) => void;
}

class RedisTimeout extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A rate limiter shared by every api process using the same Redis and key prefix.
 * The caller owns the Redis connection (closing this limiter leaves it open).
 */
export function createRedisRateLimiter(
  redis: Redis,
  rate: RateLimit,
  prefix: string,
  options: RedisRateLimiterOptions = {},
): RateLimiter {
  const timeoutMs = options.timeoutMs ?? 250;
  const count = async (key: string): Promise<RateDecision> => {
    const [hits, ttl] = (await redis.eval(HIT, 1, `${prefix}${key}`, String(rate.windowMs))) as [
      number,
      number,
    ];
    const retryAfterSeconds = Math.max(1, Math.ceil((ttl > 0 ? ttl : rate.windowMs) / 1000));
    return { allowed: hits <= rate.limit, retryAfterSeconds };
  };
  return {
    async hit(key: string): Promise<RateDecision> {
      const { fallback } = options;
      if (!fallback) return count(key);
      try {
        return await withTimeout(count(key), timeoutMs);
      } catch (error) {
        options.onUnavailable?.(error);
        return fallback.hit(key);
      }
    },
    async close(): Promise<void> {
      await options.fallback?.close();
    },
  };
}
