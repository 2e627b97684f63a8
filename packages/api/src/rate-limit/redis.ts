import type { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './limiter.js';

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
export function createRedisRateLimiter(redis: Redis, rate: RateLimit, prefix: string): RateLimiter {
  return {
    async hit(key: string): Promise<RateDecision> {
      const [count, ttl] = (await redis.eval(HIT, 1, `${prefix}${key}`, String(rate.windowMs))) as [
        number,
        number,
      ];
      const retryAfterSeconds = Math.max(1, Math.ceil((ttl > 0 ? ttl : rate.windowMs) / 1000));
      return { allowed: count <= rate.limit, retryAfterSeconds };
    },
    async close(): Promise<void> {},
  };
}
