// The status page's data on the api: who may read it (loopback, the token, the sign-in cookie,
// nobody else), what /status.json holds, the live stream, and the reserved room name.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import { request } from 'undici';
import { ApiFixture } from './helpers/api-fixture.js';

const TOKEN = 'status-token-for-tests-0123456789';
/** A client beyond this machine, as the trusted proxy in front (loopback) vouches for it. */
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

interface StatusJson {
  after: number;
  services: {
    name: string;
    healthy: boolean;
    series: { name: string; unit: string; points: [number, number][] }[];
  }[];
}

function series(document: StatusJson, service: string, name: string) {
  return document.services.find((s) => s.name === service)?.series.find((s) => s.name === name);
}

describe('api: status data and its access', () => {
  let fixture: ApiFixture;

  before(async () => {
    fixture = await new ApiFixture('sqlite', { statusToken: TOKEN }).start();
  });
  after(async () => {
    await fixture?.close();
  });

  it('answers /status.json from loopback with every series named, with its unit and points', async () => {
    await fixture.createRoom('status-data');
    for (let i = 0; i < 5; i++) assert.equal((await fixture.post('status-data', 'ana', `m${i}`)).status, 201);
    assert.equal((await fixture.request('GET', '/api/rooms/status-data/messages')).status, 200);
    // The ring closes a second at each boundary: wait for the one holding the posts.
    let document: StatusJson | undefined;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      const response = await fixture.request<StatusJson>('GET', '/status.json');
      assert.equal(response.status, 200);
      document = response.body;
      const rate = series(document, 'api', 'post.rate')?.points ?? [];
      if (rate.reduce((sum, [, n]) => sum + n, 0) === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(document);
    const api = document.services.find((s) => s.name === 'api');
    assert.equal(api?.healthy, true);
    const post = series(document, 'api', 'post.p90');
    assert.equal(post?.unit, 'ms');
    assert.ok(post && post.points.length >= 1, 'a p90 point for the posts');
    const posted = series(document, 'api', 'post.rate')!.points.reduce((sum, [, n]) => sum + n, 0);
    assert.equal(posted, 5);
    const history = series(document, 'api', 'history.p90');
    assert.ok(history && history.points.length >= 1);
    for (const name of [
      'requests',
      'errors.4xx',
      'errors.5xx',
      'errors.429',
      'process.cpu',
      'process.rss',
      'process.loop_delay_p99',
    ]) {
      assert.ok(series(document, 'api', name), `series ${name}`);
    }
    for (const [t, value] of post.points) {
      assert.ok(Number.isInteger(t) && t > document.after);
      assert.ok(value > 0);
    }
  });

  it('refuses /status.json to a client beyond loopback without the token: 401 status_token_required', async () => {
    const response = await fixture.request<{ error: { code: string } }>('GET', '/status.json', {
      headers: REMOTE,
    });
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'status_token_required');
    assert.match(String(response.headers['www-authenticate']), /^Bearer/);
  });

  it('refuses a wrong token and opens with the right one', async () => {
    const wrong = await fixture.request<{ error: { code: string } }>('GET', '/status.json', {
      headers: { ...REMOTE, authorization: `Bearer ${TOKEN}x` },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'status_token_wrong');
    const right = await fixture.request<StatusJson>('GET', '/status.json', {
      headers: { ...REMOTE, authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(right.status, 200);
    assert.ok(Array.isArray(right.body.services));
  });

  it('signs in with the form: the cookie opens the data and the live stream, and holds no token', async () => {
    const wrong = await fixture.request('POST', '/status/login', {
      headers: { ...REMOTE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=nope',
    });
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.location, '/status?login=wrong');
    assert.equal(wrong.headers['set-cookie'], undefined);

    const login = await fixture.request('POST', '/status/login', {
      headers: { ...REMOTE, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(TOKEN)}`,
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/status');
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    assert.ok(!cookie.includes(TOKEN));

    const withCookie = await fixture.request('GET', '/status.json', { headers: { ...REMOTE, cookie } });
    assert.equal(withCookie.status, 200);
    const forged = await fixture.request('GET', '/status.json', {
      headers: { ...REMOTE, cookie: `${cookie.split('=')[0]}=${TOKEN}` },
    });
    assert.equal(forged.status, 401);

    const stream = await request(`${fixture.api.url}/status/events`, { headers: { ...REMOTE, cookie } });
    assert.equal(stream.statusCode, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    let text = '';
    for await (const chunk of stream.body) {
      text += String(chunk);
      if (text.includes('event: status\ndata: ') && text.endsWith('\n\n')) break;
    }
    stream.body.destroy();
    const data = text.slice(text.indexOf('data: ') + 6).split('\n')[0];
    const pushed = JSON.parse(data) as StatusJson;
    assert.ok(pushed.services.some((s) => s.name === 'api'));
  });

  it('refuses the live stream beyond loopback without the token', async () => {
    const response = await fixture.request('GET', '/status/events', { headers: REMOTE });
    assert.equal(response.status, 401);
  });

  it('reserves the room name "status"', async () => {
    const response = await fixture.request<{ error: { code: string } }>('POST', '/api/rooms', {
      json: { name: 'status' },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'reserved_room_name');
  });

  it('keeps a room named "status" made before the name was reserved working, its page at /status/room', async () => {
    await fixture.createRoom('status-old');
    // Such a room could only be made by an older version: rename one in the database.
    const Database = loadBetterSqlite3();
    const db = new Database(join(fixture.database.dataDir, 'api.sqlite'));
    db.prepare("UPDATE rooms SET name = 'status' WHERE name = 'status-old'").run();
    db.close();
    const room = await fixture.request<{ room: { name: string; url: string } }>('GET', '/api/rooms/status');
    assert.equal(room.status, 200);
    assert.equal(room.body.room.url, 'http://localhost:3000/status/room');
    assert.equal((await fixture.post('status', 'ana', 'still here')).status, 201);
    const messages = await fixture.request<{ messages: { text: string }[] }>(
      'GET',
      '/api/rooms/status/messages',
    );
    assert.deepEqual(
      messages.body.messages.map((m) => m.text),
      ['still here'],
    );
    const page = await fixture.request('GET', '/status/room');
    assert.equal(page.status, 200);
    assert.match(page.text, /<body class="room">/);
    const statusPage = await fixture.request('GET', '/status');
    assert.match(statusPage.text, /<body class="status-page">/);
  });

  it('stamps each publish to reflektor with Backchannel-Published-At', async () => {
    const before = Date.now();
    await fixture.createRoom('status-stamp');
    await fixture.post('status-stamp', 'ana', 'stamped');
    const publishes = fixture.reflektor.received.filter((r) =>
      r.envelopes.some((e) => e.room === 'status-stamp'),
    );
    assert.ok(publishes.length > 0);
    const stamp = Number(publishes[0].headers['backchannel-published-at']);
    assert.ok(stamp >= before && stamp <= Date.now(), `stamp ${stamp}`);
  });
});

describe('api: status recording off', () => {
  it('keeps serving /status.json with no api figures recorded', async () => {
    const fixture = await new ApiFixture('sqlite', { statusRecording: false }).start();
    try {
      await fixture.createRoom('status-off');
      await fixture.post('status-off', 'ana', 'x');
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const response = await fixture.request<StatusJson>('GET', '/status.json');
      assert.equal(response.status, 200);
      assert.equal(series(response.body, 'api', 'post.p90')?.points.length ?? 0, 0);
      const remote = await fixture.request('GET', '/status.json', { headers: REMOTE });
      assert.equal(remote.status, 401);
      // A status page left open does not hold the api's shutdown.
      const stream = await request(`${fixture.api.url}/status/events`);
      assert.equal(stream.statusCode, 200);
      const started = Date.now();
      await fixture.close();
      assert.ok(Date.now() - started < 3000, `closed in ${Date.now() - started} ms`);
      await stream.body.text().catch(() => '');
    } finally {
      await fixture.close();
    }
  });
});
