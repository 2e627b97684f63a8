import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { type EkgServer, startEkg } from '../src/index.js';
import { envelope, publish, SseReader, waitUntil } from './harness.js';

async function publishRange(base: string, room: string, from: number, to: number): Promise<void> {
  const batch = [];
  for (let seq = from; seq <= to; seq++) batch.push(envelope(room, seq));
  const answer = await publish(base, batch);
  assert.equal(answer.status, 200);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('resume', () => {
  let ekg: EkgServer;
  let base: string;

  before(async () => {
    ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['test-token'], bufferSize: 10 });
    base = `http://127.0.0.1:${ekg.port}`;
  });
  after(() => ekg.close());

  test('an SSE client that drops resumes from the buffer with Last-Event-ID, each event once', async () => {
    const first = new SseReader(`${base}/rooms/resume-sse/events`);
    await waitUntil(() => ekg.roomStats('resume-sse')?.subscribers === 1, 'the subscriber');
    await publishRange(base, 'resume-sse', 1, 4);
    await waitUntil(() => first.seqs.length === 4, 'four events');
    assert.equal(first.retry, 2000);
    assert.equal(first.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(first.headers['x-accel-buffering'], 'no');
    first.close();
    await waitUntil(() => ekg.roomStats('resume-sse')?.subscribers === 0, 'the drop');
    await publishRange(base, 'resume-sse', 5, 8);
    const second = new SseReader(`${base}/rooms/resume-sse/events`, { 'Last-Event-ID': '4' });
    await waitUntil(() => second.seqs.length === 4, 'the replay');
    await publishRange(base, 'resume-sse', 7, 9);
    await waitUntil(() => second.seqs.length === 5, 'the live event');
    assert.deepEqual(second.seqs, [5, 6, 7, 8, 9]);
    assert.equal(second.messages.filter((m) => m.event === 'gap').length, 0);
    second.close();
  });

  test('?lastEventId= older than the buffer gets a gap with the missing range, then the buffer', async () => {
    await publishRange(base, 'resume-gap', 1, 25);
    const reader = new SseReader(`${base}/rooms/resume-gap/events?lastEventId=3`);
    await waitUntil(() => reader.seqs.length === 10, 'the buffered events');
    assert.equal(reader.messages[0].event, 'gap');
    assert.deepEqual(JSON.parse(reader.messages[0].data), { room: 'resume-gap', from: 4, to: 15 });
    assert.deepEqual(reader.seqs, range(16, 25));
    reader.close();
  });

  test('a client ahead of an empty buffer (ekg restarted) gets a gap when the next event skips', async () => {
    const reader = new SseReader(`${base}/rooms/resume-restart/events?lastEventId=10`);
    await waitUntil(() => ekg.roomStats('resume-restart')?.subscribers === 1, 'the subscriber');
    await publishRange(base, 'resume-restart', 9, 10);
    await publishRange(base, 'resume-restart', 13, 14);
    await waitUntil(() => reader.seqs.length === 2, 'two events');
    assert.deepEqual(reader.messages[0], {
      event: 'gap',
      data: '{"room":"resume-restart","from":11,"to":12}',
    });
    assert.deepEqual(reader.seqs, [13, 14]);
    reader.close();
  });

  test('a WebSocket resumes via ?lastEventId= with the same envelopes as JSON text frames', async () => {
    await publishRange(base, 'resume-ws', 1, 20);
    const received: { type: string; seq?: number; from?: number; to?: number }[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${ekg.port}/rooms/resume-ws/ws?lastEventId=5`);
    socket.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      received.push(JSON.parse(String(data)));
    });
    await waitUntil(() => received.length === 11, 'gap and replay');
    assert.deepEqual(received[0], { type: 'gap', room: 'resume-ws', from: 6, to: 10 });
    assert.deepEqual(
      received.slice(1).map((m) => m.seq),
      range(11, 20),
    );
    await publishRange(base, 'resume-ws', 21, 21);
    await waitUntil(() => received.length === 12, 'a live event');
    assert.equal(received[11].seq, 21);
    assert.equal(received[11].type, 'message.created');
    socket.close();
  });

  test('a fresh client (no lastEventId) gets only what is published after it joined', async () => {
    await publishRange(base, 'resume-fresh', 1, 3);
    const reader = new SseReader(`${base}/rooms/resume-fresh/events`);
    await waitUntil(() => ekg.roomStats('resume-fresh')?.subscribers === 1, 'the subscriber');
    await publishRange(base, 'resume-fresh', 4, 4);
    await waitUntil(() => reader.seqs.length === 1, 'the event');
    assert.deepEqual(reader.seqs, [4]);
    reader.close();
  });

  test('a bad lastEventId or room name is 400', async () => {
    const badSeq = new SseReader(`${base}/rooms/ok/events?lastEventId=abc`);
    const badRoom = new SseReader(`${base}/rooms/no%20spaces/events`);
    await waitUntil(() => badSeq.status !== 0 && badRoom.status !== 0, 'the answers');
    assert.equal(badSeq.status, 400);
    assert.equal(badRoom.status, 400);
  });
});
