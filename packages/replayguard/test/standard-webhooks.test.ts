import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  checkStandardWebhookSecret,
  generateStandardWebhookSecret,
  signStandardWebhook,
  verifyStandardWebhook,
  WebhookSecretError,
  WebhookVerificationError,
} from '../src/index.js';

// The test vector published with the Standard Webhooks reference libraries.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const vectorNow = vector.timestamp * 1000;

function rejectsWith(code: string, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WebhookVerificationError, `expected a WebhookVerificationError, got ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.status, 400);
    return true;
  });
}

describe('Standard Webhooks', () => {
  it('reproduces the published test vector when signing', () => {
    const headers = signStandardWebhook({
      id: vector.id,
      timestamp: vector.timestamp,
      body: vector.body,
      secret: vector.secret,
    });
    assert.deepEqual(headers, {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    });
  });

  it('verifies the published test vector from a Buffer and a string body', () => {
    const headers = {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    };
    for (const body of [vector.body, Buffer.from(vector.body)]) {
      const result = verifyStandardWebhook({ body, headers, secrets: vector.secret, now: vectorNow });
      assert.deepEqual(result, {
        scheme: 'standard-webhooks',
        id: vector.id,
        timestamp: vector.timestamp,
        secretIndex: 0,
      });
    }
  });

  it('accepts headers in any case and from a fetch Headers object', () => {
    const headers = new Headers({
      'Webhook-Id': vector.id,
      'Webhook-Timestamp': String(vector.timestamp),
      'Webhook-Signature': vector.signature,
    });
    assert.equal(
      verifyStandardWebhook({ body: vector.body, headers, secrets: vector.secret, now: vectorNow }).id,
      vector.id,
    );
    const mixed = {
      'Webhook-Id': vector.id,
      'WEBHOOK-TIMESTAMP': String(vector.timestamp),
      'webhook-signature': vector.signature,
    };
    assert.equal(
      verifyStandardWebhook({ body: vector.body, headers: mixed, secrets: vector.secret, now: vectorNow }).id,
      vector.id,
    );
  });

  it('agrees with the standardwebhooks package both ways', () => {
    const secret = generateStandardWebhookSecret();
    const reference = new Webhook(secret);
    const now = new Date();
    const body = JSON.stringify({ room: 'physics-101', seq: 7, text: 'héllo ✓' });
    const theirs = reference.sign('msg_1', now, body);
    const ours = signStandardWebhook({ id: 'msg_1', timestamp: now, body, secret });
    assert.equal(ours['webhook-signature'], theirs);
    assert.deepEqual(reference.verify(body, { ...ours }), JSON.parse(body));
    const verified = verifyStandardWebhook({
      body: Buffer.from(body),
      headers: {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': theirs,
      },
      secrets: secret,
    });
    assert.equal(verified.id, 'msg_1');
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const oldSecret = generateStandardWebhookSecret();
    const newSecret = generateStandardWebhookSecret();
    const body = '{"a":1}';
    const signedWithBoth = signStandardWebhook({ id: 'm', body, secret: [oldSecret, newSecret] });
    assert.equal(signedWithBoth['webhook-signature'].split(' ').length, 2);
    assert.equal(verifyStandardWebhook({ body, headers: signedWithBoth, secrets: newSecret }).secretIndex, 0);

    const signedWithNew = signStandardWebhook({ id: 'm', body, secret: newSecret });
    const withUnknownVersion = {
      ...signedWithNew,
      'webhook-signature': `v1a,c29tZXRoaW5n v1,AAAA ${signedWithNew['webhook-signature']}`,
    };
    const result = verifyStandardWebhook({
      body,
      headers: withUnknownVersion,
      secrets: [oldSecret, newSecret],
    });
    assert.equal(result.secretIndex, 1);
  });

  it('rejects missing headers with missing_header', () => {
    const headers = signStandardWebhook({ id: 'm', body: 'x', secret: vector.secret });
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const partial: Record<string, string> = { ...headers };
      delete partial[name];
      rejectsWith('missing_header', () =>
        verifyStandardWebhook({ body: 'x', headers: partial, secrets: vector.secret }),
      );
    }
  });

  it('rejects malformed headers with malformed_header', () => {
    const headers = signStandardWebhook({ id: 'm', body: 'x', secret: vector.secret });
    for (const timestamp of ['12.5', '-5', 'soon', '1e9', ' 1614265330']) {
      rejectsWith('malformed_header', () =>
        verifyStandardWebhook({
          body: 'x',
          headers: { ...headers, 'webhook-timestamp': timestamp },
          secrets: vector.secret,
        }),
      );
    }
    rejectsWith('malformed_header', () =>
      verifyStandardWebhook({
        body: 'x',
        headers: { ...headers, 'webhook-signature': 'justbase64' },
        secrets: vector.secret,
      }),
    );
    rejectsWith('malformed_header', () =>
      verifyStandardWebhook({
        body: 'x',
        headers: { ...headers, 'webhook-id': ['a', 'b'] },
        secrets: vector.secret,
      }),
    );
  });

  it('rejects a wrong secret, a changed body, id or timestamp with bad_signature', () => {
    const secret = generateStandardWebhookSecret();
    const headers = signStandardWebhook({ id: 'msg_9', body: '{"n":1}', secret });
    rejectsWith('bad_signature', () =>
      verifyStandardWebhook({ body: '{"n":1}', headers, secrets: generateStandardWebhookSecret() }),
    );
    rejectsWith('bad_signature', () => verifyStandardWebhook({ body: '{"n":2}', headers, secrets: secret }));
    rejectsWith('bad_signature', () =>
      verifyStandardWebhook({
        body: '{"n":1}',
        headers: { ...headers, 'webhook-id': 'msg_8' },
        secrets: secret,
      }),
    );
    const shifted = String(Number(headers['webhook-timestamp']) - 1);
    rejectsWith('bad_signature', () =>
      verifyStandardWebhook({
        body: '{"n":1}',
        headers: { ...headers, 'webhook-timestamp': shifted },
        secrets: secret,
      }),
    );
    rejectsWith('bad_signature', () =>
      verifyStandardWebhook({
        body: '{"n":1}',
        headers: { ...headers, 'webhook-signature': 'v2,abc' },
        secrets: secret,
      }),
    );
  });

  it('enforces the timestamp tolerance both ways, with a configurable window', () => {
    const headers = {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    };
    const verifyAt = (offsetSeconds: number, toleranceSeconds?: number) =>
      verifyStandardWebhook({
        body: vector.body,
        headers,
        secrets: vector.secret,
        now: new Date(vectorNow + offsetSeconds * 1000),
        toleranceSeconds,
      });
    assert.equal(verifyAt(300).id, vector.id);
    assert.equal(verifyAt(-300).id, vector.id);
    rejectsWith('timestamp_out_of_tolerance', () => verifyAt(301));
    rejectsWith('timestamp_out_of_tolerance', () => verifyAt(-301));
    rejectsWith('timestamp_out_of_tolerance', () => verifyAt(11, 10));
    assert.equal(verifyAt(3600, 7200).id, vector.id);
    // With the real clock, a 2021 signature is far out of tolerance.
    rejectsWith('timestamp_out_of_tolerance', () =>
      verifyStandardWebhook({ body: vector.body, headers, secrets: vector.secret }),
    );
  });

  it('generates distinct secrets that the reference library accepts', () => {
    const a = generateStandardWebhookSecret();
    const b = generateStandardWebhookSecret();
    assert.notEqual(a, b);
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.doesNotThrow(() => new Webhook(a));
  });

  it('refuses unusable secrets with WebhookSecretError', () => {
    for (const secret of ['whsec_', 'whsec_not base64!', '']) {
      assert.throws(
        () => signStandardWebhook({ id: 'm', body: 'x', secret }),
        (error: unknown) => error instanceof WebhookSecretError && error.code === 'invalid_secret',
      );
    }
    const headers = signStandardWebhook({ id: 'm', body: 'x', secret: vector.secret });
    assert.throws(() => verifyStandardWebhook({ body: 'x', headers, secrets: [] }), WebhookSecretError);
    assert.throws(() => checkStandardWebhookSecret('whsec_%%%'), WebhookSecretError);
    assert.doesNotThrow(() => checkStandardWebhookSecret(vector.secret));
  });
});
