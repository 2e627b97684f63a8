import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import { ParticipantCookies } from '../src/security/participant.js';
import { ApiFixture } from './helpers/api-fixture.js';
import { CookieJarClient } from './helpers/cookie-client.js';

describe('participant cookie', () => {
  const fixture = new ApiFixture('sqlite');
  const secure = new ApiFixture('sqlite', { publicUrl: 'https://chat.example.org' });
  before(async () => {
    await fixture.start();
    await secure.start();
    await fixture.createRoom('identity');
  });
  after(async () => {
    await fixture.close();
    await secure.close();
  });

  test('opening a room page sets a signed, HttpOnly, SameSite=Lax cookie once', async () => {
    const client = new CookieJarClient(fixture.api.url);
    const page = await client.request('GET', '/identity');
    assert.ok(page.status === 200 || page.status === 503, `page ${page.status}`);
    assert.equal(client.setCookies.length, 1);
    const cookie = client.setCookies[0];
    assert.match(cookie, /^bc_participant=p_[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}; /);
    assert.match(cookie, /; Path=\//);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/);
    await client.request('GET', '/api/rooms/identity');
    assert.equal(client.setCookies.length, 1, 'a valid cookie is kept, not replaced');
  });

  test('the cookie is Secure when the public URL is https', async () => {
    const client = new CookieJarClient(secure.api.url);
    await client.request('GET', '/');
    assert.match(client.setCookies[0] ?? '', /; Secure/);
  });

  test('a tampered cookie is not believed: the browser gets a new id', async () => {
    const client = new CookieJarClient(fixture.api.url);
    await client.request('GET', '/api/rooms/identity');
    const [id, signature] = client.cookies.get('bc_participant')!.split('.');
    client.cookies.set('bc_participant', `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${signature}`);
    await client.request('GET', '/api/rooms/identity');
    assert.equal(client.setCookies.length, 2);
  });

  test('every message is stored with its participant id, and nothing public shows it', async () => {
    const alice = new CookieJarClient(fixture.api.url);
    await alice.request('GET', '/api/rooms/identity');
    const posted = await alice.post('identity', 'stored with my id', 'alice');
    assert.equal(posted.status, 201);
    const participant = alice.cookies.get('bc_participant')!.split('.')[0];
    const script = new CookieJarClient(fixture.api.url);
    assert.equal((await script.post('identity', 'no cookie here', 'bot')).status, 201);

    let addressId = '';
    // The driver for this Node.js (better-sqlite3 13 on Node.js 22 and newer).
    const Database = loadBetterSqlite3();
    const db = new Database(join(fixture.database.dataDir, 'api.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare(
          'select text, participant_id from messages where room_id = (select id from rooms where name = ?) order by seq',
        )
        .all('identity') as { text: string; participant_id: string }[];
      assert.deepEqual(
        rows.map((row) => row.text),
        ['stored with my id', 'no cookie here'],
      );
      assert.equal(rows[0].participant_id, participant);
      assert.match(rows[1].participant_id, /^a_[A-Za-z0-9_-]{22}$/);
      addressId = rows[1].participant_id;
    } finally {
      db.close();
    }
    for (const path of [
      '/api/rooms/identity/messages',
      '/api/rooms/identity/events?after=0',
      '/api/rooms/identity/transcript.json',
      '/api/rooms/identity/transcript.txt',
    ]) {
      const shown = await fixture.request('GET', path);
      assert.equal(shown.status, 200, path);
      assert.ok(!shown.text.includes(participant), `${path} shows the participant id`);
      assert.ok(!shown.text.includes(addressId), `${path} shows an address id`);
    }
    const published = JSON.stringify(fixture.reflektor.received.map((r) => r.envelopes));
    assert.ok(!published.includes(participant), 'published events carry the participant id');
  });

  test('a key rotation keeps old cookies valid while the new key signs', () => {
    const old = new ParticipantCookies(['old-key-old-key-old-key-old-key-0'], false);
    const minted = old.mint();
    const header = minted.setCookie.split(';')[0];
    const rotated = new ParticipantCookies(
      ['new-key-new-key-new-key-new-key-1', 'old-key-old-key-old-key-old-key-0'],
      false,
    );
    assert.equal(rotated.read(header), minted.id);
    assert.notEqual(rotated.mint().setCookie.split('.')[1], minted.setCookie.split('.')[1]);
    const dropped = new ParticipantCookies(['new-key-new-key-new-key-new-key-1'], false);
    assert.equal(dropped.read(header), undefined);
  });
});
