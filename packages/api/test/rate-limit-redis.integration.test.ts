import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createMemoryRateLimiter } from '../src/rate-limit/memory.js';
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

  test('while Redis does not answer, each process counts on its own and posting keeps working', async () => {
    // A redis-server of this test's own, so it can be frozen and stopped.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: 'ignore',
    });
    const own = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 2 });
    try {
      await own.ping();
      const unavailable: unknown[] = [];
      const limiter = createRedisRateLimiter(own, { limit: 2, windowMs: 60_000 }, `${prefix}fallback:`, {
        fallback: createMemoryRateLimiter({ limit: 2, windowMs: 60_000 }),
        timeoutMs: 200,
        onUnavailable: (error) => unavailable.push(error),
      });
      assert.equal((await limiter.hit('k')).allowed, true, 'counted in Redis');
      server.kill('SIGSTOP');
      const started = Date.now();
      const frozen = [await limiter.hit('k'), await limiter.hit('k'), await limiter.hit('k')];
      assert.ok(Date.now() - started < 2_000, 'each hit waits at most the timeout');
      // The fallback counts from zero in this process: two allowed, then refused.
      assert.deepEqual(
        frozen.map((d) => d.allowed),
        [true, true, false],
      );
      assert.equal(unavailable.length, 3);
      server.kill('SIGCONT');
      await own.ping();
      const back = await limiter.hit('k');
      assert.equal(
        back.allowed,
        false,
        'Redis counts again (the hits sent while it was frozen count there too)',
      );
      assert.equal(unavailable.length, 3);
    } finally {
      server.kill('SIGCONT');
      server.kill('SIGKILL');
      own.disconnect();
    }
  });
});
