import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { replayguardFastify } from '../src/fastify.js';
import {
  mailchimpIntake,
  ReplayRecorder,
  signStandardWebhook,
  standardWebhooksIntake,
  type WebhookEvent,
} from '../src/index.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function buildApp(handled: WebhookEvent[]) {
  const app = Fastify();
  const recorder = new ReplayRecorder();
  await app.register(replayguardFastify, {
    path: '/hooks/in',
    intake: standardWebhooksIntake({ secrets: secret, source: 'reflektor' }),
    recorder,
    bodyLimit: 1024,
    onEvent: (event) => handled.push(event),
  });
  await app.register(replayguardFastify, {
    path: '/hooks/mailchimp',
    methods: ['GET', 'POST'],
    intake: mailchimpIntake({ secrets: 'mc-secret' }),
    recorder,
    onEvent: (event) => handled.push(event),
  });
  // A JSON route outside the plugins keeps fastify's own parser.
  app.post('/json', async (request) => ({ echoed: request.body }));
  return app;
}

describe('fastify plugin', () => {
  it('verifies, records once, answers duplicates, and leaves other routes alone', async () => {
    const handled: WebhookEvent[] = [];
    const app = await buildApp(handled);
    const body = '{"type":"message.created","room":"physics-101","seq":1}';
    const headers = {
      ...signStandardWebhook({ id: 'msg_1', body, secret }),
      'content-type': 'application/json',
    };
    const first = await app.inject({ method: 'POST', url: '/hooks/in', payload: body, headers });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { received: 1, duplicates: 0 });
    const again = await app.inject({ method: 'POST', url: '/hooks/in', payload: body, headers });
    assert.deepEqual(again.json(), { duplicate: true });
    assert.equal(handled.length, 1);
    assert.equal(handled[0].type, 'message.created');
    assert.deepEqual(handled[0].payload, JSON.parse(body));

    const json = await app.inject({ method: 'POST', url: '/json', payload: { a: 1 } });
    assert.deepEqual(json.json(), { echoed: { a: 1 } });
    await app.close();
  });

  it('answers 400 with the code for a bad or missing signature', async () => {
    const app = await buildApp([]);
    const body = '{"a":1}';
    const headers = signStandardWebhook({
      id: 'msg_2',
      body,
      secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
    });
    const bad = await app.inject({ method: 'POST', url: '/hooks/in', payload: body, headers });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'bad_signature');
    const missing = await app.inject({ method: 'POST', url: '/hooks/in', payload: body });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'missing_header');
    await app.close();
  });

  it('answers 413 payload_too_large past the body limit', async () => {
    const app = await buildApp([]);
    const response = await app.inject({
      method: 'POST',
      url: '/hooks/in',
      payload: 'x'.repeat(1025),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(response.statusCode, 413);
    assert.equal(response.json().error.code, 'payload_too_large');
    await app.close();
  });

  it('serves the Mailchimp validation GET and form POST behind the URL secret', async () => {
    const handled: WebhookEvent[] = [];
    const app = await buildApp(handled);
    const check = await app.inject({ method: 'GET', url: '/hooks/mailchimp?secret=mc-secret' });
    assert.equal(check.statusCode, 200);
    assert.equal(handled.length, 0);
    const wrong = await app.inject({ method: 'GET', url: '/hooks/mailchimp?secret=nope' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'bad_secret');
    const posted = await app.inject({
      method: 'POST',
      url: '/hooks/mailchimp?secret=mc-secret',
      payload:
        'type=unsubscribe&fired_at=2026-11-26+10%3A00%3A00&data[email]=ada%40example.org&data[merges][FNAME]=Ada',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(posted.statusCode, 200);
    assert.equal(handled.length, 1);
    assert.equal(handled[0].type, 'unsubscribe');
    assert.equal((handled[0].payload as { data: { merges: { FNAME: string } } }).data.merges.FNAME, 'Ada');
    await app.close();
  });
});
