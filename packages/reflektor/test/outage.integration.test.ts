import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { request } from 'undici';
import { startReflektor } from '../src/index.js';
import { Upstream, waitFor } from './upstream.js';

// The long variant of the unit suite's 5 s outage: one of two hosts is down for 30 s
// while requests keep coming (default retry settings); afterwards it has everything, in order
// per key, and the other host never waited.
it('a host down for 30 s then back gets everything in per-key order; the other host is unaffected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-outage-'));
  const healthy = await new Upstream().start();
  const flaky = await new Upstream().start();
  const reflektor = await startReflektor({
    targets: [{ name: 'default', prefix: '/', hosts: [healthy.url, flaky.url], mode: 'broadcast' }],
    port: 0,
    adminPort: 0,
    data: dir,
  });
  try {
    await flaky.stop();
    const sent: string[] = [];
    const until = Date.now() + 30_000;
    let maxLag = 0;
    for (let i = 0; Date.now() < until; i++) {
      const res = await request(`http://127.0.0.1:${reflektor.port}/publish`, {
        method: 'POST',
        headers: { 'reflektor-ordering-key': `room-${i % 5}` },
        body: `event-${i}`,
      });
      assert.equal(res.statusCode, 202);
      sent.push(((await res.body.json()) as { id: string }).id);
      await new Promise((resolve) => setTimeout(resolve, 25));
      maxLag = Math.max(maxLag, sent.length - healthy.requests.length);
    }
    await waitFor('the healthy host', () => healthy.requests.length === sent.length);
    assert.ok(maxLag < 50, `the healthy host lagged by ${maxLag} requests during the outage`);
    assert.equal(flaky.requests.length, 0);
    await flaky.start();
    await waitFor('the returning host', () => flaky.requests.length === sent.length, 30_000);
    for (const host of [healthy, flaky]) {
      for (let room = 0; room < 5; room++) {
        assert.deepEqual(
          host.requests
            .filter((r) => r.headers['reflektor-ordering-key'] === `room-${room}`)
            .map((r) => String(r.headers['reflektor-id'])),
          sent.filter((_, n) => n % 5 === room),
        );
      }
    }
  } finally {
    await reflektor.close();
    await healthy.stop();
    await flaky.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
