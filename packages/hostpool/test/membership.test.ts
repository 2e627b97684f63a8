import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HostPool } from '../src/index.js';
import { startUpstream, type TestUpstream, waitFor } from './support/upstreams.js';

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

describe('membership', () => {
  it('remove() stops new requests at once and resolves after in-flight ones finished', async () => {
    const keep = await upstream('keep');
    const leaving = await upstream('leaving', 'slow');
    const p = new HostPool({ hosts: [keep.url, leaving.url] });
    pools.push(p);
    const removed: string[] = [];
    p.on('hostRemoved', (e) => removed.push(e.host));
    const inFlight = p.request({ method: 'POST', path: '/x', body: 'last', host: leaving.url });
    await waitFor(() => leaving.received === 1, 2000, 'request to arrive');

    let drained = false;
    const removal = p.remove(leaving.url).then((r) => {
      drained = true;
      return r;
    });
    assert.equal(p.hosts().find((h) => h.url === leaving.url)?.state, 'draining');
    await assert.rejects(p.request({ path: '/x', host: leaving.url }), { code: 'ERR_UNKNOWN_HOST' });
    for (let i = 0; i < 5; i++) assert.equal((await p.request({ path: '/x' })).host, keep.url);
    assert.equal(drained, false);
    assert.deepEqual(removed, []);

    leaving.release();
    assert.equal((await inFlight).body.toString(), 'leaving:last');
    assert.equal(await removal, true);
    assert.deepEqual(removed, [leaving.url]);
    assert.deepEqual(
      p.hosts().map((h) => h.url),
      [keep.url],
    );
    assert.equal(await p.remove(leaving.url), false);
  });

  it('add() and replace() change the members', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const c = await upstream('c');
    const p = new HostPool({ hosts: [a.url] });
    pools.push(p);
    const added: string[] = [];
    p.on('hostAdded', (e) => added.push(e.host));
    assert.equal(p.add(b.url), true);
    assert.equal(p.add(`${b.url}/`), false);
    assert.deepEqual(added, [b.url]);
    assert.equal((await p.request({ path: '/x', host: b.url })).statusCode, 200);

    await p.replace([b.url, c.url]);
    assert.deepEqual(
      p
        .hosts()
        .map((h) => h.url)
        .sort(),
      [b.url, c.url].sort(),
    );
    assert.throws(() => p.add('not a url'), { code: 'ERR_HOSTPOOL_CONFIG', option: 'add(url)' });
  });

  it('close() lets in-flight requests finish and rejects new ones', async () => {
    const slow = await upstream('slow', 'slow');
    const p = new HostPool({ hosts: [slow.url] });
    const pending = p.request({ path: '/x' });
    await waitFor(() => slow.received === 1, 2000, 'request to arrive');
    const closing = p.close();
    await assert.rejects(p.request({ path: '/x' }), { code: 'ERR_POOL_CLOSED' });
    slow.release();
    assert.equal((await pending).statusCode, 200);
    await closing;
    await p.close();
  });

  it('destroy() rejects in-flight requests at once instead of waiting', async () => {
    const slow = await upstream('slow', 'slow');
    const other = await upstream('other', 'slow');
    const p = new HostPool({ hosts: [slow.url, other.url] });
    const pending = p.request({ path: '/x' });
    await waitFor(() => slow.received + other.received === 1, 2000, 'request to arrive');
    await p.destroy();
    await assert.rejects(pending, { code: 'UND_ERR_DESTROYED' });
    assert.equal(slow.received + other.received, 1);
    await assert.rejects(p.request({ path: '/x' }), { code: 'ERR_POOL_CLOSED' });
    await p.close();
  });
});

describe('DNS re-resolution', () => {
  it('expands a host name into one member per address and follows changes', async () => {
    const u = await upstream('u');
    let answer = ['127.0.0.1'];
    const lookups: string[] = [];
    const p = new HostPool({
      hosts: [`http://upstream.test:${u.port}`],
      dns: {
        interval: 60_000,
        lookup: async (hostname) => {
          lookups.push(hostname);
          return answer;
        },
      },
    });
    pools.push(p);
    await p.refreshDns();
    assert.deepEqual(
      p.hosts().map((h) => [h.url, h.seed]),
      [[`http://127.0.0.1:${u.port}`, `http://upstream.test:${u.port}`]],
    );
    const res = await p.request({ path: '/x' });
    assert.equal(res.host, `http://127.0.0.1:${u.port}`);
    assert.equal(u.lastHostHeader, `upstream.test:${u.port}`);

    answer = ['127.0.0.1', '127.0.0.2'];
    await p.refreshDns();
    assert.deepEqual(
      p
        .hosts()
        .map((h) => h.url)
        .sort(),
      [`http://127.0.0.1:${u.port}`, `http://127.0.0.2:${u.port}`],
    );

    answer = ['127.0.0.2'];
    await p.refreshDns();
    assert.deepEqual(
      p.hosts().map((h) => h.url),
      [`http://127.0.0.2:${u.port}`],
    );
    assert.ok(lookups.every((h) => h === 'upstream.test'));
  });

  it('keeps its members when a lookup fails and reports dnsError', async () => {
    const u = await upstream('u');
    let fail: false | 'throw' | 'garbage' = false;
    const p = new HostPool({
      hosts: [`http://upstream.test:${u.port}`],
      dns: {
        interval: 60_000,
        lookup: async () => {
          if (fail === 'throw') throw new Error('SERVFAIL');
          return fail === 'garbage' ? ['not-an-address'] : ['127.0.0.1'];
        },
      },
    });
    pools.push(p);
    const errors: string[] = [];
    p.on('dnsError', (e) => errors.push(`${e.hostname}: ${e.error.message}`));
    await p.refreshDns();
    fail = 'throw';
    await p.refreshDns();
    fail = 'garbage';
    await p.refreshDns();
    assert.deepEqual(errors, [
      'upstream.test: SERVFAIL',
      'upstream.test: lookup returned "not-an-address", not an IP address',
    ]);
    assert.deepEqual(
      p.hosts().map((h) => h.url),
      [`http://127.0.0.1:${u.port}`],
    );
  });
});
