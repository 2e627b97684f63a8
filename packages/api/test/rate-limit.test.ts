import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryRateLimiter } from '../src/rate-limit/memory.js';
import { ApiFixture, UNLIMITED } from './helpers/api-fixture.js';
import { CookieJarClient, errorCode } from './helpers/cookie-client.js';

/** A browser that opened the room (and so holds a participant cookie). */
async function browser(fixture: ApiFixture, room: string, address?: string): Promise<CookieJarClient> {
  const client = new CookieJarClient(fixture.api.url, address ? { 'x-forwarded-for': address } : {});
  const opened = await client.request('GET', `/api/rooms/${room}`);
  assert.equal(opened.status, 200);
  return client;
}

describe('limits that count people', () => {
  const fixture = new ApiFixture('sqlite', {
    participantRate: { burst: 3, count: 3, windowMs: 60_000 },
    cookielessRate: { burst: 2, count: 2, windowMs: 60_000 },
    roomMessageRate: UNLIMITED,
    addressMessageRate: UNLIMITED,
    addressNewParticipants: { burst: 5, count: 5, windowMs: 60_000 },
    roomRateLimit: { limit: 3, windowMs: 60_000 },
  });
  before(async () => {
    await fixture.start();
    await fixture.createRoom('counted');
  });
  after(() => fixture.close());

  test('a participant past their burst gets 429 participant_rate_limited with Retry-After; the next person is not affected', async () => {
    const flooder = await browser(fixture, 'counted');
    const neighbour = await browser(fixture, 'counted');
    for (let i = 0; i < 3; i++) assert.equal((await flooder.post('counted', `m${i}`)).status, 201);
    const refused = await flooder.post('counted', 'one too many');
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused), 'participant_rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter}`);
    assert.match((refused.body as { error: { message: string } }).error.message, /wait \d+ s/);
    // Same address, another person: untouched by the flooder's refusals.
    for (let i = 0; i < 3; i++) assert.equal((await neighbour.post('counted', `n${i}`)).status, 201);
  });

  test('clients without the cookie share a stricter per-address budget', async () => {
    const script = new CookieJarClient(fixture.api.url, { 'x-forwarded-for': '198.51.100.7' });
    assert.equal((await script.post('counted', 'c1')).status, 201);
    assert.equal((await script.post('counted', 'c2')).status, 201);
    const refused = await script.post('counted', 'c3');
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused), 'cookieless_rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    // A POST never hands out an id: scripts cannot use up the address's new-id cap.
    assert.equal(script.setCookies.length, 0);
    // A browser at that address with its cookie is counted as itself.
    const person = await browser(fixture, 'counted', '198.51.100.7');
    assert.equal((await person.post('counted', 'hello')).status, 201);
  });

  test('one address is given at most addressNewParticipants ids per window; its participants keep posting', async () => {
    const address = '203.0.113.50';
    const first = await browser(fixture, 'counted', address);
    const minted = [first];
    for (let i = 0; i < 9; i++) minted.push(await browser(fixture, 'counted', address));
    const withId = minted.filter((client) => client.cookies.has('bc_participant'));
    assert.equal(withId.length, 5);
    assert.equal(first.setCookies.length, 1);
    assert.equal((await first.post('counted', 'still here')).status, 201);
    // Another address is not affected.
    const elsewhere = await browser(fixture, 'counted', '203.0.113.51');
    assert.ok(elsewhere.cookies.has('bc_participant'));
  });

  test('room creation keeps its per-address limit', async () => {
    // 'counted' used one of the three.
    assert.equal(
      (await fixture.request('POST', '/api/rooms', { json: { name: 'second-room' } })).status,
      201,
    );
    assert.equal((await fixture.request('POST', '/api/rooms', { json: { name: 'third-room' } })).status, 201);
    const refused = await fixture.request('POST', '/api/rooms', { json: { name: 'fourth-room' } });
    assert.equal(refused.status, 429);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'rate_limited');
  });
});

describe('room and address ceilings', () => {
  const fixture = new ApiFixture('sqlite', {
    participantRate: UNLIMITED,
    roomMessageRate: { burst: 4, count: 4, windowMs: 60_000 },
    addressMessageRate: { burst: 6, count: 6, windowMs: 60_000 },
  });
  before(async () => {
    await fixture.start();
    await fixture.createRoom('busy');
    await fixture.createRoom('quiet');
  });
  after(() => fixture.close());

  test("a room's total rate refuses with room_rate_limited, and the address ceiling with address_rate_limited", async () => {
    const people = await Promise.all([0, 1, 2, 3, 4].map(() => browser(fixture, 'busy')));
    for (let i = 0; i < 4; i++) assert.equal((await people[i].post('busy', `m${i}`)).status, 201);
    const full = await people[4].post('busy', 'room is full');
    assert.equal(full.status, 429);
    assert.equal(errorCode(full), 'room_rate_limited');
    // The refused post took nothing from the address: two more fit elsewhere, then the ceiling.
    assert.equal((await people[4].post('quiet', 'q1')).status, 201);
    assert.equal((await people[3].post('quiet', 'q2')).status, 201);
    const ceiling = await people[2].post('quiet', 'q3');
    assert.equal(ceiling.status, 429);
    assert.equal(errorCode(ceiling), 'address_rate_limited');
    const other = await browser(fixture, 'quiet', '192.0.2.77');
    assert.equal((await other.post('quiet', 'from another network')).status, 201);
  });
});

describe('memory rate limiter (room creation)', () => {
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
