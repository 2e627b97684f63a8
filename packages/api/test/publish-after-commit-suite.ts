import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { EventEnvelope } from '../src/envelope.js';
import { ApiFixture } from './helpers/api-fixture.js';
import type { EngineUnderTest } from './helpers/database.js';

interface Posted {
  message: { id: string; seq: number; author: string; text: string };
}

/** What reflektor was told, first occurrence of each seq, compared with what the api committed. */
async function checkPublishedEqualsCommitted(fixture: ApiFixture, room: string): Promise<EventEnvelope[]> {
  const committed = (
    await fixture.request<{ events: EventEnvelope[] }>('GET', `/api/rooms/${room}/events?after=0&limit=500`)
  ).body.events;
  const published = fixture.reflektor.envelopes(room);
  const bySeq = new Map<number, EventEnvelope>();
  for (const envelope of published) {
    const earlier = bySeq.get(envelope.seq);
    if (earlier === undefined) bySeq.set(envelope.seq, envelope);
    else
      assert.deepEqual(
        envelope,
        earlier,
        `seq ${envelope.seq} was published twice with different content: a page would show the wrong one`,
      );
  }
  for (const event of committed) {
    assert.deepEqual(bySeq.get(event.seq), event, `committed seq ${event.seq} is not what was published`);
  }
  const committedSeqs = new Set(committed.map((event) => event.seq));
  for (const seq of bySeq.keys()) {
    assert.ok(committedSeqs.has(seq), `seq ${seq} was published but never committed`);
  }
  return committed;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(20);
  }
}

/**
 * The api commits an event before it tells reflektor, so a stalled or refusing relay can delay
 * an event but never make a page show one the api did not keep (DESIGN.md, step 2).
 */
export function definePublishAfterCommitSuite(engine: EngineUnderTest): void {
  describe(`events are published only after they are committed (${engine})`, () => {
    const fixture = new ApiFixture(engine, {
      reflektorTimeoutMs: 300,
      outboxRetryMinMs: 50,
      outboxSweepIntervalMs: 200,
    });
    before(async () => {
      await fixture.start();
    });
    after(async () => {
      fixture.reflektor.release();
      await fixture.close();
    });

    test('a post that outlives the relay timeout is kept, and no seq is ever told with two contents', async () => {
      await fixture.createRoom('stalled-relay');
      assert.equal((await fixture.post('stalled-relay', 'ada', 'before the stall')).status, 201);
      // The relay takes the request but does not answer until released: a frozen process.
      fixture.reflektor.hold();
      const during = await fixture.post('stalled-relay', 'ada', 'during the stall');
      fixture.reflektor.release();
      const afterStall = await fixture.post('stalled-relay', 'bo', 'after the stall');
      assert.equal(afterStall.status, 201, afterStall.text);
      const acknowledged = [during, afterStall].filter((r) => r.status === 201).map((r) => r.text);
      await waitUntil(
        () =>
          fixture.reflektor.envelopes('stalled-relay').some((e) => e.data.text === 'after the stall') &&
          (during.status !== 201 ||
            fixture.reflektor.envelopes('stalled-relay').some((e) => e.data.text === 'during the stall')),
        'every acknowledged post reached the relay',
      );
      const committed = await checkPublishedEqualsCommitted(fixture, 'stalled-relay');
      for (const text of acknowledged) {
        const { message } = JSON.parse(text) as Posted;
        assert.ok(
          committed.some((e) => e.seq === message.seq && e.data.text === message.text),
          `acknowledged post "${message.text}" (seq ${message.seq}) is in the committed history`,
        );
      }
    });

    test('while the relay refuses, posts are kept and later reach it in seq order', async () => {
      await fixture.createRoom('refusing-relay');
      fixture.reflektor.status = 503;
      const texts = Array.from({ length: 6 }, (_, i) => `while refused ${i}`);
      for (const text of texts) {
        const response = await fixture.post('refusing-relay', 'cy', text);
        assert.equal(response.status, 201, response.text);
      }
      fixture.reflektor.status = 202;
      await waitUntil(
        () => fixture.reflektor.envelopes('refusing-relay').length >= texts.length,
        'the relay got every refused post',
      );
      const firstSeen: number[] = [];
      for (const envelope of fixture.reflektor.envelopes('refusing-relay')) {
        if (!firstSeen.includes(envelope.seq)) firstSeen.push(envelope.seq);
      }
      assert.deepEqual(
        firstSeen,
        [...firstSeen].sort((a, b) => a - b),
        'each seq first reaches the relay in order',
      );
      await checkPublishedEqualsCommitted(fixture, 'refusing-relay');
    });

    test('a post retried with the same Idempotency-Key returns the original message', async () => {
      await fixture.createRoom('retried-post');
      const key = randomUUID();
      const post = () =>
        fixture.request<Posted>('POST', '/api/rooms/retried-post/messages', {
          json: { author: 'dee', text: 'only once' },
          headers: { 'idempotency-key': key },
        });
      const first = await post();
      const again = await post();
      const concurrent = await Promise.all([post(), post()]);
      for (const response of [first, again, ...concurrent]) assert.equal(response.status, 201, response.text);
      for (const response of [again, ...concurrent]) {
        assert.deepEqual(response.body.message, first.body.message);
        assert.equal(response.headers['idempotent-replayed'], 'true');
      }
      const history = await fixture.request<{ messages: unknown[] }>(
        'GET',
        '/api/rooms/retried-post/messages',
      );
      assert.equal(history.body.messages.length, 1, 'one message stored');
      const other = await fixture.request<{ error: { code: string } }>(
        'POST',
        '/api/rooms/retried-post/messages',
        { json: { author: 'dee', text: 'something else' }, headers: { 'idempotency-key': key } },
      );
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, 'idempotency_key_reused');
      const bad = await fixture.request<{ error: { code: string } }>(
        'POST',
        '/api/rooms/retried-post/messages',
        { json: { author: 'dee', text: 'x' }, headers: { 'idempotency-key': 'has spaces in it' } },
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_idempotency_key');
    });
  });
}
