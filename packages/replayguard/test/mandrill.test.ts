import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  mandrillEventId,
  parseMandrillEvents,
  signMandrillWebhook,
  verifyMandrillWebhook,
  WebhookVerificationError,
} from '../src/index.js';

const url = 'https://chat.example.org/webhooks/mandrill';
const key = 'KfFuThPttL_KoUyDndHW3A';
const events = JSON.stringify([
  {
    event: 'send',
    _id: 'abc123',
    ts: 1385020180,
    msg: { email: 'ada@example.org', subject: 'Grüße & more' },
  },
  { event: 'open', _id: 'abc123', ts: 1385020190, msg: { email: 'ada@example.org' } },
]);

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

// The algorithm as Mailchimp Transactional documents it ("Authenticating webhook requests"),
// written independently in Python: URL, then each POST field sorted by key as key+value,
// HMAC-SHA1, base64.
function pythonSignature(signingKey: string, signedUrl: string, body: string): string {
  const script = [
    'import base64, hashlib, hmac, sys, urllib.parse',
    'key, url, body = sys.argv[1], sys.argv[2], sys.argv[3]',
    'params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))',
    'data = url + "".join(k + params[k] for k in sorted(params))',
    'sys.stdout.write(base64.b64encode(hmac.new(key.encode(), data.encode(), hashlib.sha1).digest()).decode())',
  ].join('\n');
  return execFileSync('python3', ['-c', script, signingKey, signedUrl, body], { encoding: 'utf8' });
}

function rejectsWith(code: string, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof WebhookVerificationError && error.code === code);
}

describe('Mandrill', () => {
  it('matches an independent implementation of the documented algorithm', () => {
    const body = formBody({ mandrill_events: events, zeta: 'last', alpha: 'first' });
    const expected = pythonSignature(key, url, body);
    assert.equal(
      signMandrillWebhook({
        url,
        secret: key,
        fields: { mandrill_events: events, zeta: 'last', alpha: 'first' },
      }),
      expected,
    );
    const result = verifyMandrillWebhook({
      body: Buffer.from(body),
      headers: { 'x-mandrill-signature': expected },
      url,
      secrets: key,
    });
    assert.equal(result.scheme, 'mandrill');
    assert.equal(result.fields.mandrill_events, events);
    assert.equal(parseMandrillEvents(result.fields).length, 2);
  });

  it('accepts a rotated key and rejects a wrong key, URL or body', () => {
    const body = formBody({ mandrill_events: events });
    const signature = signMandrillWebhook({ url, secret: key, fields: { mandrill_events: events } });
    const headers = { 'X-Mandrill-Signature': signature };
    assert.equal(verifyMandrillWebhook({ body, headers, url, secrets: ['old-key', key] }).secretIndex, 1);
    rejectsWith('bad_signature', () => verifyMandrillWebhook({ body, headers, url, secrets: 'other' }));
    rejectsWith('bad_signature', () =>
      verifyMandrillWebhook({ body, headers, url: `${url}/`, secrets: key }),
    );
    rejectsWith('bad_signature', () =>
      verifyMandrillWebhook({ body: formBody({ mandrill_events: '[]' }), headers, url, secrets: key }),
    );
    rejectsWith('missing_header', () => verifyMandrillWebhook({ body, headers: {}, url, secrets: key }));
  });

  it('parses events and derives distinct ids per message event', () => {
    const parsed = parseMandrillEvents({ mandrill_events: events });
    assert.deepEqual(parsed.map(mandrillEventId), ['abc123:send:1385020180', 'abc123:open:1385020190']);
    const sync = { type: 'blacklist', action: 'add', reject: { email: 'x@example.org' } };
    assert.match(mandrillEventId(sync), /^blacklist:[0-9a-f]{64}$/);
    assert.deepEqual(parseMandrillEvents({ mandrill_events: '[]' }), []);
    rejectsWith('malformed_body', () => parseMandrillEvents({}));
    rejectsWith('malformed_body', () => parseMandrillEvents({ mandrill_events: '{' }));
    rejectsWith('malformed_body', () => parseMandrillEvents({ mandrill_events: '[1]' }));
  });
});
