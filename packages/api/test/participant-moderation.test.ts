import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiFixture, bearer } from './helpers/api-fixture.js';
import { CookieJarClient, errorCode } from './helpers/cookie-client.js';

describe('host controls over participants', () => {
  const fixture = new ApiFixture('sqlite');
  let token = '';
  before(async () => {
    await fixture.start();
    token = await fixture.createRoom('class');
  });
  after(() => fixture.close());

  async function student(): Promise<CookieJarClient> {
    const client = new CookieJarClient(fixture.api.url);
    await client.request('GET', '/api/rooms/class');
    return client;
  }

  const owner = (path: string, json: unknown = {}) =>
    fixture.request<Record<string, unknown>>('POST', `/api/rooms/class${path}`, {
      json,
      headers: bearer(token),
    });

  test('slow mode: shown in the room, published as room.updated, one post per N s per participant', async () => {
    const ada = await student();
    const bo = await student();
    assert.equal((await ada.post('class', 'before slow mode')).status, 201);
    const set = await owner('/slow-mode', { seconds: 30 });
    assert.equal(set.status, 200, set.text);
    const room = (await fixture.request<{ room: { slowModeSeconds: number } }>('GET', '/api/rooms/class'))
      .body.room;
    assert.equal(room.slowModeSeconds, 30);
    const event = fixture.reflektor.received
      .flatMap((r) => r.envelopes)
      .find((e) => e.type === 'room.updated');
    assert.deepEqual(event?.data, { status: 'open', slowModeSeconds: 30 });

    const refused = await ada.post('class', 'too soon');
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused), 'slow_mode');
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 25 && wait <= 30, `Retry-After ${wait}`);
    assert.equal((await bo.post('class', 'my first in slow mode')).status, 201);
    assert.equal(errorCode(await bo.post('class', 'my second')), 'slow_mode');
    // The host is not slowed down.
    for (const text of ['host one', 'host two']) {
      const posted = await fixture.request('POST', '/api/rooms/class/messages', {
        json: { author: 'teacher', text },
        headers: bearer(token),
      });
      assert.equal(posted.status, 201);
    }
    assert.equal(errorCode(await owner('/slow-mode', { seconds: 99999 })), 'invalid_request');
    const audience = await fixture.request('POST', '/api/rooms/class/slow-mode', { json: { seconds: 0 } });
    assert.equal(audience.status, 401);
    assert.equal((await owner('/slow-mode', { seconds: 0 })).status, 200);
    assert.equal((await ada.post('class', 'slow mode is off')).status, 201);
  });

  test('mute: the muted participant is refused with participant_muted; others post; unmute lifts it', async () => {
    const troll = await student();
    const other = await student();
    const first = await troll.post<{ message: { id: string } }>('class', 'first');
    const muted = await owner(`/messages/${first.body.message.id}/mute-author`);
    assert.deepEqual(muted.body, { muted: true });
    const refused = await troll.post('class', 'can you hear me');
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'participant_muted');
    assert.doesNotMatch(refused.text, /others|also/);
    assert.equal((await other.post('class', 'not muted')).status, 201);
    assert.equal((await owner(`/messages/${first.body.message.id}/unmute-author`)).status, 200);
    assert.equal((await troll.post('class', 'back')).status, 201);
  });

  test('remove all messages from a participant: one action, gone from history, catch-up and transcript', async () => {
    const flooder = await student();
    const keeper = await student();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const posted = await flooder.post<{ message: { id: string } }>('class', `flood ${i}`);
      ids.push(posted.body.message.id);
    }
    assert.equal((await keeper.post('class', 'a real question')).status, 201);
    const before = fixture.reflektor.received.length;
    const removed = await owner(`/messages/${ids[2]}/remove-author-messages`);
    assert.deepEqual(removed.body, { removed: 5 });

    const published = fixture.reflektor.received.slice(before).flatMap((r) => r.envelopes);
    assert.deepEqual(
      published.filter((e) => e.type === 'message.deleted').map((e) => e.data.id),
      ids,
    );
    const history = await fixture.request<{ messages: { text: string }[] }>(
      'GET',
      '/api/rooms/class/messages?limit=100',
    );
    assert.ok(!history.body.messages.some((m) => m.text.startsWith('flood')));
    assert.ok(history.body.messages.some((m) => m.text === 'a real question'));
    const catchUp = await fixture.request<{
      events: { type: string; data: { id?: string; text?: string } }[];
    }>('GET', '/api/rooms/class/events?after=0&limit=1000');
    assert.ok(
      !catchUp.body.events.some((e) => e.type === 'message.created' && e.data.text?.startsWith('flood')),
    );
    const deletions = catchUp.body.events.filter((e) => e.type === 'message.deleted').map((e) => e.data.id);
    for (const id of ids) assert.ok(deletions.includes(id));
    const transcript = await fixture.request('GET', '/api/rooms/class/transcript.txt');
    assert.doesNotMatch(transcript.text, /flood/);
    assert.match(transcript.text, /a real question/);
    // Again: nothing left to remove, no events.
    const count = fixture.reflektor.received.length;
    assert.deepEqual((await owner(`/messages/${ids[0]}/remove-author-messages`)).body, { removed: 0 });
    assert.equal(fixture.reflektor.received.length, count);
    // The audience cannot do it.
    const refused = await keeper.request(
      'POST',
      `/api/rooms/class/messages/${ids[0]}/remove-author-messages`,
    );
    assert.equal(refused.status, 401);
  });
});
