import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDb, type Db } from '../src/db/connect.js';
import type { EventEnvelope } from '../src/envelope.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { purgeExpiredRooms } from '../src/purge.js';
import { ApiFixture, bearer } from './helpers/api-fixture.js';
import type { EngineUnderTest } from './helpers/database.js';

interface Message {
  id: string;
  seq: number;
  author: string;
  text: string;
  at: string;
}
interface Page {
  messages: Message[];
  next: string | null;
}
interface ErrorBody {
  error: { code: string; message: string };
}

/** The api's behaviour, run unchanged against SQLite (unit suite) and PostgreSQL (integration suite). */
export function defineApiSuite(engine: EngineUnderTest): void {
  describe(`api on ${engine}`, () => {
    const fixture = new ApiFixture(engine);
    let db: Db;
    let roomCounter = 0;
    const uniqueRoom = (prefix: string) => `${prefix}-${roomCounter++}`;

    before(async () => {
      await fixture.start();
      db = await connectDb({
        dataDir: fixture.database.dataDir,
        databaseUrl: fixture.database.databaseUrl,
        databaseSchema: fixture.database.databaseSchema,
      });
    });
    after(async () => {
      await db?.close();
      await fixture.close();
    });

    test('creating a room returns the owner token once and sets it as an HttpOnly SameSite cookie', async () => {
      const response = await fixture.request<{ room: Record<string, unknown>; ownerToken: string }>(
        'POST',
        '/api/rooms',
        { json: { name: 'physics-101', title: '  Physics 101  ' } },
      );
      assert.equal(response.status, 201);
      assert.match(response.body.ownerToken, /^bco_/);
      assert.equal(response.body.room.name, 'physics-101');
      assert.equal(response.body.room.title, 'Physics 101');
      assert.equal(response.body.room.status, 'open');
      assert.equal(response.body.room.lifetime, 'day');
      assert.equal(response.body.room.lastSeq, 0);
      assert.equal(response.body.room.owner, true);
      const expiry =
        Date.parse(String(response.body.room.expiresAt)) - Date.parse(String(response.body.room.createdAt));
      assert.equal(expiry, 24 * 3_600_000);
      const cookie = String(response.headers['set-cookie']);
      assert.match(cookie, new RegExp(`^bc_owner_physics_101=${response.body.ownerToken};`));
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.match(cookie, /Path=\/api\/rooms\/physics-101/);

      const anonymous = await fixture.request<{ room: Record<string, unknown> }>(
        'GET',
        '/api/rooms/physics-101',
      );
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.body.room.owner, false);
      assert.equal('ownerToken' in anonymous.body, false);
      const asOwner = await fixture.request<{ room: Record<string, unknown> }>(
        'GET',
        '/api/rooms/physics-101',
        {
          headers: { cookie: `other=1; bc_owner_physics_101=${response.body.ownerToken}` },
        },
      );
      assert.equal(asOwner.body.room.owner, true);
    });

    test('room names: taken 409, invalid and reserved 400, lifetimes', async () => {
      await fixture.createRoom('taken-room');
      const taken = await fixture.request<ErrorBody>('POST', '/api/rooms', { json: { name: 'taken-room' } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, 'room_taken');
      for (const name of ['ab', 'a'.repeat(65), 'has space', 'UPPER_', 'émile', 'a/b']) {
        const response = await fixture.request<ErrorBody>('POST', '/api/rooms', { json: { name } });
        assert.equal(response.status, 400, name);
        assert.equal(response.body.error.code, 'invalid_room_name', name);
      }
      for (const name of ['api', 'assets', 'rooms', 'webhooks', 'health', 'ready', 'metrics']) {
        const response = await fixture.request<ErrorBody>('POST', '/api/rooms', { json: { name } });
        assert.equal(response.status, 400, name);
        assert.equal(response.body.error.code, 'reserved_room_name', name);
      }
      const hours = { hour: 1, day: 24, week: 168, month: 720, year: 8760 };
      for (const [lifetime, h] of Object.entries(hours)) {
        const response = await fixture.request<{ room: { createdAt: string; expiresAt: string } }>(
          'POST',
          '/api/rooms',
          { json: { name: uniqueRoom(`life-${lifetime}`), lifetime } },
        );
        assert.equal(response.status, 201);
        assert.equal(
          Date.parse(response.body.room.expiresAt) - Date.parse(response.body.room.createdAt),
          h * 3_600_000,
        );
      }
      const bad = await fixture.request<ErrorBody>('POST', '/api/rooms', {
        json: { name: 'some-room', lifetime: 'decade' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_request');
      const missing = await fixture.request<ErrorBody>('GET', '/api/rooms/no-such-room');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'room_not_found');
    });

    test('posting stores the message and publishes its envelope to reflektor with the ordering key', async () => {
      const room = uniqueRoom('post');
      await fixture.createRoom(room);
      const response = await fixture.post(room, '  Ann ', '  Cafe\u0301 time  ');
      assert.equal(response.status, 201);
      const message = response.body.message;
      assert.equal(message.seq, 1);
      assert.equal(message.id, '1');
      assert.deepEqual(
        { ...message, at: undefined },
        {
          id: '1',
          seq: 1,
          author: 'Ann',
          text: 'Café time',
          at: undefined,
        },
      );
      const [sent] = fixture.reflektor.received.filter((r) => r.envelopes[0].room === room);
      assert.equal(sent.method, 'POST');
      assert.equal(sent.url, '/publish');
      assert.equal(sent.headers.authorization, 'Bearer test-token');
      assert.equal(sent.headers['reflektor-ordering-key'], room);
      assert.match(String(sent.headers['content-type']), /^application\/json/);
      assert.equal(sent.batch, false);
      assert.deepEqual(sent.envelopes[0], {
        room,
        seq: 1,
        type: 'message.created',
        at: (message as unknown as { at: string }).at,
        data: { id: '1', author: 'Ann', text: 'Café time' },
      });
      const second = await fixture.post(room, 'Bob', 'hi');
      assert.equal(second.body.message.seq, 2);
      const info = await fixture.request<{ room: { lastSeq: number } }>('GET', `/api/rooms/${room}`);
      assert.equal(info.body.room.lastSeq, 2);
    });

    test('message validation: lengths in characters, trimming, control characters', async () => {
      const room = uniqueRoom('valid');
      await fixture.createRoom(room);
      const cases: Array<[string, string]> = [
        ['', 'x'],
        ['   ', 'x'],
        ['a'.repeat(41), 'x'],
        ['ann', ''],
        ['ann', '   '],
        ['ann', 'x'.repeat(281)],
        ['ann', 'line\nbreak'],
        ['ann', 'bell\u0007'],
        ['ann', 'evil\u202eflip'],
        ['tab\tname', 'x'],
      ];
      for (const [author, text] of cases) {
        const response = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/messages`, {
          json: { author, text },
        });
        assert.equal(response.status, 400, JSON.stringify([author, text]));
        assert.equal(response.body.error.code, 'invalid_message');
      }
      const emoji = '😀'.repeat(280);
      const ok = await fixture.post(room, 'a'.repeat(40), emoji);
      assert.equal(ok.status, 201);
      const extra = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/messages`, {
        json: { author: 'a', text: 'b', admin: true },
      });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.code, 'invalid_request');
      const notJson = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/messages`, {
        headers: { 'content-type': 'application/json' },
        body: '{"author":',
      });
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error.code, 'invalid_json');
      const missing = await fixture.post('no-such-room', 'a', 'b');
      assert.equal(missing.status, 404);
      assert.equal((missing.body as unknown as ErrorBody).error.code, 'room_not_found');
    });

    test('reflektor refusing: the post is kept (201) and its event reaches reflektor once it accepts', async () => {
      const room = uniqueRoom('refuse');
      await fixture.createRoom(room);
      await fixture.post(room, 'a', 'first');
      fixture.reflektor.status = 503;
      let kept: Awaited<ReturnType<typeof fixture.post>>;
      try {
        kept = await fixture.post(room, 'a', 'kept');
        assert.equal(kept.status, 201, kept.text);
        assert.equal(kept.body.message.seq, 2);
      } finally {
        fixture.reflektor.status = 202;
      }
      const page = await fixture.request<Page>('GET', `/api/rooms/${room}/messages`);
      assert.deepEqual(
        page.body.messages.map((m) => m.text),
        ['kept', 'first'],
      );
      const deadline = Date.now() + 10_000;
      while (!fixture.reflektor.envelopes(room).some((e) => e.seq === 2)) {
        assert.ok(Date.now() < deadline, 'the kept post reaches reflektor after it recovers');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const next = await fixture.post(room, 'a', 'second');
      assert.equal(next.body.message.seq, 3);
      const info = await fixture.request<{ room: { lastSeq: number } }>('GET', `/api/rooms/${room}`);
      assert.equal(info.body.room.lastSeq, 3);
    });

    test('concurrent posts get unique, gap-free seqs and reach reflektor in seq order per room', async () => {
      const rooms = [uniqueRoom('race'), uniqueRoom('race')];
      for (const room of rooms) await fixture.createRoom(room);
      fixture.reflektor.delayMs = 2;
      try {
        const posts = [];
        for (let i = 0; i < 40; i++) posts.push(fixture.post(rooms[i % 2], 'a', `m${i}`));
        const responses = await Promise.all(posts);
        for (const response of responses) assert.equal(response.status, 201);
        for (const room of rooms) {
          const seqs = responses
            .filter((_, i) => rooms[i % 2] === room)
            .map((r) => r.body.message.seq)
            .sort((a, b) => a - b);
          assert.deepEqual(
            seqs,
            Array.from({ length: 20 }, (_, i) => i + 1),
          );
          const published = fixture.reflektor.envelopes(room).map((e) => e.seq);
          assert.deepEqual(
            published,
            Array.from({ length: 20 }, (_, i) => i + 1),
          );
        }
      } finally {
        fixture.reflektor.delayMs = 0;
      }
    });

    test('posts that arrive while one is in flight go out together: one transaction, one array request', async () => {
      const room = uniqueRoom('batch');
      await fixture.createRoom(room);
      const until = async (what: string, check: () => Promise<boolean>) => {
        const deadline = Date.now() + 15_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const waiting = async () => {
        const metrics = await fixture.request('GET', '/metrics');
        return Number(/^backchannel_api_posts_waiting (\d+)/m.exec(metrics.text)?.[1] ?? -1);
      };
      fixture.reflektor.hold();
      try {
        const arrived = fixture.reflektor.arrivals;
        const first = fixture.post(room, 'a', 'first');
        await until('the first post reached reflektor', async () => fixture.reflektor.arrivals > arrived);
        const second = fixture.post(room, 'b', 'second');
        await until('the second post waits', async () => (await waiting()) === 1);
        const third = fixture.post(room, 'c', 'third');
        await until('the third post waits', async () => (await waiting()) === 2);
        fixture.reflektor.release();
        const rest = await Promise.all([second, third]);
        assert.equal((await first).body.message.seq, 1);
        assert.deepEqual(
          rest.map((r) => [r.status, r.body.message.seq, r.body.message.text]),
          [
            [201, 2, 'second'],
            [201, 3, 'third'],
          ],
        );
        assert.equal(await waiting(), 0);
      } finally {
        fixture.reflektor.release();
      }
      const requests = fixture.reflektor.received.filter((r) => r.envelopes[0].room === room);
      assert.deepEqual(
        requests.map((r) => [r.batch, r.envelopes.map((e) => e.seq)]),
        [
          [false, [1]],
          [true, [2, 3]],
        ],
      );
      assert.equal(requests[1].headers['reflektor-ordering-key'], room);
    });

    test('history: newest page, before (newest first), after (oldest first), cursors, limits', async () => {
      const room = uniqueRoom('history');
      await fixture.createRoom(room);
      for (let i = 1; i <= 7; i++) await fixture.post(room, 'a', `m${i}`);
      const texts = (page: Page) => page.messages.map((m) => m.text);

      const newest = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?limit=3`);
      assert.equal(newest.status, 200);
      assert.deepEqual(texts(newest.body), ['m7', 'm6', 'm5']);
      assert.equal(newest.body.next, '5');
      const older = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?before=5&limit=3`);
      assert.deepEqual(texts(older.body), ['m4', 'm3', 'm2']);
      assert.equal(older.body.next, '2');
      const oldest = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?before=2&limit=3`);
      assert.deepEqual(texts(oldest.body), ['m1']);
      assert.equal(oldest.body.next, null);

      const forward = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?after=2&limit=3`);
      assert.deepEqual(texts(forward.body), ['m3', 'm4', 'm5']);
      assert.equal(forward.body.next, '5');
      const end = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?after=5&limit=3`);
      assert.deepEqual(texts(end.body), ['m6', 'm7']);
      assert.equal(end.body.next, null);
      const exact = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?after=4&limit=3`);
      assert.deepEqual(texts(exact.body), ['m5', 'm6', 'm7']);
      assert.equal(exact.body.next, null);

      const all = await fixture.request<Page>('GET', `/api/rooms/${room}/messages`);
      assert.equal(all.body.messages.length, 7);
      assert.equal(all.body.next, null);

      for (const query of ['limit=0', 'limit=101', 'before=x', 'after=-1', 'before=1&after=2', 'page=2']) {
        const response = await fixture.request<ErrorBody>('GET', `/api/rooms/${room}/messages?${query}`);
        assert.equal(response.status, 400, query);
        assert.equal(response.body.error.code, 'invalid_request', query);
      }
      const hundred = await fixture.request<Page>('GET', `/api/rooms/${room}/messages?limit=100`);
      assert.equal(hundred.status, 200);
    });

    test('moderation: owner only (401, 403), delete is a tombstone with one event and is idempotent', async () => {
      const room = uniqueRoom('moderate');
      const token = await fixture.createRoom(room);
      const other = await fixture.createRoom(uniqueRoom('other'));
      await fixture.post(room, 'a', 'keep');
      const doomed = await fixture.post(room, 'b', 'spam');
      const id = doomed.body.message.id;

      const anonymous = await fixture.request<ErrorBody>('DELETE', `/api/rooms/${room}/messages/${id}`);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error.code, 'owner_token_required');
      const wrong = await fixture.request<ErrorBody>('DELETE', `/api/rooms/${room}/messages/${id}`, {
        headers: bearer(other),
      });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error.code, 'owner_token_invalid');

      const deleted = await fixture.request('DELETE', `/api/rooms/${room}/messages/${id}`, {
        headers: bearer(token),
      });
      assert.equal(deleted.status, 204);
      const again = await fixture.request('DELETE', `/api/rooms/${room}/messages/${id}`, {
        headers: { cookie: `bc_owner_${room.replaceAll('-', '_')}=${token}` },
      });
      assert.equal(again.status, 204);
      const deletions = fixture.reflektor.envelopes(room).filter((e) => e.type === 'message.deleted');
      assert.equal(deletions.length, 1);
      assert.deepEqual(deletions[0].data, { id });
      assert.equal(deletions[0].seq, 3);

      const page = await fixture.request<Page>('GET', `/api/rooms/${room}/messages`);
      assert.deepEqual(
        page.body.messages.map((m) => m.text),
        ['keep'],
      );
      const missing = await fixture.request<ErrorBody>('DELETE', `/api/rooms/${room}/messages/999`, {
        headers: bearer(token),
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'message_not_found');
    });

    test('pause, resume and close: events, 409 while paused, 410 once closed', async () => {
      const room = uniqueRoom('lifecycle');
      const token = await fixture.createRoom(room);
      const unauthorised = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/pause`);
      assert.equal(unauthorised.status, 401);
      const paused = await fixture.request<{ room: { status: string } }>('POST', `/api/rooms/${room}/pause`, {
        headers: bearer(token),
      });
      assert.equal(paused.status, 200);
      assert.equal(paused.body.room.status, 'paused');
      const refused = await fixture.post(room, 'a', 'x');
      assert.equal(refused.status, 409);
      assert.equal((refused.body as unknown as ErrorBody).error.code, 'room_paused');
      const twice = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/pause`, {
        headers: bearer(token),
      });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error.code, 'room_state_conflict');
      // A client that sends `content-type: application/json` on a bodiless call is not refused.
      const resumed = await fixture.request<{ room: { status: string } }>(
        'POST',
        `/api/rooms/${room}/resume`,
        { headers: { ...bearer(token), 'content-type': 'application/json' } },
      );
      assert.equal(resumed.status, 200, resumed.text);
      assert.equal(resumed.body.room.status, 'open');
      assert.equal((await fixture.post(room, 'a', 'back')).status, 201);
      const closed = await fixture.request<{ room: { status: string } }>('POST', `/api/rooms/${room}/close`, {
        headers: bearer(token),
      });
      assert.equal(closed.body.room.status, 'closed');
      const gone = await fixture.post(room, 'a', 'x');
      assert.equal(gone.status, 410);
      assert.equal((gone.body as unknown as ErrorBody).error.code, 'room_closed');
      const reopen = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/resume`, {
        headers: bearer(token),
      });
      assert.equal(reopen.status, 410);
      assert.deepEqual(
        fixture.reflektor.envelopes(room).map((e) => [e.seq, e.type]),
        [
          [1, 'room.paused'],
          [2, 'room.resumed'],
          [3, 'message.created'],
          [4, 'room.closed'],
        ],
      );
    });

    test('catch-up events: seq order, deleted messages left out, paging with next', async () => {
      const room = uniqueRoom('catchup');
      const token = await fixture.createRoom(room);
      await fixture.post(room, 'a', 'one');
      await fixture.post(room, 'a', 'two');
      await fixture.request('DELETE', `/api/rooms/${room}/messages/2`, { headers: bearer(token) });
      await fixture.request('POST', `/api/rooms/${room}/pause`, { headers: bearer(token) });
      await fixture.request('POST', `/api/rooms/${room}/resume`, { headers: bearer(token) });
      await fixture.post(room, 'a', 'three');
      const all = await fixture.request<{ events: EventEnvelope[]; next: number | null; lastSeq: number }>(
        'GET',
        `/api/rooms/${room}/events?after=0`,
      );
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.events.map((e) => [e.seq, e.type]),
        [
          [1, 'message.created'],
          [3, 'message.deleted'],
          [4, 'room.paused'],
          [5, 'room.resumed'],
          [6, 'message.created'],
        ],
      );
      assert.equal(all.body.lastSeq, 6);
      assert.equal(all.body.next, null);
      // Catch-up returns the same envelopes reflektor was given.
      const published = new Map(fixture.reflektor.envelopes(room).map((e) => [e.seq, e]));
      for (const event of all.body.events) assert.deepEqual(event, published.get(event.seq));

      const first = await fixture.request<{ events: EventEnvelope[]; next: number | null }>(
        'GET',
        `/api/rooms/${room}/events?after=1&limit=2`,
      );
      assert.deepEqual(
        first.body.events.map((e) => e.seq),
        [3, 4],
      );
      assert.equal(first.body.next, 4);
      const rest = await fixture.request<{ events: EventEnvelope[]; next: number | null }>(
        'GET',
        `/api/rooms/${room}/events?after=4&limit=2`,
      );
      assert.deepEqual(
        rest.body.events.map((e) => e.seq),
        [5, 6],
      );
      assert.equal(rest.body.next, null);
      const bad = await fixture.request<ErrorBody>('GET', `/api/rooms/${room}/events?after=x`);
      assert.equal(bad.status, 400);
    });

    test('transcript: text by default and by Accept, JSON by Accept or extension, deleted left out', async () => {
      const room = uniqueRoom('transcript');
      const token = await fixture.createRoom(room, { title: 'Talk' });
      await fixture.post(room, 'ann', 'first <b>');
      await fixture.post(room, 'bob', 'gone');
      await fixture.post(room, 'cy', 'last');
      await fixture.request('DELETE', `/api/rooms/${room}/messages/2`, { headers: bearer(token) });

      const text = await fixture.request('GET', `/api/rooms/${room}/transcript`);
      assert.equal(text.status, 200);
      assert.match(String(text.headers['content-type']), /^text\/plain/);
      assert.match(text.text, /^# Talk/);
      assert.match(text.text, /\] ann: first <b>\n/);
      assert.match(text.text, /\] cy: last\n/);
      assert.doesNotMatch(text.text, /gone/);
      const txt = await fixture.request('GET', `/api/rooms/${room}/transcript.txt`);
      assert.equal(txt.text, text.text);

      const requests: Array<{ path: string; headers: Record<string, string> }> = [
        { path: `/api/rooms/${room}/transcript`, headers: { accept: 'application/json' } },
        { path: `/api/rooms/${room}/transcript.json`, headers: {} },
      ];
      for (const request of requests) {
        const json = await fixture.request<{ room: { name: string }; messages: Message[] }>(
          'GET',
          request.path,
          {
            headers: request.headers,
          },
        );
        assert.equal(json.status, 200);
        assert.equal(json.body.room.name, room);
        assert.deepEqual(
          json.body.messages.map((m) => [m.author, m.text]),
          [
            ['ann', 'first <b>'],
            ['cy', 'last'],
          ],
        );
      }
      const refused = await fixture.request<ErrorBody>('GET', `/api/rooms/${room}/transcript`, {
        headers: { accept: 'image/png' },
      });
      assert.equal(refused.status, 406);
    });

    test('transcript streams across its read batches in order (2,500 messages, some deleted)', async () => {
      const room = uniqueRoom('long-transcript');
      await fixture.createRoom(room);
      const row = await db.writer
        .selectFrom('rooms')
        .select('id')
        .where('name', '=', room)
        .executeTakeFirstOrThrow();
      const at = new Date().toISOString();
      const all = Array.from({ length: 2500 }, (_, i) => ({
        room_id: row.id,
        seq: i + 1,
        author: 'a',
        text: `n${i + 1}`,
        created_at: at,
        deleted_at: (i + 1) % 7 === 0 ? at : null,
      }));
      for (let i = 0; i < all.length; i += 500) {
        await db.writer
          .insertInto('messages')
          .values(all.slice(i, i + 500))
          .execute();
      }
      await db.writer.updateTable('rooms').set({ last_seq: 2500 }).where('id', '=', row.id).execute();
      const expected = all.filter((m) => m.deleted_at === null).map((m) => m.text);
      const json = await fixture.request<{ messages: Message[] }>(
        'GET',
        `/api/rooms/${room}/transcript.json`,
      );
      assert.deepEqual(
        json.body.messages.map((m) => m.text),
        expected,
      );
      const text = await fixture.request('GET', `/api/rooms/${room}/transcript.txt`);
      const lines = text.text.split('\n').filter((line) => line.startsWith('['));
      assert.deepEqual(
        lines.map((line) => line.slice(line.indexOf('] a: ') + 5)),
        expected,
      );
    });

    test('owner token rotation: the old token stops working', async () => {
      const room = uniqueRoom('rotate');
      const oldToken = await fixture.createRoom(room);
      const rotated = await fixture.request<{ ownerToken: string }>(
        'POST',
        `/api/rooms/${room}/owner-token`,
        {
          headers: bearer(oldToken),
        },
      );
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.ownerToken, oldToken);
      assert.match(String(rotated.headers['set-cookie']), new RegExp(rotated.body.ownerToken));
      const stale = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/pause`, {
        headers: bearer(oldToken),
      });
      assert.equal(stale.status, 403);
      const fresh = await fixture.request('POST', `/api/rooms/${room}/pause`, {
        headers: bearer(rotated.body.ownerToken),
      });
      assert.equal(fresh.status, 200);
    });

    test('expired rooms report expired, refuse posts with 410, and are purged after the grace period', async () => {
      const room = uniqueRoom('expire');
      await fixture.createRoom(room, { lifetime: 'hour' });
      await fixture.post(room, 'a', 'before expiry');
      const past = new Date(Date.now() - 2 * 3_600_000).toISOString();
      await db.writer.updateTable('rooms').set({ expires_at: past }).where('name', '=', room).execute();
      const info = await fixture.request<{ room: { status: string } }>('GET', `/api/rooms/${room}`);
      assert.equal(info.body.room.status, 'expired');
      const refused = await fixture.post(room, 'a', 'late');
      assert.equal(refused.status, 410);
      assert.equal((refused.body as unknown as ErrorBody).error.code, 'room_expired');

      const options = {
        db,
        log: createLogger('test', 'text'),
        metrics: createMetrics(),
        graceMs: 3 * 3_600_000,
      };
      await purgeExpiredRooms(options);
      assert.equal(
        (await fixture.request('GET', `/api/rooms/${room}`)).status,
        200,
        'kept within the grace period',
      );
      await purgeExpiredRooms({ ...options, graceMs: 3_600_000 });
      assert.equal((await fixture.request('GET', `/api/rooms/${room}`)).status, 404);
      const leftovers = await db.reader
        .selectFrom('messages')
        .select('seq')
        .where('room_id', 'not in', db.reader.selectFrom('rooms').select('id'))
        .execute();
      assert.equal(leftovers.length, 0);
      // The name is free again.
      await fixture.createRoom(room);
    });

    test('Origin check on state-changing requests', async () => {
      const evil = await fixture.request<ErrorBody>('POST', '/api/rooms', {
        json: { name: uniqueRoom('origin') },
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(evil.status, 403);
      assert.equal(evil.body.error.code, 'origin_forbidden');
      const publicOrigin = await fixture.request('POST', '/api/rooms', {
        json: { name: uniqueRoom('origin') },
        headers: { origin: 'http://localhost:3000' },
      });
      assert.equal(publicOrigin.status, 201);
      const sameHost = await fixture.request('POST', '/api/rooms', {
        json: { name: uniqueRoom('origin') },
        headers: { origin: fixture.api.url },
      });
      assert.equal(sameHost.status, 201);
      const readsPass = await fixture.request('GET', '/health', {
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(readsPass.status, 200);
    });

    test('errors: body too large 413, wrong media type 415, unknown path 404, all as {error:{code,message}}', async () => {
      const room = uniqueRoom('limits');
      await fixture.createRoom(room);
      const big = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/messages`, {
        json: { author: 'a', text: 'x'.repeat(20_000) },
      });
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'body_too_large');
      const form = await fixture.request<ErrorBody>('POST', `/api/rooms/${room}/messages`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'author=a&text=b',
      });
      assert.equal(form.status, 415);
      assert.equal(form.body.error.code, 'unsupported_media_type');
      const unknown = await fixture.request<ErrorBody>('GET', '/api/nothing/here');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'not_found');
      assert.match(String(unknown.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(unknown.headers['x-content-type-options'], 'nosniff');
    });

    test('health, ready and Prometheus metrics', async () => {
      assert.equal((await fixture.request('GET', '/health')).status, 200);
      assert.equal((await fixture.request('GET', '/ready')).status, 200);
      const metrics = await fixture.request('GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /backchannel_api_messages_posted_total \d+/);
      assert.match(metrics.text, /backchannel_api_http_request_duration_seconds_bucket/);
    });
  });
}
