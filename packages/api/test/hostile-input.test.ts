// Inputs a script can send that the api used to bend (coerce, store altered, answer 500)
// instead of refusing with a stable code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signStripeWebhook } from '@backchannel/replayguard';
import { ApiFixture } from './helpers/api-fixture.js';

const stripeSecret = 'whsec_hostile_test_secret';
const mailchimpSecret = 'mc-hostile-secret';

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

describe('the api refuses what it used to bend', () => {
  const fixture = new ApiFixture('sqlite');

  before(async () => {
    process.env.BACKCHANNEL_STRIPE_SECRET = stripeSecret;
    process.env.BACKCHANNEL_MAILCHIMP_SECRET = mailchimpSecret;
    await fixture.start();
    await fixture.createRoom('hostile');
  });
  after(async () => {
    delete process.env.BACKCHANNEL_STRIPE_SECRET;
    delete process.env.BACKCHANNEL_MAILCHIMP_SECRET;
    await fixture.close();
  });

  it('accepts only digits for numbers in query strings', async () => {
    for (const path of [
      '/api/rooms/hostile/messages?limit=Infinity',
      '/api/rooms/hostile/messages?limit=1e400',
      '/api/rooms/hostile/messages?limit=-Infinity',
      '/api/rooms/hostile/messages?limit=1.5',
      '/api/rooms/hostile/messages?limit=0x10',
      '/api/rooms/hostile/messages?limit=1&limit=2',
      '/api/rooms/hostile/events?after=Infinity',
      '/api/rooms/hostile/events?after=-1',
      '/api/rooms/hostile/events?limit=%201',
    ]) {
      const response = await fixture.request<ErrorBody>('GET', path);
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.match(response.body.error.code, /^invalid_(request|type)$/, path);
      assert.ok(response.body.error.field === 'limit' || response.body.error.field === 'after', path);
    }
    const fine = await fixture.request('GET', '/api/rooms/hostile/events?after=0&limit=10');
    assert.equal(fine.status, 200);
  });

  it('refuses wrong types with 400 invalid_type naming the field, never coercing', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/rooms/hostile/messages', { author: 'ada', text: 12345 }, 'text'],
      ['/api/rooms/hostile/messages', { author: true, text: 'hi' }, 'author'],
      ['/api/rooms/hostile/messages', { author: ['ada'], text: 'hi' }, 'author'],
      ['/api/rooms/hostile/messages', { author: 'ada', text: ['hi'] }, 'text'],
      ['/api/rooms', { name: 12345 }, 'name'],
      ['/api/rooms', { name: ['numeric-room'] }, 'name'],
    ];
    for (const [path, json, field] of cases) {
      const response = await fixture.request<ErrorBody>('POST', path, { json });
      assert.equal(response.status, 400, `${JSON.stringify(json)}: ${response.text}`);
      assert.equal(response.body.error.code, 'invalid_type', JSON.stringify(json));
      assert.equal(response.body.error.field, field, JSON.stringify(json));
    }
    const room = await fixture.request('GET', '/api/rooms/12345');
    assert.equal(room.status, 404);
  });

  it('refuses a lone surrogate with 400 invalid_unicode, and stores nothing', async () => {
    for (const body of ['{"author":"ada","text":"a\\ud800b"}', '{"author":"\\udfff","text":"hi"}']) {
      const response = await fixture.request<ErrorBody>('POST', '/api/rooms/hostile/messages', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.body.error.code, 'invalid_unicode');
    }
    const page = await fixture.request<{ messages: unknown[] }>('GET', '/api/rooms/hostile/messages');
    assert.equal(page.body.messages.length, 0);
    // A well-formed astral character (a surrogate pair) is kept exactly.
    const emoji = await fixture.post('hostile', 'ada', 'light 🌊 wave');
    assert.equal(emoji.status, 201);
    assert.equal(emoji.body.message.text, 'light 🌊 wave');
  });

  it('refuses names and texts of invisible characters, and a name hiding a joiner', async () => {
    for (const author of [
      '\u200b',
      '\u3164',
      '\u200b\u200b\u200b',
      'teacher\u200d',
      'tea\u200bcher',
      '\u2800',
    ]) {
      const response = await fixture.post('hostile', author, 'hello');
      assert.equal(response.status, 400, JSON.stringify(author));
      assert.equal((response.body as unknown as ErrorBody).error.code, 'invalid_message');
      assert.equal((response.body as unknown as ErrorBody).error.field, 'author');
    }
    const teacherEmoji = await fixture.post('hostile', 'Ms 👩‍🏫', 'hello');
    assert.equal(teacherEmoji.status, 201, teacherEmoji.text);
    const decomposed = await fixture.post('hostile', 'Jose\u0301', 'hello');
    assert.equal(decomposed.body.message.author, 'Jos\u00e9', 'names are stored NFC');
  });

  it('escapes line separators in the text transcript, so a message cannot forge a line', async () => {
    await fixture.createRoom('forged-lines');
    const posted = await fixture.post(
      'forged-lines',
      'ada',
      'hi\u2028[2026-01-01T00:00:00.000Z] teacher: quiz cancelled',
    );
    assert.equal(posted.status, 201);
    const transcript = await fixture.request('GET', '/api/rooms/forged-lines/transcript', {
      headers: { accept: 'text/plain' },
    });
    assert.equal(transcript.status, 200);
    const lines = transcript.text.split(/[\n\r\u2028\u2029\u0085]/).filter((line) => line !== '');
    assert.ok(
      lines.every((line) => !line.startsWith('[2026-01-01')),
      transcript.text,
    );
    assert.match(transcript.text, /hi\\u2028\[2026-01-01/);
  });

  it('answers 415 to a text/plain body and 414 to an over-long URL', async () => {
    const plain = await fixture.request<ErrorBody>('POST', '/api/rooms/hostile/messages', {
      body: '{"author":"ada","text":"hi"}',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(plain.status, 415, plain.text);
    assert.equal(plain.body.error.code, 'unsupported_media_type');
    const long = await fixture.request<ErrorBody>('GET', `/api/rooms/hostile/messages?x=${'a'.repeat(9000)}`);
    assert.equal(long.status, 414);
    assert.equal(long.body.error.code, 'uri_too_long');
  });

  it('refuses JSON nested deeper than 64 levels with 400 json_too_deep, signed webhooks too', async () => {
    const deep = `{"author":"ada","text":"hi","x":${'['.repeat(100)}${']'.repeat(100)}}`;
    const response = await fixture.request<ErrorBody>('POST', '/api/rooms/hostile/messages', {
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'json_too_deep');
    const body = `{"id":"evt_deep","type":"x","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const webhook = await fixture.request<ErrorBody>('POST', '/webhooks/stripe', {
      body,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signStripeWebhook({ body, secret: stripeSecret }),
      },
    });
    assert.equal(webhook.status, 400, webhook.text);
    assert.equal(webhook.body.error.code, 'json_too_deep');
    assert.equal((await fixture.request('GET', '/api/rooms/hostile')).status, 200);
  });

  it('parses a Mailchimp form of many fields quickly and refuses over 1,000 fields with 413', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `data[list][]=${i}`).join('&');
    const started = performance.now();
    const response = await fixture.request<ErrorBody>(
      'POST',
      `/webhooks/mailchimp?secret=${mailchimpSecret}`,
      {
        body: `type=subscribe&${many}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    assert.equal(response.status, 413, response.text);
    assert.equal(response.body.error.code, 'too_many_fields');
    assert.ok(performance.now() - started < 1000);
  });
});
