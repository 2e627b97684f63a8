import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  signStandardWebhook,
  signStripeWebhook,
  verifyStandardWebhook,
  verifyStripeWebhook,
  WebhookVerificationError,
} from '../src/index.js';

const stripeSecret = 'whsec_property_test';
const standardSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = 1_764_150_000;

/** A copy of `bytes` with the byte at `index` (modulo length) replaced by a different value. */
function mutate(bytes: Buffer, index: number, delta: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = index % copy.length;
  copy[at] = (copy[at] + delta) % 256;
  return copy;
}

function isRejection(error: unknown): boolean {
  return error instanceof WebhookVerificationError;
}

const body = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes));
const position = fc.nat();
const delta = fc.integer({ min: 1, max: 255 });

describe('property: any single-byte change is rejected', () => {
  it('Stripe: body, timestamp or signature', () => {
    fc.assert(
      fc.property(
        body,
        position,
        delta,
        fc.constantFrom('body', 'timestamp', 'signature'),
        (raw, at, by, part) => {
          const header = signStripeWebhook({ body: raw, secret: stripeSecret, timestamp: now });
          const verify = (b: Buffer, h: string) =>
            verifyStripeWebhook({ body: b, headers: h, secrets: stripeSecret, now: now * 1000 });
          assert.equal(verify(raw, header).timestamp, now);
          const [t, v1] = header.split(',');
          let changed: () => unknown;
          if (part === 'body') changed = () => verify(mutate(raw, at, by), header);
          else if (part === 'timestamp') {
            const value = Buffer.from(t.slice(2), 'latin1');
            changed = () => verify(raw, `t=${mutate(value, at, by).toString('latin1')},${v1}`);
          } else {
            const value = Buffer.from(v1.slice(3), 'latin1');
            changed = () => verify(raw, `${t},v1=${mutate(value, at, by).toString('latin1')}`);
          }
          assert.throws(changed, isRejection);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('Standard Webhooks: body, timestamp or signature', () => {
    fc.assert(
      fc.property(
        body,
        position,
        delta,
        fc.constantFrom('body', 'timestamp', 'signature'),
        (raw, at, by, part) => {
          const headers = signStandardWebhook({
            id: 'msg_prop',
            body: raw,
            secret: standardSecret,
            timestamp: now,
          });
          const verify = (b: Buffer, h: Record<string, string>) =>
            verifyStandardWebhook({ body: b, headers: h, secrets: standardSecret, now: now * 1000 });
          assert.equal(verify(raw, headers).id, 'msg_prop');
          let changed: () => unknown;
          if (part === 'body') changed = () => verify(mutate(raw, at, by), headers);
          else {
            const name = part === 'timestamp' ? 'webhook-timestamp' : 'webhook-signature';
            const value = Buffer.from(headers[name], 'latin1');
            changed = () => verify(raw, { ...headers, [name]: mutate(value, at, by).toString('latin1') });
          }
          assert.throws(changed, isRejection);
        },
      ),
      { numRuns: 500 },
    );
  });
});
