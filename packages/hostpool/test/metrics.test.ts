import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { HostPool } from '../src/index.js';
import { startUpstream, type TestUpstream } from './support/upstreams.js';

const upstreams: TestUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((u) => u.close()));
});

describe('prom-client metrics', () => {
  it('exposes per-host counters and states, for several pools in one registry', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b', 'error-500');
    upstreams.push(a, b);
    const registry = new Registry();
    const ekg = new HostPool({ hosts: [a.url], name: 'ekg', registry });
    const api = new HostPool({
      hosts: [b.url],
      name: 'api',
      registry,
      maxEjectionPercent: 100,
      outlierDetection: { consecutive5xx: 2 },
    });
    for (let i = 0; i < 3; i++) await ekg.request({ path: '/x' });
    for (let i = 0; i < 2; i++) await api.request({ path: '/x' });
    const text = await registry.metrics();
    assert.match(text, new RegExp(`hostpool_host_requests_total\\{pool="ekg",host="${a.url}"\\} 3`));
    assert.match(text, new RegExp(`hostpool_host_server_errors_total\\{pool="api",host="${b.url}"\\} 2`));
    assert.match(text, new RegExp(`hostpool_host_ejections_total\\{pool="api",host="${b.url}"\\} 1`));
    assert.match(text, new RegExp(`hostpool_host_state\\{pool="api",host="${b.url}",state="ejected"\\} 1`));
    assert.match(text, new RegExp(`hostpool_host_state\\{pool="ekg",host="${a.url}",state="healthy"\\} 1`));
    assert.match(text, /hostpool_host_latency_ewma_seconds\{pool="ekg"/);
    await ekg.close();
    const after = await registry.metrics();
    assert.doesNotMatch(after, /pool="ekg"/);
    assert.match(after, /pool="api"/);
    await api.close();
  });
});
