import type { Redis } from 'ioredis';
import { ALLOWED, type Allowance, type AllowanceDecision, type AllowanceLimiter } from './allowance.js';
import { countWithFallback, type RedisFallbackOptions } from './redis-fallback.js';

// Every allowance of one request, checked and taken in one atomic script on Redis's clock (so
// api processes on machines whose clocks differ agree). ARGV holds burst, interval per key.
// Keys expire when their bucket is full again. All keys of a call must live on one Redis node.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tats = {}
local worst = 0
local refused = 0
for i = 1, #KEYS do
  local burst = tonumber(ARGV[2 * i - 1])
  local interval = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tat = tat + interval
  local wait = tat - burst * interval - now
  if wait > worst then
    worst = wait
    refused = i
  end
  tats[i] = tat
end
if refused > 0 then return {0, worst, refused - 1} end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], tats[i], 'PX', tats[i] - now)
end
return {1, 0, -1}
`;

/**
 * Allowances shared by every api process using the same Redis and key prefix. The caller owns
 * the Redis connection (closing this limiter leaves it open).
 */
export function createRedisAllowanceLimiter(
  redis: Redis,
  prefix: string,
  options: RedisFallbackOptions<AllowanceLimiter> = {},
): AllowanceLimiter {
  redis.defineCommand('backchannelTakeAllowances', { lua: TAKE });
  const run = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<number[]>>)
    .backchannelTakeAllowances;
  return {
    take(allowances: readonly Allowance[]): Promise<AllowanceDecision> {
      return countWithFallback(
        options,
        async () => {
          const args: (string | number)[] = [allowances.length];
          for (const { key } of allowances) args.push(`${prefix}${key}`);
          for (const { burst, intervalMs } of allowances) args.push(burst, intervalMs);
          const [allowed, wait, refusedBy] = await run.apply(redis, args);
          if (allowed === 1) return ALLOWED;
          return { allowed: false, retryAfterMs: wait, refusedBy } as AllowanceDecision;
        },
        (fallback) => fallback.take(allowances),
      );
    },
    async close(): Promise<void> {
      await options.fallback?.close();
    },
  };
}
