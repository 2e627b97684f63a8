import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { generateStandardWebhookSecret, verifyStandardWebhook } from '@backchannel/replayguard';
import { request } from 'undici';
import { type ReflektorHandle, type ReflektorOptions, startReflektor } from '../src/index.js';
import { Upstream, waitFor } from './upstream.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function upstreams(n: number): Promise<Upstream[]> {
  const list = await Promise.all(Array.from({ length: n }, () => new Upstream().start()));
  cleanups.push(async () => {
    for (const u of list) await u.stop();
  });
  return list;
}

async function reflektorTo(hosts: string[], extra: Partial<ReflektorOptions> = {}): Promise<ReflektorHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-delivery-'));
  const handle = await startReflektor({
    targets: [{ name: 'default', prefix: '/', hosts, mode: 'broadcast' }],
    port: 0,
    adminPort: 0,
    data: dir,
    durability: 'os',
    retryBaseMs: 20,
    retryMaxMs: 200,
    ...extra,
  });
  cleanups.push(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return handle;
}

async function post(
  handle: ReflektorHandle,
  path: string,
  body: string,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<string> {
  const res = await request(`http://127.0.0.1:${handle.port}${path}`, { method, headers, body });
  assert.equal(res.statusCode, 202);
  return ((await res.body.json()) as { id: string }).id;
}

async function adminCall(
  handle: ReflektorHandle,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
): Promise<unknown> {
  const res = await request(`http://127.0.0.1:${handle.adminPort}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
  });
  const body = await res.body.json();
  assert.ok(res.statusCode < 300, `${method} ${path} → ${res.statusCode} ${JSON.stringify(body)}`);
  return body;
}

describe('delivery', () => {
  it('replays method, path, query, body bytes and end-to-end headers, drops hop-by-hop, signs', async () => {
    const [up] = await upstreams(1);
    const secret = generateStandardWebhookSecret();
    const reflektor = await reflektorTo([up.url], { signSecret: secret });
    const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    // node:http, because undici refuses to send hop-by-hop headers.
    const id = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: reflektor.port,
          method: 'PATCH',
          path: '/hooks/x?a=1&b=%20two',
          headers: {
            'content-type': 'application/octet-stream',
            'x-custom': 'kept',
            'keep-alive': 'timeout=5',
            'x-hop': 'dropped',
            connection: 'keep-alive, x-hop',
            'reflektor-ordering-key': 'k1',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            assert.equal(res.statusCode, 202);
            resolve((JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await waitFor('the replay', () => up.requests.length === 1);
    const seen = up.requests[0];
    assert.equal(seen.method, 'PATCH');
    assert.equal(seen.url, '/hooks/x?a=1&b=%20two');
    assert.deepEqual(seen.body, body);
    assert.equal(seen.headers['content-type'], 'application/octet-stream');
    assert.equal(seen.headers['x-custom'], 'kept');
    assert.equal(seen.headers['reflektor-ordering-key'], 'k1');
    assert.equal(seen.headers['x-hop'], undefined);
    assert.equal(seen.headers['keep-alive'], undefined);
    assert.equal(seen.headers.host, `127.0.0.1:${up.port}`);
    assert.equal(seen.headers['reflektor-id'], id);
    assert.equal(seen.headers['reflektor-attempt'], '1');
    assert.equal(seen.headers['webhook-id'], id);
    const verified = verifyStandardWebhook({ body: seen.body, headers: seen.headers, secrets: secret });
    assert.equal(verified.id, id);
    assert.throws(() =>
      verifyStandardWebhook({ body: Buffer.from('tampered'), headers: seen.headers, secrets: secret }),
    );
  });

  it('keeps per-key order per host; a failing head holds back only its own key', async () => {
    const [up] = await upstreams(1);
    let failBlocked = true;
    up.behaviour = (r) =>
      failBlocked && r.headers['reflektor-ordering-key'] === 'blocked' ? { status: 503 } : { status: 200 };
    const reflektor = await reflektorTo([up.url]);
    const sent: Record<string, string[]> = { a: [], b: [], blocked: [] };
    for (let i = 0; i < 30; i++) {
      for (const key of ['a', 'b', 'blocked']) {
        sent[key].push(await post(reflektor, '/e', `${key}-${i}`, { 'reflektor-ordering-key': key }));
      }
    }
    await waitFor('keys a and b', () => up.requests.length === 60);
    assert.equal(up.requests.filter((r) => r.headers['reflektor-ordering-key'] === 'blocked').length, 0);
    failBlocked = false;
    await waitFor('key blocked after recovery', () => up.requests.length === 90);
    for (const key of Object.keys(sent)) {
      const got = up.requests
        .filter((r) => r.headers['reflektor-ordering-key'] === key)
        .map((r) => String(r.headers['reflektor-id']));
      assert.deepEqual(got, sent[key], `order of key ${key}`);
    }
    const retried = up.requests.find((r) => r.body.toString() === 'blocked-0');
    assert.ok(Number(retried?.headers['reflektor-attempt']) > 1);
  });

  it('honours Retry-After on 429', async () => {
    const [up] = await upstreams(1);
    let first = 0;
    up.behaviour = () => {
      if (first === 0) {
        first = Date.now();
        return { status: 429, headers: { 'retry-after': '1' } };
      }
      return { status: 200 };
    };
    const reflektor = await reflektorTo([up.url]);
    await post(reflektor, '/e', 'x');
    await waitFor('the retried request', () => up.requests.length === 1);
    assert.ok(up.requests[0].at - first >= 950, `retried after ${up.requests[0].at - first} ms`);
  });

  it('dead-letters other 4xx at once; the admin API lists, replays and deletes them', async () => {
    const [up] = await upstreams(1);
    let reject = true;
    up.behaviour = () => (reject ? { status: 422 } : { status: 200 });
    const reflektor = await reflektorTo([up.url]);
    const id1 = await post(reflektor, '/e', 'one', { 'reflektor-ordering-key': 'k' });
    const id2 = await post(reflektor, '/e', 'two', { 'reflektor-ordering-key': 'k' });
    const id3 = await post(reflektor, '/e', 'three');
    const list = async () =>
      (
        (await adminCall(reflektor, 'GET', '/dead')) as {
          dead: Array<{ id: string; status: number; attempts: number }>;
        }
      ).dead;
    await waitFor('three dead letters', async () => (await list()).length === 3);
    const dead = await list();
    assert.deepEqual(dead.map((d) => d.id).sort(), [id1, id2, id3].sort());
    assert.ok(dead.every((d) => d.status === 422 && d.attempts === 1));
    reject = false;
    assert.deepEqual(await adminCall(reflektor, 'POST', `/dead/${id1}/replay`), { replayed: 1 });
    await waitFor('the replayed request', () => up.ids().includes(id1));
    assert.deepEqual(await adminCall(reflektor, 'DELETE', `/dead/${id3}`), { deleted: 1 });
    assert.deepEqual(await adminCall(reflektor, 'POST', `/dead/replay?host=${encodeURIComponent(up.url)}`), {
      replayed: 1,
    });
    await waitFor('the second replay', () => up.ids().includes(id2));
    assert.deepEqual(await list(), []);
    assert.deepEqual(up.ids(), [id1, id2]);
    const missing = await request(`http://127.0.0.1:${reflektor.adminPort}/dead/nope/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
  });

  it('gives up after --max-attempts into the dead letters', async () => {
    const [up] = await upstreams(1);
    up.behaviour = () => ({ status: 500 });
    const reflektor = await reflektorTo([up.url], { maxAttempts: 3 });
    const id = await post(reflektor, '/e', 'x');
    await waitFor('a dead letter', async () => {
      const { dead } = (await adminCall(reflektor, 'GET', '/dead')) as {
        dead: Array<{ id: string; attempts: number }>;
      };
      return dead.length === 1 && dead[0].id === id && dead[0].attempts === 3;
    });
  });

  it('a host down for seconds gets everything in order once back; the other host is unaffected', async () => {
    const [healthy, flaky] = await upstreams(2);
    const reflektor = await reflektorTo([healthy.url, flaky.url]);
    await flaky.stop();
    const sent: string[] = [];
    const downAt = Date.now();
    const stopAt = downAt + 5000;
    let i = 0;
    while (Date.now() < stopAt) {
      sent.push(
        await post(reflektor, '/publish', `event-${i}`, { 'reflektor-ordering-key': `room-${i % 3}` }),
      );
      i++;
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor('the healthy host to have everything', () => healthy.requests.length === sent.length);
    assert.equal(flaky.requests.length, 0);
    await flaky.start();
    await waitFor('the returning host to catch up', () => flaky.requests.length === sent.length, 20_000);
    for (const host of [healthy, flaky]) {
      assert.deepEqual([...host.ids()].sort(), [...sent].sort());
      for (let room = 0; room < 3; room++) {
        const order = host.requests
          .filter((r) => r.headers['reflektor-ordering-key'] === `room-${room}`)
          .map((r) => String(r.headers['reflektor-id']));
        assert.deepEqual(
          order,
          sent.filter((_, n) => n % 3 === room),
        );
      }
    }
  });

  it('balance mode sends each request to one healthy host', async () => {
    const [a, b, c] = await upstreams(3);
    const reflektor = await reflektorTo([a.url, b.url, c.url], {
      targets: [{ name: 'pool', prefix: '/', hosts: [a.url, b.url, c.url], mode: 'balance' }],
    });
    await c.stop();
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) sent.push(await post(reflektor, '/x', `b-${i}`));
    await waitFor('all delivered once', () => a.requests.length + b.requests.length === 60);
    assert.ok(a.requests.length > 0 && b.requests.length > 0);
    assert.deepEqual([...a.ids(), ...b.ids()].sort(), [...sent].sort());
  });

  it('balance mode: a paused host gets nothing until resumed; all paused holds the lane', async () => {
    const [a, b] = await upstreams(2);
    const reflektor = await reflektorTo([], {
      targets: [{ name: 'pool', prefix: '/', hosts: [a.url, b.url], mode: 'balance' }],
    });
    await adminCall(reflektor, 'POST', `/pause?host=${encodeURIComponent(a.url)}`);
    for (let i = 0; i < 20; i++) await post(reflektor, '/x', `p-${i}`);
    await waitFor('all on the unpaused host', () => b.requests.length === 20);
    assert.equal(a.requests.length, 0);
    await adminCall(reflektor, 'POST', `/pause?host=${encodeURIComponent(b.url)}`);
    const held = await post(reflektor, '/x', 'held');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(!a.ids().includes(held) && !b.ids().includes(held));
    await adminCall(reflektor, 'POST', '/resume');
    await waitFor('the held request', () => a.ids().includes(held) || b.ids().includes(held));
  });

  it('a paused lane holds nothing in memory: what arrives waits in the store, and all of it goes out in order on resume', async () => {
    const [up] = await upstreams(1);
    const reflektor = await reflektorTo([up.url]);
    await adminCall(reflektor, 'POST', '/pause');
    const ids: string[] = [];
    for (let i = 0; i < 300; i++)
      ids.push(await post(reflektor, '/x', `held-${i}`, { 'reflektor-ordering-key': 'k' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = (await adminCall(reflektor, 'GET', '/stats')) as {
      lanes: Array<{ paused: boolean; inMemory: number; queued: number }>;
    };
    assert.deepEqual(
      stats.lanes.map((l) => [l.paused, l.inMemory, l.queued]),
      [[true, 0, 300]],
    );
    assert.equal(up.requests.length, 0);
    await adminCall(reflektor, 'POST', '/resume');
    await waitFor('the 300 held requests', () => up.requests.length === 300);
    assert.deepEqual(up.ids(), ids);
  });

  it('routes by path prefix to named targets (config file form)', async () => {
    const [x, y] = await upstreams(2);
    const reflektor = await reflektorTo([], {
      targets: [
        { name: 'ekg', prefix: '/publish', hosts: [x.url], mode: 'broadcast' },
        { name: 'hooks', prefix: '/hooks/', hosts: [y.url], mode: 'broadcast' },
      ],
    });
    const p = await post(reflektor, '/publish', 'p');
    const h = await post(reflektor, '/hooks/a', 'h');
    const nowhere = await request(`http://127.0.0.1:${reflektor.port}/other`, { method: 'POST', body: 'z' });
    assert.equal(nowhere.statusCode, 404);
    await nowhere.body.dump();
    await waitFor('both routed', () => x.requests.length === 1 && y.requests.length === 1);
    assert.deepEqual(x.ids(), [p]);
    assert.deepEqual(y.ids(), [h]);
  });
});
