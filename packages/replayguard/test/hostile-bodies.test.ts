import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateStandardWebhookSecret,
  jsonNestingDepth,
  parsePhpForm,
  signStandardWebhook,
  standardWebhooksIntake,
  WebhookVerificationError,
} from '../src/index.js';

function refusedWith(code: string, status: number): (error: unknown) => boolean {
  return (error) =>
    error instanceof WebhookVerificationError && error.code === code && error.status === status;
}

describe('hostile webhook bodies', () => {
  it('parses 1,000 repeated list fields in linear time', () => {
    const body = Array.from({ length: 1000 }, (_, i) => `a[]=${i}`).join('&');
    const start = performance.now();
    const form = parsePhpForm(body);
    const ms = performance.now() - start;
    assert.equal(Object.keys(form.a as object).length, 1000);
    assert.equal((form.a as Record<string, string>)['999'], '999');
    // 16,000 such fields took 3.3 s when every `[]` rescanned its list.
    const big = Array.from({ length: 16_000 }, (_, i) => `a[]=${i}`).join('&');
    const bigStart = performance.now();
    parsePhpForm(big, 20_000);
    const bigMs = performance.now() - bigStart;
    assert.ok(bigMs < 300, `16,000 fields took ${bigMs} ms (1,000 took ${ms} ms)`);
  });

  it('refuses a form with more than 1,000 fields with 413 too_many_fields', () => {
    const body = Array.from({ length: 1001 }, (_, i) => `f${i}=x`).join('&');
    assert.throws(() => parsePhpForm(body), refusedWith('too_many_fields', 413));
    assert.equal(Object.keys(parsePhpForm(body.slice(0, body.lastIndexOf('&')))).length, 1000);
  });

  it('refuses a form key nested deeper than 64 levels', () => {
    assert.throws(() => parsePhpForm(`a${'[x]'.repeat(100)}=1`), refusedWith('malformed_body', 400));
    assert.ok(parsePhpForm(`a${'[x]'.repeat(10)}=1`).a);
  });

  it('measures JSON depth without being fooled by brackets in strings', () => {
    assert.equal(jsonNestingDepth('{"a":[1,{"b":"[[[["}]}'), 3);
    assert.equal(jsonNestingDepth('"\\"[["'), 0);
    assert.equal(jsonNestingDepth('[]'), 1);
  });

  it('refuses a correctly signed body nested 100,000 levels deep with 400 json_too_deep', () => {
    const secret = generateStandardWebhookSecret();
    const intake = standardWebhooksIntake({ secrets: secret, source: 'in' });
    const body = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const headers = signStandardWebhook({ id: 'msg_deep', body, secret });
    assert.throws(
      () =>
        intake({ method: 'POST', url: '/webhooks/in/x', headers: { ...headers }, body: Buffer.from(body) }),
      refusedWith('json_too_deep', 400),
    );
    const shallow = '{"type":"ok","a":[[[1]]]}';
    const events = intake({
      method: 'POST',
      url: '/webhooks/in/x',
      headers: { ...signStandardWebhook({ id: 'msg_ok', body: shallow, secret }) },
      body: Buffer.from(shallow),
    });
    assert.equal(events.length, 1);
  });
});
