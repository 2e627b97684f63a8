import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HostPool, NoHealthyHostError } from '../src/index.js';
import { deadUrl, startUpstream, type TestUpstream, waitFor } from './support/upstreams.js';

const upstreams: TestUpstream[] = [];
const pools: HostPool[] = [];
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
});

describe('broadcast', () => {
  it('sends to every host and returns one result per host, failures included', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b', 'error-500');
    upstreams.push(a, b);
    const dead = await deadUrl();
    const p = new HostPool({ hosts: [a.url, b.url, dead], mode: 'broadcast' });
    pools.push(p);
    const results = await p.broadcast({ method: 'POST', path: '/publish', body: '{"seq":1}' });
    assert.deepEqual(
      results.map((r) => [r.host, r.ok, r.statusCode]),
      [
        [a.url, true, 200],
        [b.url, false, 500],
        [dead, false, undefined],
      ],
    );
    assert.equal(results[0].body?.toString(), 'a:{"seq":1}');
    assert.equal((results[2].error as { code?: string }).code, 'ECONNREFUSED');
  });

  it('skips an ejected host with NoHealthyHostError and does not let it slow the others', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b', 'error-500');
    upstreams.push(a, b);
    const p = new HostPool({
      hosts: [a.url, b.url],
      mode: 'broadcast',
      outlierDetection: { consecutive5xx: 2 },
    });
    pools.push(p);
    await p.broadcast({ path: '/x' });
    await p.broadcast({ path: '/x' });
    await waitFor(() => p.hosts()[1].state === 'ejected', 2000, 'b ejected');
    const results = await p.broadcast({ path: '/x' });
    assert.equal(results[0].ok, true);
    assert.ok(results[1].error instanceof NoHealthyHostError);
    assert.equal((results[1].error as NoHealthyHostError).host, b.url);
    assert.ok(((results[1].error as NoHealthyHostError).retryAfterMs ?? 0) > 0);
    assert.equal(b.received, 2);
  });

  it('in broadcast mode a request must name its host', async () => {
    const a = await startUpstream('a');
    upstreams.push(a);
    const p = new HostPool({ hosts: [a.url], mode: 'broadcast' });
    pools.push(p);
    await assert.rejects(p.request({ path: '/x' }), { code: 'ERR_HOSTPOOL_CONFIG', option: 'request.host' });
    assert.equal((await p.request({ path: '/x', host: a.url })).statusCode, 200);
  });
});
