// reflektor's status ring on the admin port: ingest latency (so accepted/s), delivered, retries,
// queue depth per lane, and the published-at header passed through to the target unchanged.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type ReflektorHandle, startReflektor } from '../src/index.js';
import { Upstream, waitFor } from './upstream.js';

interface Slice {
  ready: boolean;
  series: { name: string; kind: string }[];
  seconds: {
    t: number;
    latency: Record<string, { n: number }>;
    counters: Record<string, number>;
    gauges: Record<string, number>;
  }[];
}

describe('reflektor: status ring', () => {
  let upstream: Upstream;
  let relay: ReflektorHandle;
  let dir: string;

  before(async () => {
    upstream = await new Upstream().start();
    dir = mkdtempSync(join(tmpdir(), 'reflektor-status-'));
    relay = await startReflektor({
      targets: [{ name: 'default', prefix: '/', hosts: [upstream.url], mode: 'broadcast' }],
      port: 0,
      adminPort: 0,
      data: dir,
      durability: 'os',
      retryBaseMs: 20,
      retryMaxMs: 100,
    });
  });
  after(async () => {
    await relay?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts accepted, delivered and retried requests and passes Backchannel-Published-At through', async () => {
    let failures = 1;
    upstream.behaviour = () => (failures-- > 0 ? { status: 503 } : { status: 200 });
    for (let i = 0; i < 4; i++) {
      const response = await request(`http://127.0.0.1:${relay.port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'backchannel-published-at': '1796520000000' },
        body: JSON.stringify({ n: i }),
      });
      assert.equal(response.statusCode, 202);
      await response.body.text();
    }
    await waitFor('four deliveries', () => upstream.requests.length >= 4);
    assert.ok(upstream.requests.every((r) => r.headers['backchannel-published-at'] === '1796520000000'));
    const totals = async () => {
      const response = await request(`http://127.0.0.1:${relay.adminPort}/status/ring?after=0`);
      assert.equal(response.statusCode, 200);
      const slice = (await response.body.json()) as Slice;
      const sum = (pick: (s: Slice['seconds'][number]) => number) =>
        slice.seconds.reduce((a, s) => a + pick(s), 0);
      return {
        slice,
        accepted: sum((s) => s.latency.ingest?.n ?? 0),
        delivered: sum((s) => s.counters.delivered ?? 0),
        retries: sum((s) => s.counters.retries ?? 0),
      };
    };
    await waitFor(
      'the ring to hold the four requests',
      async () => {
        const seen = await totals();
        return seen.accepted === 4 && seen.delivered === 4 && seen.retries === 1;
      },
      6000,
    );
    const { slice } = await totals();
    assert.equal(slice.ready, true);
    const names = slice.series.map((s) => s.name);
    for (const name of ['ingest', 'delivered', 'retries', 'dead', 'process.rss'])
      assert.ok(names.includes(name), name);
    assert.ok(names.some((name) => name.startsWith('queue.')));
    assert.ok(names.some((name) => name.startsWith('oldest_age.')));
  });

  it('has no ring when recording is off', async () => {
    const offDir = mkdtempSync(join(tmpdir(), 'reflektor-status-off-'));
    const off = await startReflektor({
      targets: [{ name: 'default', prefix: '/', hosts: [upstream.url], mode: 'broadcast' }],
      port: 0,
      adminPort: 0,
      data: offDir,
      durability: 'os',
      statusRecording: false,
    });
    try {
      const response = await request(`http://127.0.0.1:${off.adminPort}/status/ring`);
      assert.equal(response.statusCode, 404);
      await response.body.text();
    } finally {
      await off.close();
      rmSync(offDir, { recursive: true, force: true });
    }
  });
});
