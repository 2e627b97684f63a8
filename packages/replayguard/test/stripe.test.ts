import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { signStripeWebhook, verifyStripeWebhook, WebhookVerificationError } from '../src/index.js';

const stripe = new Stripe('sk_test_placeholder');
const secret = 'whsec_test_secret_for_replayguard';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' }, null, 2);

function rejectsWith(code: string, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WebhookVerificationError, `expected a WebhookVerificationError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('Stripe', () => {
  it('verifies headers made by the stripe package, and stripe verifies ours', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const theirs = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    const result = verifyStripeWebhook({
      body: Buffer.from(payload),
      headers: { 'stripe-signature': theirs },
      secrets: secret,
    });
    assert.deepEqual(result, { scheme: 'stripe', timestamp, secretIndex: 0 });

    const ours = signStripeWebhook({ body: payload, secret, timestamp });
    assert.equal(ours, theirs);
    const event = stripe.webhooks.constructEvent(Buffer.from(payload), ours, secret);
    assert.equal(event.id, 'evt_1');
  });

  it('accepts the header value itself and header names in any case', () => {
    const header = signStripeWebhook({ body: payload, secret });
    assert.equal(verifyStripeWebhook({ body: payload, headers: header, secrets: secret }).scheme, 'stripe');
    assert.equal(
      verifyStripeWebhook({ body: payload, headers: { 'Stripe-Signature': header }, secrets: secret }).scheme,
      'stripe',
    );
  });

  it('accepts any of several v1 signatures, ignores v0, and supports several secrets', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const oldSecret = 'whsec_old';
    const newSecret = 'whsec_new';
    const both = signStripeWebhook({ body: payload, secret: [oldSecret, newSecret], timestamp });
    assert.equal(both.split(',v1=').length, 3);
    assert.equal(verifyStripeWebhook({ body: payload, headers: both, secrets: newSecret }).secretIndex, 0);

    const newOnly = signStripeWebhook({ body: payload, secret: newSecret, timestamp });
    const withNoise = `${newOnly},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39,v1=deadbeef`;
    assert.equal(
      verifyStripeWebhook({ body: payload, headers: withNoise, secrets: [oldSecret, newSecret] }).secretIndex,
      1,
    );
    // stripe agrees on the multi-signature header.
    assert.equal(stripe.webhooks.constructEvent(payload, withNoise, newSecret).id, 'evt_1');
  });

  it('rejects what stripe rejects: wrong secret, changed body, changed t', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const header = signStripeWebhook({ body: payload, secret, timestamp });
    rejectsWith('bad_signature', () =>
      verifyStripeWebhook({ body: payload, headers: header, secrets: 'whsec_other' }),
    );
    rejectsWith('bad_signature', () =>
      verifyStripeWebhook({ body: `${payload} `, headers: header, secrets: secret }),
    );
    const shifted = header.replace(`t=${timestamp}`, `t=${timestamp - 1}`);
    rejectsWith('bad_signature', () =>
      verifyStripeWebhook({ body: payload, headers: shifted, secrets: secret }),
    );
    assert.throws(() => stripe.webhooks.constructEvent(payload, shifted, secret));
  });

  it('reports missing and malformed headers', () => {
    rejectsWith('missing_header', () => verifyStripeWebhook({ body: payload, headers: {}, secrets: secret }));
    rejectsWith('missing_header', () => verifyStripeWebhook({ body: payload, headers: '', secrets: secret }));
    for (const header of ['garbage', 'v1=abc', 't=12x,v1=abc', 't=1,t=2,v1=abc', 't=1,,v1=abc']) {
      rejectsWith('malformed_header', () =>
        verifyStripeWebhook({ body: payload, headers: header, secrets: secret }),
      );
    }
    const now = Math.floor(Date.now() / 1000);
    rejectsWith('bad_signature', () =>
      verifyStripeWebhook({ body: payload, headers: `t=${now},v0=abc`, secrets: secret }),
    );
  });

  it('enforces the tolerance both ways with an injected clock; 0 disables it', () => {
    const timestamp = 1_700_000_000;
    const header = signStripeWebhook({ body: payload, secret, timestamp });
    const at = (offset: number, toleranceSeconds?: number) =>
      verifyStripeWebhook({
        body: payload,
        headers: header,
        secrets: secret,
        now: (timestamp + offset) * 1000,
        toleranceSeconds,
      });
    assert.equal(at(300).timestamp, timestamp);
    assert.equal(at(-300).timestamp, timestamp);
    rejectsWith('timestamp_out_of_tolerance', () => at(301));
    rejectsWith('timestamp_out_of_tolerance', () => at(-301));
    rejectsWith('timestamp_out_of_tolerance', () => at(61, 60));
    assert.equal(at(10 * 365 * 86400, 0).timestamp, timestamp);
    // stripe itself also refuses the old header under its default tolerance.
    assert.throws(() => stripe.webhooks.constructEvent(payload, header, secret));
  });
});
