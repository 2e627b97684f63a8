import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryRateLimiter } from '../src/rate-limit/memory.js';
import { ApiFixture } from './helpers/api-fixture.js';

describe('per-client rate limits', () => {
  const fixture = new ApiFixture('sqlite', {
    messageRateLimit: { limit: 3, windowMs: 60_000 },
    roomRateLimit: { limit: 2, windowMs: 60_000 },
  });
  before(() => fixture.start());
  after(() => fixture.close());

  test('posting past the limit answers 429 with Retry-After and stores nothing', async () => {
    await fixture.createRoom('limited');
    for (let i = 0; i < 3; i++) assert.equal((await fixture.post('limited', 'a', `m${i}`)).status, 201);
    const refused = await fixture.post('limited', 'a', 'one too many');
    assert.equal(refused.status, 429);
    assert.equal((refused.body as unknown as { error: { code: string } }).error.code, 'rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const page = await fixture.request<{ messages: unknown[] }>('GET', '/api/rooms/limited/messages');
    assert.equal(page.body.messages.length, 3);
  });

  test('room creation has its own limit', async () => {
    // 'limited' above used one of the two.
    assert.equal(
      (await fixture.request('POST', '/api/rooms', { json: { name: 'second-room' } })).status,
      201,
    );
    const refused = await fixture.request('POST', '/api/rooms', { json: { name: 'third-room' } });
    assert.equal(refused.status, 429);
  });

  test('clients behind the trusted proxy are counted apart by X-Forwarded-For', async () => {
    const other = await fixture.request('POST', '/api/rooms/limited/messages', {
      json: { author: 'b', text: 'from elsewhere' },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    assert.equal(other.status, 201);
  });
});

describe('memory rate limiter', () => {
  test('a new window starts once the old one ends', async () => {
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 50 });
    try {
      assert.equal((await limiter.hit('k')).allowed, true);
      assert.equal((await limiter.hit('k')).allowed, true);
      assert.equal((await limiter.hit('k')).allowed, false);
      assert.equal((await limiter.hit('other')).allowed, true);
      const deadline = Date.now() + 5000;
      let allowed = false;
      while (!allowed && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        allowed = (await limiter.hit('k')).allowed;
      }
      assert.equal(allowed, true);
    } finally {
      await limiter.close();
    }
  });
});
