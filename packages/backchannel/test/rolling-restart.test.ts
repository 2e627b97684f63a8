import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack } from './test-stack.js';

// A deploy restarts every service while people keep using the room: no request may fail,
// and every message posted meanwhile must be in the room's event log, in order.
describe('rolling restart under traffic', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.dispose();
  });

  async function call(
    path: string,
    body?: unknown,
    cookie?: string,
  ): Promise<{ status: number; text: string }> {
    const response = await fetch(`${stack.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json', origin: stack.url }),
        ...(cookie === undefined ? {} : { cookie }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  it('restarts ekg, reflektor and the api one by one while every request succeeds', async () => {
    assert.equal((await call('/api/rooms', { name: 'deploy-day' })).status, 201);
    const pidsBefore = Object.values(stack.services).map((s) => s.pid);

    const failures: string[] = [];
    const posted: string[] = [];
    let reads = 0;
    let running = true;
    // Five people in the room (each with the participant cookie their page got), taking turns:
    // each posts every 3 s, under the per-participant limit; reads go as fast as they are answered.
    const people: string[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await fetch(`${stack.url}/api/rooms/deploy-day`);
      people.push(page.headers.getSetCookie()[0]!.split(';')[0]!);
    }
    const poster = (async () => {
      for (let i = 0; running; i++) {
        const text = `message ${i}`;
        const r = await call(
          '/api/rooms/deploy-day/messages',
          { author: 'ops', text },
          people[i % people.length],
        );
        if (r.status === 201) posted.push(text);
        else failures.push(`POST ${text}: ${r.status} ${r.text}`);
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
    })();
    const reader = (async () => {
      while (running) {
        const r = await call('/api/rooms/deploy-day/messages?limit=5');
        if (r.status === 200) reads++;
        else failures.push(`GET: ${r.status} ${r.text}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 700));
    const order: string[] = [];
    await stack.restartAll((name) => order.push(name));
    await new Promise((resolve) => setTimeout(resolve, 700));
    running = false;
    await Promise.all([poster, reader]);

    assert.deepEqual(order, ['ekg', 'reflektor', 'api']);
    assert.deepEqual(failures, []);
    assert.ok(posted.length >= 3, `only ${posted.length} posts went through`);
    assert.ok(reads >= 20, `only ${reads} reads went through`);
    const pidsAfter = Object.values(stack.services).map((s) => s.pid);
    for (const [i, pid] of pidsAfter.entries()) {
      assert.ok(pid !== undefined && pid !== pidsBefore[i], 'every service runs in a new process');
    }

    const log = await call('/api/rooms/deploy-day/events?after=0&limit=100');
    assert.equal(log.status, 200, log.text);
    const events = (
      JSON.parse(log.text) as { events: { seq: number; type: string; data: { text?: string } }[] }
    ).events;
    const texts = events.filter((e) => e.type === 'message.created').map((e) => e.data.text);
    assert.deepEqual(texts, posted);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'event seqs are contiguous',
    );
  });
});
