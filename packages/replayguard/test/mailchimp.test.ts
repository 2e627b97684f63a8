import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mailchimpEventId,
  parseMailchimpEvent,
  parsePhpForm,
  verifyMailchimpWebhook,
  WebhookSecretError,
  WebhookVerificationError,
} from '../src/index.js';

// The subscribe example from Mailchimp's list webhook documentation, form-encoded.
const subscribe =
  'type=subscribe&fired_at=2009-03-26+21%3A35%3A57&data%5Bid%5D=8a25ff1d98&data%5Blist_id%5D=a6b5da1054' +
  '&data%5Bemail%5D=api%40mailchimp.com&data%5Bemail_type%5D=html&data%5Bmerges%5D%5BEMAIL%5D=api%40mailchimp.com' +
  '&data%5Bmerges%5D%5BFNAME%5D=Mailchimp&data%5Bmerges%5D%5BLNAME%5D=API&data%5Bmerges%5D%5BINTERESTS%5D=Group1%2CGroup2' +
  '&data%5Bip_opt%5D=10.20.10.30&data%5Bip_signup%5D=10.20.10.30';

describe('Mailchimp', () => {
  it('accepts the right URL secret and any rotated one', () => {
    assert.deepEqual(
      verifyMailchimpWebhook({ url: '/webhooks/mailchimp?secret=s3cret', secrets: 's3cret' }),
      {
        scheme: 'mailchimp',
        secretIndex: 0,
      },
    );
    assert.equal(
      verifyMailchimpWebhook({
        url: 'https://x.example/hook?a=1&token=new',
        secrets: ['old', 'new'],
        parameter: 'token',
      }).secretIndex,
      1,
    );
  });

  it('rejects a missing or wrong secret with bad_secret and status 401', () => {
    for (const url of [
      '/webhooks/mailchimp',
      '/webhooks/mailchimp?secret=',
      '/webhooks/mailchimp?secret=s3creT',
      '/w?secret=s3cret0',
    ]) {
      assert.throws(
        () => verifyMailchimpWebhook({ url, secrets: 's3cret' }),
        (error: unknown) =>
          error instanceof WebhookVerificationError && error.code === 'bad_secret' && error.status === 401,
      );
    }
    assert.throws(() => verifyMailchimpWebhook({ url: '/w?secret=x', secrets: [] }), WebhookSecretError);
  });

  it('parses the documented subscribe example into nested objects', () => {
    const event = parseMailchimpEvent(Buffer.from(subscribe));
    assert.equal(event.type, 'subscribe');
    assert.equal(event.fired_at, '2009-03-26 21:35:57');
    assert.deepEqual(JSON.parse(JSON.stringify(event.data)), {
      id: '8a25ff1d98',
      list_id: 'a6b5da1054',
      email: 'api@mailchimp.com',
      email_type: 'html',
      merges: { EMAIL: 'api@mailchimp.com', FNAME: 'Mailchimp', LNAME: 'API', INTERESTS: 'Group1,Group2' },
      ip_opt: '10.20.10.30',
      ip_signup: '10.20.10.30',
    });
    assert.equal(mailchimpEventId(subscribe), mailchimpEventId(Buffer.from(subscribe)));
    assert.notEqual(mailchimpEventId(subscribe), mailchimpEventId(`${subscribe}&x=1`));
    assert.throws(() => parseMailchimpEvent('fired_at=now'), WebhookVerificationError);
  });

  it('parses PHP-style keys like PHP does, without touching prototypes', () => {
    const form = parsePhpForm(
      'a[]=x&a[]=y&b[c][d]=1&b[c][e]=2&plain=3&plain=4&__proto__[polluted]=1&f[constructor][x]=1&odd[=5',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(form)), {
      a: { '0': 'x', '1': 'y' },
      b: { c: { d: '1', e: '2' } },
      plain: '4',
      f: {},
      'odd[': '5',
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.throws(() => parsePhpForm('a=%E0%A4%A'), WebhookVerificationError);
  });
});
