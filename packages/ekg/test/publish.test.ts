import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateStandardWebhookSecret, signStandardWebhook } from '@backchannel/replayguard';
import { type EkgServer, startEkg } from '../src/index.js';
import { envelope, publish, SseReader, waitUntil } from './harness.js';

const secret = generateStandardWebhookSecret();

function signed(
  body: unknown,
  options: { secret?: string; timestamp?: number } = {},
): [string, Record<string, string>] {
  const text = JSON.stringify(body);
  const headers = signStandardWebhook({
    id: `msg_${Math.random()}`,
    body: text,
    secret: options.secret ?? secret,
    timestamp: options.timestamp,
  });
  return [text, headers];
}

describe('POST /publish', () => {
  let ekg: EkgServer;
  let base: string;

  before(async () => {
    ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      secrets: [secret],
      tokens: ['test-token'],
      maxBodyBytes: 4096,
    });
    base = `http://127.0.0.1:${ekg.port}`;
  });
  after(() => ekg.close());

  test('a Standard Webhooks signed envelope reaches the room, a redelivery of its seq is dropped', async () => {
    const reader = new SseReader(`${base}/rooms/signed/events`);
    await waitUntil(() => ekg.roomStats('signed')?.subscribers === 1, 'the subscriber');
    const [text, headers] = signed(envelope('signed', 1));
    assert.deepEqual((await publish(base, text, headers)).body, { accepted: 1, duplicates: 0 });
    // reflektor retries with the same webhook-id and body: accepted as a request, dropped by seq.
    assert.deepEqual((await publish(base, text, headers)).body, { accepted: 0, duplicates: 1 });
    const [text2, headers2] = signed([envelope('signed', 1), envelope('signed', 2)]);
    assert.deepEqual((await publish(base, text2, headers2)).body, { accepted: 1, duplicates: 1 });
    await waitUntil(() => reader.seqs.length === 2, 'two events');
    assert.deepEqual(reader.seqs, [1, 2]);
    assert.equal(reader.messages[0].id, '1');
    assert.equal(reader.messages[0].event, 'message.created');
    reader.close();
  });

  test('an array of envelopes for several rooms with a bearer token', async () => {
    const answer = await publish(base, [envelope('a', 1), envelope('b', 1), envelope('a', 2)]);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { accepted: 3, duplicates: 0 });
    assert.equal(ekg.roomStats('a')?.lastSeq, 2);
    assert.equal(ekg.roomStats('b')?.buffered, 1);
  });

  test('a relayed request carrying a bearer token for the relay next to a valid signature is accepted', async () => {
    const [text, headers] = signed(envelope('relayed', 1));
    const answer = await publish(base, text, { ...headers, authorization: 'Bearer token-for-the-relay' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { accepted: 1, duplicates: 0 });
  });

  test('unsigned, badly signed, stale and wrong-token requests are 401 and publish nothing', async () => {
    const body = envelope('guarded', 1);
    const cases: [string, Record<string, string>][] = [
      [JSON.stringify(body), {}],
      signed(body, { secret: generateStandardWebhookSecret() }),
      signed(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      [JSON.stringify(body), { authorization: 'Bearer wrong-token' }],
    ];
    const [text, headers] = signed(body);
    cases.push([text.replace('event 1', 'event X'), headers]);
    for (const [text, headers] of cases) {
      const answer = await publish(base, text, headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.equal(answer.body.error?.code, 'unauthorized');
    }
    assert.equal(ekg.roomStats('guarded'), undefined);
  });

  test('malformed bodies are 400 naming the field, and nothing of the request is published', async () => {
    const good = envelope('strict', 1);
    const cases: [unknown, string][] = [
      ['not json', 'invalid_json'],
      [[], 'body'],
      [{ ...good, seq: 'x' }, 'envelope.seq'],
      [{ ...good, seq: 0 }, 'envelope.seq'],
      [{ ...good, room: 'has space' }, 'envelope.room'],
      [{ ...good, type: 'two\nlines' }, 'envelope.type'],
      [{ ...good, at: 'yesterday' }, 'envelope.at'],
      [{ room: 'strict', seq: 1, type: 'message.created', at: good.at }, 'envelope.data'],
      [[good, { ...good, seq: 2, room: '' }], 'envelope[1].room'],
    ];
    for (const [body, field] of cases) {
      const answer = await publish(base, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      if (field === 'invalid_json') assert.equal(answer.body.error?.code, 'invalid_json');
      else assert.ok(answer.body.error?.message.startsWith(`${field} `), answer.body.error?.message);
    }
    assert.equal(ekg.roomStats('strict'), undefined);
  });

  test('a body over --max-body is 413', async () => {
    const answer = await publish(base, envelope('big', 1, { text: 'x'.repeat(5000) }));
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error?.code, 'body_too_large');
  });

  test('metrics count published and duplicate events', async () => {
    const text = await ekg.metrics();
    assert.match(text, /ekg_published_events_total \d+/);
    assert.match(text, /ekg_duplicate_events_total [1-9]/);
    assert.match(text, /ekg_publish_to_write_seconds_bucket/);
  });
});
