import assert from 'node:assert/strict';
import net from 'node:net';
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

  test('an event ahead of a missing seq waits for it, and the room goes out in seq order without a gap', async () => {
    const reader = new SseReader(`${base}/rooms/reordered/events`);
    await waitUntil(() => ekg.roomStats('reordered')?.subscribers === 1, 'the subscriber');
    await publish(base, envelope('reordered', 1));
    await waitUntil(() => reader.seqs.length === 1, 'the first event');
    // Two api hosts committed 2 and 3; 3 reached the relay first.
    assert.deepEqual((await publish(base, envelope('reordered', 3))).body, { accepted: 1, duplicates: 0 });
    assert.deepEqual((await publish(base, envelope('reordered', 3))).body, { accepted: 0, duplicates: 1 });
    assert.deepEqual((await publish(base, envelope('reordered', 2))).body, { accepted: 1, duplicates: 0 });
    await waitUntil(() => reader.seqs.length === 3, 'three events');
    assert.deepEqual(reader.seqs, [1, 2, 3]);
    assert.ok(!reader.messages.some((m) => m.event === 'gap'), 'no gap was announced');
    reader.close();
  });

  test('when the missing seq does not come within the reorder window, the event goes out after a gap', async () => {
    const reader = new SseReader(`${base}/rooms/holed/events`);
    await waitUntil(() => ekg.roomStats('holed')?.subscribers === 1, 'the subscriber');
    await publish(base, envelope('holed', 1));
    const started = Date.now();
    await publish(base, envelope('holed', 3));
    await waitUntil(() => reader.seqs.length === 2, 'the held event');
    assert.ok(Date.now() - started >= 90, 'it waited for the window');
    assert.deepEqual(
      reader.messages.map((m) => [m.event, m.event === 'gap' ? m.data : m.id]),
      [
        ['message.created', '1'],
        ['gap', JSON.stringify({ room: 'holed', from: 2, to: 2 })],
        ['message.created', '3'],
      ],
    );
    // The late one is below the room's last seq now: the client fetched it from the api.
    assert.deepEqual((await publish(base, envelope('holed', 2))).body, { accepted: 0, duplicates: 1 });
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

  test('a body that arrives in several pieces is read whole; one going past --max-body is refused', async () => {
    const reader = new SseReader(`${base}/rooms/pieces/events`);
    await waitUntil(() => ekg.roomStats('pieces')?.subscribers === 1, 'the subscriber');
    const text = JSON.stringify([envelope('pieces', 1, { text: 'a'.repeat(500) }), envelope('pieces', 2)]);
    const socket = net.connect(ekg.port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    // Chunked transfer coding, no Content-Length: three body chunks written apart from each other.
    socket.write(
      'POST /publish HTTP/1.1\r\nHost: ekg\r\nAuthorization: Bearer test-token\r\n' +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const third = Math.ceil(text.length / 3);
    for (let i = 0; i < text.length; i += third) {
      const piece = text.slice(i, i + third);
      socket.write(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.write('0\r\n\r\n');
    await waitUntil(() => answer.includes('"duplicates"'), 'the answer');
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.ok(answer.endsWith('{"accepted":2,"duplicates":0}'), answer);
    await waitUntil(() => reader.seqs.length === 2, 'two events');
    assert.equal(reader.envelopes[0].data && (reader.envelopes[0].data as { text: string }).text.length, 500);

    // The same way past the limit (4096 here): the request is cut off and publishes nothing.
    const big = JSON.stringify(envelope('pieces', 3, { text: 'b'.repeat(3000) }));
    const second = net.connect(ekg.port, '127.0.0.1');
    second.on('error', () => {});
    const closed = new Promise((resolve) => second.once('close', resolve));
    await new Promise((resolve) => second.once('connect', resolve));
    second.write(
      'POST /publish HTTP/1.1\r\nHost: ekg\r\nAuthorization: Bearer test-token\r\n' +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    for (const piece of [big, big]) second.write(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
    await closed;
    assert.equal(ekg.roomStats('pieces')?.lastSeq, 2);
    socket.destroy();
    reader.close();
  });

  test('metrics count published and duplicate events', async () => {
    const text = await ekg.metrics();
    assert.match(text, /ekg_published_events_total \d+/);
    assert.match(text, /ekg_duplicate_events_total [1-9]/);
    assert.match(text, /ekg_publish_to_write_seconds_bucket/);
  });
});
