import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiFixture } from './helpers/api-fixture.js';

describe('the server mounts the webhook intake', () => {
  process.env.BACKCHANNEL_MAILCHIMP_SECRET = 'wiring-secret';
  const fixture = new ApiFixture('sqlite');
  before(() => fixture.start());
  after(() => fixture.close());

  test('a configured provider answers on /webhooks/*, without the Origin check of /api', async () => {
    const wrong = await fixture.request<{ error: { code: string } }>(
      'GET',
      '/webhooks/mailchimp?secret=nope',
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'bad_secret');
    const validation = await fixture.request('GET', '/webhooks/mailchimp?secret=wiring-secret', {
      headers: { origin: 'https://elsewhere.example' },
    });
    assert.equal(validation.status, 200);
  });

  test('a bad webhook secret stops start-up with the variable named', async () => {
    process.env.BACKCHANNEL_STRIPE_SECRET = 'sk_live_not_a_signing_secret';
    const broken = new ApiFixture('sqlite');
    try {
      await assert.rejects(broken.start(), /BACKCHANNEL_STRIPE_SECRET/);
    } finally {
      delete process.env.BACKCHANNEL_STRIPE_SECRET;
      await broken.reflektor.close();
      await broken.database?.drop();
    }
  });
});
