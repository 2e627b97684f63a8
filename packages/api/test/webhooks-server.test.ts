// The webhook routes as the running api serves them (startApi), configured from the environment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signStripeWebhook } from '@backchannel/replayguard';
import { ApiFixture } from './helpers/api-fixture.js';

const stripeSecret = 'whsec_server_test_secret';

describe('webhooks in the running api', () => {
  const fixture = new ApiFixture('sqlite');

  before(async () => {
    process.env.BACKCHANNEL_STRIPE_SECRET = stripeSecret;
    delete process.env.BACKCHANNEL_MAILCHIMP_SECRET;
    await fixture.start();
  });
  after(() => fixture.close());

  it('upgrades a room from a paid Stripe checkout, visible in GET /api/rooms/:room', async () => {
    await fixture.createRoom('lecture-hall');
    const before = await fixture.request<{
      room: { lifetime: string; expiresAt: string; createdAt: string };
    }>('GET', '/api/rooms/lecture-hall');
    assert.equal(before.body.room.lifetime, 'day');

    const body = JSON.stringify({
      id: 'evt_server_1',
      type: 'checkout.session.completed',
      data: { object: { client_reference_id: 'lecture-hall', payment_status: 'paid' } },
    });
    const headers = {
      'content-type': 'application/json',
      'stripe-signature': signStripeWebhook({ body, secret: stripeSecret }),
    };
    const first = await fixture.request('POST', '/webhooks/stripe', { body, headers });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { received: 1, duplicates: 0 });

    const deadline = Date.now() + 10_000;
    let room = before.body.room;
    while (room.lifetime !== 'year') {
      if (Date.now() > deadline) assert.fail('the room was not upgraded in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
      room = (await fixture.request<{ room: typeof room }>('GET', '/api/rooms/lecture-hall')).body.room;
    }
    const year = 365 * 24 * 3600 * 1000;
    assert.equal(Date.parse(room.expiresAt) - Date.parse(room.createdAt), year);
    assert.ok(fixture.reflektor.envelopes('lecture-hall').some((event) => event.type === 'room.updated'));

    const again = await fixture.request('POST', '/webhooks/stripe', { body, headers });
    assert.deepEqual(again.body, { duplicate: true });
  });

  it('refuses a bad signature with 400 and hides an unconfigured provider behind 404', async () => {
    const body = '{"id":"evt_bad","type":"x"}';
    const forged = await fixture.request<{ error: { code: string } }>('POST', '/webhooks/stripe', {
      body,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signStripeWebhook({ body, secret: 'whsec_x' }),
      },
    });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.error.code, 'bad_signature');
    const mailchimp = await fixture.request('GET', '/webhooks/mailchimp?secret=anything');
    assert.equal(mailchimp.status, 404);
  });

  it('answers 413 past the webhook body limit', async () => {
    const response = await fixture.request<{ error: { code: string } }>('POST', '/webhooks/stripe', {
      body: 'x'.repeat(1024 * 1024 + 1),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'body_too_large');
  });
});
