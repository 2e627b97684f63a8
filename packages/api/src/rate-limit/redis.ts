import type { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './limiter.js';
import { countWithFallback, type RedisFallbackOptions } from './redis-fallback.js';

// Count the hit and start the window on the first one, atomically.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}
`;

/**
 * A rate limiter shared by every api process using the same Redis and key prefix.
 * The caller owns the Redis connection (closing this limiter leaves it open).
 */
export function createRedisRateLimiter(
  redis: Redis,
  rate: RateLimit,
  prefix: string,
  options: RedisFallbackOptions<RateLimiter> = {},
): RateLimiter {
  const count = async (key: string): Promise<RateDecision> => {
    const [hits, ttl] = (await redis.eval(HIT, 1, `${prefix}${key}`, String(rate.windowMs))) as [
      number,
      number,
    ];
    const retryAfterSeconds = Math.max(1, Math.ceil((ttl > 0 ? ttl : rate.windowMs) / 1000));
    return { allowed: hits <= rate.limit, retryAfterSeconds };
  };
  return {
    hit(key: string): Promise<RateDecision> {
      return countWithFallback(
        options,
        () => count(key),
        (fallback) => fallback.hit(key),
      );
    },
    async close(): Promise<void> {
      await options.fallback?.close();
    },
  };
}
