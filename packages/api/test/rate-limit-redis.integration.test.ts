import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisRateLimiter } from '../src/rate-limit/redis.js';
import { ApiFixture } from './helpers/api-fixture.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis rate limits', () => {
  const prefix = `backchannel:api:test:${randomUUID()}:`;
  const fixtures = [0, 1].map(
    () =>
      new ApiFixture('sqlite', {
        redisUrl,
        redisPrefix: prefix,
        messageRateLimit: { limit: 4, windowMs: 60_000 },
      }),
  );
  const redis = new Redis(redisUrl);
  before(async () => {
    for (const fixture of fixtures) await fixture.start();
  });
  after(async () => {
    for (const fixture of fixtures) await fixture.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test('two api processes share one limit through Redis', async () => {
    for (const fixture of fixtures) await fixture.createRoom('shared-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await fixtures[i % 2].post('shared-limit', 'a', `m${i}`)).status);
    assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429]);
  });

  test('the window expires in Redis', async () => {
    const limiter = createRedisRateLimiter(redis, { limit: 1, windowMs: 100 }, prefix);
    assert.equal((await limiter.hit('short')).allowed, true);
    assert.equal((await limiter.hit('short')).allowed, false);
    const deadline = Date.now() + 5000;
    let allowed = false;
    while (!allowed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      allowed = (await limiter.hit('short')).allowed;
    }
    assert.equal(allowed, true);
  });
});
