import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HostPool } from '../src/index.js';
import { deadUrl, startUpstream, type TestUpstream } from './support/upstreams.js';

const upstreams: TestUpstream[] = [];
const pools: HostPool[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
});

async function upstream(name: string, behaviour: TestUpstream['behaviour'] = 'ok'): Promise<TestUpstream> {
  const u = await startUpstream(name, behaviour);
  upstreams.push(u);
  return u;
}

function pool(options: ConstructorParameters<typeof HostPool>[0]): HostPool {
  const p = new HostPool(options);
  pools.push(p);
  return p;
}

async function countByHost(p: HostPool, total: number, concurrency: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const res = await p.request({ method: 'POST', path: '/echo', body: 'x' });
        assert.equal(res.statusCode, 200);
        counts.set(res.host, (counts.get(res.host) ?? 0) + 1);
      }
    }),
  );
  return counts;
}

describe('balance', () => {
  it('returns the full response body, status, headers and the answering host', async () => {
    const a = await upstream('a');
    const p = pool({ hosts: [a.url] });
    const res = await p.request({ method: 'POST', path: '/echo', body: 'hello', headers: { 'x-test': '1' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.toString(), 'a:hello');
    assert.equal(res.headers['content-length'], '7');
    assert.equal(res.host, a.url);
    assert.equal(res.attempts, 1);
  });

  it('round-robin splits requests evenly', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const p = pool({ hosts: [a.url, b.url], balance: 'round-robin' });
    const counts = await countByHost(p, 100, 1);
    assert.equal(counts.get(a.url), 50);
    assert.equal(counts.get(b.url), 50);
  });

  it('p2c spreads concurrent load over equal hosts', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const p = pool({ hosts: [a.url, b.url] });
    // Warm connections first, so a cold connect's latency does not start either host behind.
    for (let i = 0; i < 5; i++) {
      await p.request({ path: '/warm', host: a.url });
      await p.request({ path: '/warm', host: b.url });
    }
    const counts = await countByHost(p, 400, 16);
    assert.equal((counts.get(a.url) ?? 0) + (counts.get(b.url) ?? 0), 400);
    assert.ok((counts.get(a.url) ?? 0) >= 40, `a got ${counts.get(a.url)} of 400`);
    assert.ok((counts.get(b.url) ?? 0) >= 40, `b got ${counts.get(b.url)} of 400`);
  });

  it('p2c and least-pending keep new requests off a host that is stuck', async () => {
    for (const balance of ['p2c', 'least-pending'] as const) {
      const fast = await upstream('fast');
      const stuck = await upstream('stuck', 'slow');
      const p = pool({ hosts: [fast.url, stuck.url], balance });
      const held: Promise<unknown>[] = [];
      // Pin a few requests on the stuck host so it has requests in flight.
      for (let i = 0; i < 4; i++) held.push(p.request({ path: '/hold', host: stuck.url }));
      const counts = await countByHost(p, 50, 1);
      assert.equal(counts.get(fast.url), 50, `${balance}: ${JSON.stringify([...counts])}`);
      stuck.release();
      await Promise.all(held);
    }
  });

  it('pins a request to one host with `host`', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const p = pool({ hosts: [a.url, b.url] });
    for (let i = 0; i < 10; i++) {
      const res = await p.request({ path: '/x', host: `${b.url}/` });
      assert.equal(res.host, b.url);
    }
    assert.equal(b.received, 10);
    assert.equal(a.received, 0);
    await assert.rejects(p.request({ path: '/x', host: 'http://127.0.0.1:1' }), { code: 'ERR_UNKNOWN_HOST' });
  });

  it('keeps a base URL path prefix', async () => {
    const a = await upstream('a');
    const p = pool({ hosts: [`${a.url}/prefix/`] });
    const res = await p.request({ path: '/x' });
    assert.equal(res.host, `${a.url}/prefix`);
    assert.equal(res.statusCode, 200);
  });
});

describe('retry on another host', () => {
  it('retries a refused connection of a POST (nothing was sent) on another host', async () => {
    const dead = await deadUrl();
    const live = await upstream('live');
    const p = pool({ hosts: [dead, live.url], balance: 'round-robin', outlierDetection: false });
    for (let i = 0; i < 10; i++) {
      const res = await p.request({ method: 'POST', path: '/x', body: String(i) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.host, live.url);
    }
    const deadInfo = p.hosts().find((h) => h.url === dead)!;
    assert.equal(deadInfo.errors, 5);
    assert.match(deadInfo.lastError ?? '', /ECONNREFUSED/);
  });

  it('does not repeat a POST whose connection broke after sending, unless idempotent or retryable', async () => {
    const breaking = await upstream('breaking', 'destroy');
    const live = await upstream('live');
    const p = pool({ hosts: [breaking.url, live.url], balance: 'round-robin', outlierDetection: false });
    let failed = 0;
    for (let i = 0; i < 10; i++) {
      try {
        await p.request({ method: 'POST', path: '/x', body: 'b' });
      } catch (error) {
        assert.ok(['UND_ERR_SOCKET', 'ECONNRESET'].includes((error as { code: string }).code), String(error));
        failed++;
      }
    }
    assert.equal(failed, 5);
    for (const extra of [{ retryable: true }, { idempotent: true }, { method: 'PUT' }]) {
      for (let i = 0; i < 6; i++) {
        const res = await p.request({ method: 'POST', path: '/x', body: 'b', ...extra });
        assert.equal(res.host, live.url);
      }
    }
  });

  it('gives up after `retries` further hosts with the last host error', async () => {
    const p = pool({
      hosts: [await deadUrl(), await deadUrl(), await deadUrl()],
      retries: 1,
      outlierDetection: false,
    });
    await assert.rejects(p.request({ path: '/x' }), { code: 'ECONNREFUSED' });
    const tried = p.hosts().reduce((n, h) => n + h.requests, 0);
    assert.equal(tried, 2);
  });

  it('never retries a pinned request elsewhere', async () => {
    const dead = await deadUrl();
    const live = await upstream('live');
    const p = pool({ hosts: [dead, live.url], outlierDetection: false });
    await assert.rejects(p.request({ path: '/x', host: dead }), { code: 'ECONNREFUSED' });
    assert.equal(live.received, 0);
  });
});
