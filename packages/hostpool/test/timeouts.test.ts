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

async function setup(
  behaviour: TestUpstream['behaviour'],
  options: Partial<ConstructorParameters<typeof HostPool>[0]> = {},
) {
  const u = await startUpstream('u', behaviour);
  upstreams.push(u);
  const p = new HostPool({ hosts: [u.url], ...options });
  pools.push(p);
  return { u, p };
}

describe('timeouts', () => {
  it('rejects with the headers timeout of the pool or of the request', async () => {
    const { p } = await setup('hang', { headersTimeout: 100 });
    const started = Date.now();
    await assert.rejects(p.request({ path: '/x' }), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.ok(Date.now() - started < 5000);
    await assert.rejects(p.request({ path: '/x', headersTimeout: 50 }), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.equal(p.hosts()[0].timeouts, 2);
    assert.equal(p.hosts()[0].inFlight, 0);
  });
});

describe('abort signal', () => {
  it('rejects with the signal reason while waiting, without blaming the host', async () => {
    const { u, p } = await setup('hang');
    const controller = new AbortController();
    const pending = p.request({ path: '/x', signal: controller.signal });
    await waitFor(() => u.received === 1, 2000, 'request to arrive');
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await waitFor(() => p.hosts()[0].inFlight === 0, 2000, 'in-flight to drop');
    const info = p.hosts()[0];
    assert.equal(info.errors + info.timeouts, 0);
    assert.equal(info.state, 'healthy');
  });

  it('AbortSignal.timeout rejects with TimeoutError; an aborted signal rejects at once', async () => {
    const { u, p } = await setup('hang');
    await assert.rejects(p.request({ path: '/x', signal: AbortSignal.timeout(50) }), {
      name: 'TimeoutError',
    });
    const received = u.received;
    await assert.rejects(p.request({ path: '/x', signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(u.received, received);
  });

  it('aborts a request still queued for a connection', async () => {
    const { u, p } = await setup('slow', { connections: 1 });
    const first = p.request({ path: '/first' });
    await waitFor(() => u.received === 1, 2000, 'first request to arrive');
    const controller = new AbortController();
    const queued = p.request({ path: '/queued', signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await assert.rejects(queued, { message: 'caller gave up' });
    u.release();
    assert.equal((await first).statusCode, 200);
    await waitFor(() => p.hosts()[0].inFlight === 0, 2000, 'in-flight to drop');
    assert.equal(u.received, 1);
  });

  it('a signal aborted after the response changes nothing', async () => {
    const { p } = await setup('ok');
    const controller = new AbortController();
    const res = await p.request({ path: '/x', signal: controller.signal });
    controller.abort();
    assert.equal(res.statusCode, 200);
  });
});

describe('response size', () => {
  it('fails a response larger than maxResponseSize', async () => {
    const { p } = await setup('ok', { maxResponseSize: 4 });
    await assert.rejects(p.request({ method: 'POST', path: '/x', body: 'more than four bytes' }), {
      code: 'ERR_RESPONSE_TOO_LARGE',
    });
    assert.equal((await p.request({ method: 'POST', path: '/x', body: '' })).body.toString(), 'u:');
  });
});
