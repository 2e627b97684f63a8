import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { allowance } from '../src/rate-limit/allowance.js';
import { createMemoryAllowanceLimiter } from '../src/rate-limit/allowance-memory.js';
import { createRedisAllowanceLimiter } from '../src/rate-limit/allowance-redis.js';
import { createMemoryRateLimiter } from '../src/rate-limit/memory.js';
import { createRedisRateLimiter } from '../src/rate-limit/redis.js';
import { ApiFixture, UNLIMITED } from './helpers/api-fixture.js';
import { CookieJarClient, errorCode } from './helpers/cookie-client.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// The same limits as the unit suite, with two api processes sharing one Redis (and one key:
// every api on one database signs with the key stored there, so both believe the same cookie).
describe('limits that count people, on Redis', () => {
  const prefix = `backchannel:api:test:${randomUUID()}:`;
  const secret = `${randomUUID()}${randomUUID()}`;
  const fixtures = [0, 1].map(
    () =>
      new ApiFixture('sqlite', {
        redisUrl,
        redisPrefix: prefix,
        participantSecrets: [secret],
        participantRate: { burst: 4, count: 4, windowMs: 60_000 },
        cookielessRate: { burst: 2, count: 2, windowMs: 60_000 },
        roomMessageRate: UNLIMITED,
        addressMessageRate: UNLIMITED,
        addressNewParticipants: { burst: 6, count: 6, windowMs: 60_000 },
        roomRateLimit: { limit: 100, windowMs: 60_000 },
      }),
  );
  const redis = new Redis(redisUrl);
  before(async () => {
    for (const fixture of fixtures) {
      await fixture.start();
      await fixture.createRoom('shared-limit');
    }
  });
  after(async () => {
    for (const fixture of fixtures) await fixture.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** One browser whose requests alternate between the two api processes. */
  function browser(address: string) {
    const clients = fixtures.map(
      (fixture) => new CookieJarClient(fixture.api.url, { 'x-forwarded-for': address }),
    );
    clients[1].cookies.clear();
    let turn = 0;
    return {
      clients,
      async open() {
        await clients[0].request('GET', '/api/rooms/shared-limit');
        for (const [name, value] of clients[0].cookies) clients[1].cookies.set(name, value);
      },
      post: (text: string) => clients[turn++ % 2].post('shared-limit', text),
    };
  }

  test('a participant is limited across api processes; their neighbour is not', async () => {
    const flooder = browser('203.0.113.10');
    const neighbour = browser('203.0.113.10');
    await flooder.open();
    await neighbour.open();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await flooder.post(`m${i}`)).status);
    assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429]);
    const refused = await flooder.post('again');
    assert.equal(errorCode(refused), 'participant_rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    for (let i = 0; i < 4; i++) assert.equal((await neighbour.post(`n${i}`)).status, 201);
  });

  test('cookieless clients share one budget per address across processes', async () => {
    const script = browser('198.51.100.20');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await script.post(`c${i}`)).status);
    assert.deepEqual(statuses, [201, 201, 429]);
    assert.equal(errorCode(await script.post('c4')), 'cookieless_rate_limited');
  });

  test('the new-id cap per address holds across processes', async () => {
    let given = 0;
    for (let i = 0; i < 12; i++) {
      const client = new CookieJarClient(fixtures[i % 2].api.url, { 'x-forwarded-for': '192.0.2.30' });
      await client.request('GET', '/api/rooms/shared-limit');
      if (client.cookies.has('bc_participant')) given++;
    }
    assert.equal(given, 6);
  });

  test('allowances are taken together or not at all, on Redis', async () => {
    const limiter = createRedisAllowanceLimiter(redis, prefix);
    const tight = { burst: 1, count: 1, windowMs: 60_000 };
    const loose = { burst: 2, count: 2, windowMs: 60_000 };
    assert.equal((await limiter.take([allowance('a', tight), allowance('shared', loose)])).allowed, true);
    const refused = await limiter.take([allowance('a', tight), allowance('shared', loose)]);
    assert.equal(refused.allowed, false);
    assert.equal(refused.refusedBy, 0);
    assert.ok(refused.retryAfterMs > 59_000 && refused.retryAfterMs <= 60_000, String(refused.retryAfterMs));
    assert.equal((await limiter.take([allowance('b', tight), allowance('shared', loose)])).allowed, true);
    assert.equal((await limiter.take([allowance('c', tight), allowance('shared', loose)])).refusedBy, 1);
    const ttl = await redis.pttl(`${prefix}shared`);
    assert.ok(ttl > 0 && ttl <= 60_000, `TTL ${ttl}`);
  });

  test('the room-creation window expires in Redis', async () => {
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
      // The posting limits (allowances) fall back the same way.
      const allowances = createRedisAllowanceLimiter(own, `${prefix}fallback-allow:`, {
        fallback: createMemoryAllowanceLimiter(),
        timeoutMs: 200,
        onUnavailable: (error) => unavailable.push(error),
      });
      const person = [allowance('participant:p', { burst: 2, count: 1, windowMs: 60_000 })];
      assert.equal((await limiter.hit('k')).allowed, true, 'counted in Redis');
      server.kill('SIGSTOP');
      const started = Date.now();
      const frozen = [await limiter.hit('k'), await limiter.hit('k'), await limiter.hit('k')];
      const frozenPosts = [
        await allowances.take(person),
        await allowances.take(person),
        await allowances.take(person),
      ];
      assert.ok(Date.now() - started < 4_000, 'each count waits at most the timeout');
      // The fallback counts from zero in this process: two allowed, then refused.
      assert.deepEqual(
        frozen.map((d) => d.allowed),
        [true, true, false],
      );
      assert.deepEqual(
        frozenPosts.map((d) => d.allowed),
        [true, true, false],
      );
      assert.equal(unavailable.length, 6);
      await allowances.close();
      server.kill('SIGCONT');
      await own.ping();
      const back = await limiter.hit('k');
      assert.equal(
        back.allowed,
        false,
        'Redis counts again (the hits sent while it was frozen count there too)',
      );
      assert.equal(unavailable.length, 6);
    } finally {
      server.kill('SIGCONT');
      server.kill('SIGKILL');
      own.disconnect();
    }
  });
});
