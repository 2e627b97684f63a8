import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SseReader, startTestStack, type TestStack } from './test-stack.js';

// The three services run as real processes; a message posted to the api crosses
// reflektor's queue on disk and reaches a Server-Sent Events subscriber through ekg.
describe('a room, end to end', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.dispose();
  });

  async function api(
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${stack.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json', origin: stack.url },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('delivers a posted message to a subscriber of the room over SSE', async () => {
    const created = await api('/api/rooms', { name: 'physics-101', title: 'Physics 101' });
    assert.equal(created.status, 201, JSON.stringify(created.json));

    const stream = new SseReader(`${stack.url}/rooms/physics-101/events`);
    await stream.opened;
    const posted = await api('/api/rooms/physics-101/messages', { author: 'ada', text: 'Is light a wave?' });
    assert.equal(posted.status, 201, JSON.stringify(posted.json));

    const event = await stream.waitFor((e) => e.event === 'message.created');
    const envelope = JSON.parse(event.data) as {
      room: string;
      seq: number;
      type: string;
      data: { author: string; text: string };
    };
    assert.equal(envelope.room, 'physics-101');
    assert.equal(envelope.type, 'message.created');
    assert.equal(envelope.data.author, 'ada');
    assert.equal(envelope.data.text, 'Is light a wave?');
    assert.equal(event.id, String(envelope.seq));
    stream.close();
  });

  it('resumes from Last-Event-ID without repeating what the client saw', async () => {
    await api('/api/rooms', { name: 'chem-202' });
    const first = new SseReader(`${stack.url}/rooms/chem-202/events`);
    await first.opened;
    for (const text of ['one', 'two', 'three']) {
      assert.equal((await api('/api/rooms/chem-202/messages', { author: 'bo', text })).status, 201);
    }
    const third = await first.waitFor((e) => e.data.includes('"three"'));
    const second = first.events.find((e) => e.data.includes('"two"'));
    first.close();
    assert.ok(second?.id && third.id);

    const resumed = new SseReader(`${stack.url}/rooms/chem-202/events`, { 'last-event-id': second.id });
    await resumed.opened;
    const replayed = await resumed.waitFor((e) => e.event === 'message.created');
    assert.equal(replayed.id, third.id);
    assert.ok(replayed.data.includes('"three"'));
    resumed.close();
  });
});
