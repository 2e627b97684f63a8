import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HostPool, type HostStateChange, NoHealthyHostError } from '../src/index.js';
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

function pool(options: ConstructorParameters<typeof HostPool>[0]): {
  pool: HostPool;
  changes: HostStateChange[];
} {
  const p = new HostPool(options);
  pools.push(p);
  const changes: HostStateChange[] = [];
  p.on('hostStateChange', (c) => changes.push(c));
  return { pool: p, changes };
}

function stateOf(p: HostPool, url: string): string | undefined {
  return p.hosts().find((h) => h.url === url)?.state;
}

describe('passive outlier detection', () => {
  it('ejects a host after consecutive 5xx, stops sending to it, and probes it back', async () => {
    const good = await upstream('good');
    const bad = await upstream('bad', 'error-500');
    const { pool: p, changes } = pool({
      hosts: [good.url, bad.url],
      balance: 'round-robin',
      outlierDetection: { consecutive5xx: 3, baseEjectionTime: 500 },
    });
    for (let i = 0; i < 6; i++) await p.request({ path: '/x' });
    assert.equal(stateOf(p, bad.url), 'ejected');
    assert.deepEqual(
      changes.map((c) => [c.host, c.from, c.to, c.reason, c.ejectionTime]),
      [[bad.url, 'healthy', 'ejected', 'consecutive-5xx', 500]],
    );
    const info = p.hosts().find((h) => h.url === bad.url)!;
    assert.equal(info.ejections, 1);
    assert.equal(info.serverErrors, 3);
    assert.ok(info.ejectedUntil !== null && info.ejectedUntil > Date.now() - 1000);

    // While it stays ejected, everything goes to the good host (the check before each
    // request keeps this true on a slow machine where the ejection may run out meanwhile).
    const before = bad.received;
    for (let i = 0; i < 10 && stateOf(p, bad.url) === 'ejected'; i++) {
      assert.equal((await p.request({ path: '/x' })).host, good.url);
    }
    assert.equal(bad.received, before);

    // The ejection runs out: half-open, one trial request decides.
    bad.behaviour = 'ok';
    await waitFor(() => stateOf(p, bad.url) === 'probing', 5000, 'probing');
    await p.request({ path: '/x' });
    assert.equal(stateOf(p, bad.url), 'healthy');
    assert.deepEqual(
      changes.slice(1).map((c) => [c.from, c.to, c.reason]),
      [
        ['ejected', 'probing', 'ejection-expired'],
        ['probing', 'healthy', 'trial-succeeded'],
      ],
    );
  });

  it('a failed trial ejects again for longer (base × n)', async () => {
    const good = await upstream('good');
    const bad = await upstream('bad', 'error-500');
    const { pool: p, changes } = pool({
      hosts: [good.url, bad.url],
      balance: 'round-robin',
      outlierDetection: { consecutive5xx: 2, baseEjectionTime: 200, maxEjectionTime: 500 },
    });
    for (let i = 0; i < 4; i++) await p.request({ path: '/x' });
    for (const expected of [400, 500]) {
      await waitFor(() => stateOf(p, bad.url) === 'probing', 5000, 'probing');
      while (stateOf(p, bad.url) === 'probing') await p.request({ path: '/x' });
      const last = changes.at(-1)!;
      assert.deepEqual([last.to, last.reason, last.ejectionTime], ['ejected', 'trial-failed', expected]);
    }
  });

  it('a probing host takes one trial at a time; pinned requests meanwhile fail fast', async () => {
    const good = await upstream('good');
    const bad = await upstream('bad', 'error-500');
    const { pool: p } = pool({
      hosts: [good.url, bad.url],
      balance: 'round-robin',
      outlierDetection: { consecutive5xx: 1, baseEjectionTime: 100 },
    });
    while (stateOf(p, bad.url) !== 'ejected') await p.request({ path: '/x' });
    await waitFor(() => stateOf(p, bad.url) === 'probing', 5000, 'probing');
    bad.behaviour = 'slow';
    const before = bad.received;
    const trial = p.request({ path: '/trial' });
    await waitFor(() => bad.received === before + 1, 2000, 'the trial to arrive');
    const received = bad.received;
    for (let i = 0; i < 5; i++) assert.equal((await p.request({ path: '/x' })).host, good.url);
    await assert.rejects(p.request({ path: '/x', host: bad.url }), {
      code: 'ERR_NO_HEALTHY_HOST',
      retryAfterMs: 0,
    });
    assert.equal(bad.received, received);
    bad.release();
    assert.equal((await trial).host, bad.url);
    assert.equal(stateOf(p, bad.url), 'healthy');
  });

  it('the ejection multiplier shrinks while a host stays healthy', async () => {
    const good = await upstream('good');
    const flaky = await upstream('flaky', 'error-500');
    const { pool: p, changes } = pool({
      hosts: [good.url, flaky.url],
      balance: 'round-robin',
      outlierDetection: { consecutive5xx: 1, baseEjectionTime: 100, maxEjectionTime: 10_000 },
    });
    const ejectionTimes = (): (number | null)[] =>
      changes.filter((c) => c.to === 'ejected').map((c) => c.ejectionTime);
    while (stateOf(p, flaky.url) !== 'ejected') await p.request({ path: '/x' });
    await waitFor(() => stateOf(p, flaky.url) === 'probing', 5000, 'probing');
    await p.request({ path: '/x', host: flaky.url }); // failed trial: 2 × base
    assert.deepEqual(ejectionTimes(), [100, 200]);
    flaky.behaviour = 'ok';
    await waitFor(() => stateOf(p, flaky.url) === 'probing', 5000, 'probing again');
    await p.request({ path: '/x', host: flaky.url });
    assert.equal(stateOf(p, flaky.url), 'healthy');
    // Healthy for well over 2 × base: the multiplier is back to 0, the next ejection is 1 × base.
    await new Promise((resolve) => setTimeout(resolve, 300));
    flaky.behaviour = 'error-500';
    await p.request({ path: '/x', host: flaky.url });
    assert.deepEqual(ejectionTimes(), [100, 200, 100]);
  });

  it('ejects on consecutive connection failures and on timeouts', async () => {
    const good = await upstream('good');
    const hanging = await upstream('hanging', 'hang');
    const { pool: p, changes } = pool({
      hosts: [good.url, hanging.url],
      balance: 'round-robin',
      headersTimeout: 100,
      outlierDetection: { consecutiveTimeouts: 2 },
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => p.request({ path: '/x' })));
    assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 2);
    for (const o of outcomes) {
      if (o.status === 'rejected')
        assert.equal((o.reason as { code: string }).code, 'UND_ERR_HEADERS_TIMEOUT');
    }
    await waitFor(() => stateOf(p, hanging.url) === 'ejected', 2000, 'ejected');
    assert.equal(changes[0].reason, 'consecutive-timeouts');
    assert.equal(p.hosts().find((h) => h.url === hanging.url)!.timeouts, 2);
  });

  it('never ejects more than maxEjectionPercent of a balance pool (rounded down)', async () => {
    const hosts = await Promise.all(['a', 'b', 'c', 'd'].map((n) => upstream(n, 'error-500')));
    const { pool: p } = pool({
      hosts: hosts.map((h) => h.url),
      balance: 'round-robin',
      maxEjectionPercent: 50,
      outlierDetection: { consecutive5xx: 1 },
    });
    for (let i = 0; i < 20; i++) await p.request({ path: '/x' }).catch(() => {});
    assert.equal(p.hosts().filter((h) => h.state === 'ejected').length, 2);

    const single = await upstream('single', 'error-500');
    const { pool: one } = pool({ hosts: [single.url], outlierDetection: { consecutive5xx: 1 } });
    for (let i = 0; i < 3; i++) assert.equal((await one.request({ path: '/x' })).statusCode, 500);
    assert.equal(one.hosts()[0].state, 'healthy');
    const { pool: all } = pool({
      hosts: [single.url],
      maxEjectionPercent: 100,
      outlierDetection: { consecutive5xx: 1 },
    });
    await all.request({ path: '/x' });
    assert.equal(all.hosts()[0].state, 'ejected');
  });

  it('fails fast with NoHealthyHostError when every host is ejected', async () => {
    const a = await upstream('a', 'error-500');
    const b = await upstream('b', 'error-500');
    const { pool: p } = pool({
      hosts: [a.url, b.url],
      name: 'reflektors',
      maxEjectionPercent: 100,
      outlierDetection: { consecutive5xx: 1, baseEjectionTime: 60_000 },
    });
    await p.request({ path: '/x' });
    await p.request({ path: '/x' });
    const sent = a.received + b.received;
    const error = await p.request({ path: '/x' }).then(
      () => assert.fail('expected NoHealthyHostError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NoHealthyHostError);
    assert.equal(error.code, 'ERR_NO_HEALTHY_HOST');
    assert.equal(error.statusCode, 503);
    assert.equal(error.host, null);
    assert.ok(error.retryAfterMs !== null && error.retryAfterMs > 50_000 && error.retryAfterMs <= 60_000);
    assert.match(error.message, /reflektors/);
    assert.equal(a.received + b.received, sent);
    await assert.rejects(p.request({ path: '/x', host: a.url }), {
      code: 'ERR_NO_HEALTHY_HOST',
      host: a.url,
    });
  });
});

describe('active health checks', () => {
  it('ejects a host whose /health fails and takes it back when it passes', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const { pool: p, changes } = pool({
      hosts: [a.url, b.url],
      healthCheck: { interval: 50, timeout: 500, unhealthyThreshold: 2 },
    });
    b.healthStatus = 503;
    await waitFor(() => stateOf(p, b.url) === 'ejected', 5000, 'ejected by health check');
    assert.equal(changes[0].reason, 'health-check');
    assert.equal(changes[0].ejectionTime, null);
    assert.ok(p.hosts().find((h) => h.url === b.url)!.healthCheckFailures >= 2);
    for (let i = 0; i < 5; i++) assert.equal((await p.request({ path: '/x' })).host, a.url);

    b.healthStatus = 200;
    await waitFor(() => stateOf(p, b.url) === 'healthy', 5000, 'healthy again');
    assert.equal(changes.at(-1)!.reason, 'health-check-passed');
  });

  it('health-check ejections respect maxEjectionPercent, so a starved fleet keeps serving', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    a.healthStatus = 503;
    b.healthStatus = 503;
    const { pool: p } = pool({
      hosts: [a.url, b.url],
      healthCheck: { interval: 50, unhealthyThreshold: 1 },
    });
    await waitFor(
      () => p.hosts().every((h) => h.healthCheckFailures >= 4),
      5000,
      'several failed checks on each host',
    );
    assert.equal(p.hosts().filter((h) => h.state === 'ejected').length, 1);
    assert.equal((await p.request({ path: '/x' })).statusCode, 200);
  });

  it('a passing health check un-ejects a passively ejected host before its ejection time', async () => {
    const a = await upstream('a');
    const b = await upstream('b', 'error-500');
    const { pool: p, changes } = pool({
      hosts: [a.url, b.url],
      balance: 'round-robin',
      outlierDetection: { consecutive5xx: 1, baseEjectionTime: 60_000 },
      healthCheck: { interval: 50 },
    });
    await p.request({ path: '/x' });
    await p.request({ path: '/x' });
    assert.equal(changes[0]?.to, 'ejected');
    await waitFor(() => stateOf(p, b.url) === 'healthy', 5000, 'healthy');
    assert.equal(changes.at(-1)!.reason, 'health-check-passed');
  });
});
