import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type ReflektorHandle, startReflektor } from '../src/index.js';
import { Upstream, waitFor } from './upstream.js';

describe('ingest', () => {
  let dir: string;
  let upstream: Upstream;
  let reflektor: ReflektorHandle;
  let base: string;
  let admin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reflektor-ingest-'));
    upstream = await new Upstream().start();
    reflektor = await startReflektor({
      targets: [{ name: 'default', prefix: '/', hosts: [upstream.url], mode: 'broadcast' }],
      port: 0,
      adminPort: 0,
      data: dir,
      token: 'sekret',
      maxBody: 1024,
      maxQueue: 5,
    });
    base = `http://127.0.0.1:${reflektor.port}`;
    admin = `http://127.0.0.1:${reflektor.adminPort}`;
  });

  after(async () => {
    await reflektor.close();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 202 with the id in the body and the Reflektor-Id header', async () => {
    const res = await request(`${base}/publish?room=a`, {
      method: 'POST',
      headers: { authorization: 'Bearer sekret', 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    assert.equal(res.statusCode, 202);
    const body = (await res.body.json()) as { id: string };
    assert.match(body.id, /^msg_/);
    assert.equal(res.headers['reflektor-id'], body.id);
    await waitFor('delivery', () => upstream.ids().includes(body.id));
  });

  it('refuses a missing or wrong token with 401', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }]) {
      const res = await request(`${base}/publish`, { method: 'POST', headers, body: 'x' });
      assert.equal(res.statusCode, 401);
      const body = (await res.body.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'unauthorized');
    }
  });

  it('refuses a body over --max-body with 413, announced or streamed', async () => {
    const big = Buffer.alloc(2048, 97);
    const announced = await request(`${base}/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer sekret' },
      body: big,
    });
    assert.equal(announced.statusCode, 413);
    assert.equal(((await announced.body.json()) as { error: { code: string } }).error.code, 'body_too_large');
    const streamed = await request(`${base}/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer sekret' },
      body: Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
    });
    assert.equal(streamed.statusCode, 413);
    await streamed.body.dump();
  });

  it('answers 503 with Retry-After when the queue is full, and accepts again once it drains', async () => {
    const paused = await request(`${admin}/pause?host=${encodeURIComponent(upstream.url)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(paused.statusCode, 200);
    await paused.body.dump();
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 8; i++) {
      const res = await request(`${base}/publish`, {
        method: 'POST',
        headers: { authorization: 'Bearer sekret' },
        body: `full-${i}`,
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 503) retryAfter = res.headers['retry-after'];
      await res.body.dump();
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 503, 503, 503]);
    assert.ok(Number(retryAfter) > 0);
    const resumed = await request(`${admin}/resume?host=${encodeURIComponent(upstream.url)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    await resumed.body.dump();
    await waitFor(
      'the five queued requests',
      () => upstream.requests.filter((r) => r.body.toString().startsWith('full-')).length === 5,
    );
    const again = await request(`${base}/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer sekret' },
      body: 'after',
    });
    assert.equal(again.statusCode, 202);
    await again.body.dump();
  });

  it('survives malformed HTTP and keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(reflektor.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', () => {});
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const res = await request(`${base}/still`, {
      method: 'PUT',
      headers: { authorization: 'Bearer sekret' },
    });
    assert.equal(res.statusCode, 202);
    await res.body.dump();
  });

  it('serves health, readiness, metrics and stats on the admin port', async () => {
    const health = await request(`${admin}/health`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    const ready = await request(`${admin}/ready`);
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
    const metrics = await request(`${admin}/metrics`);
    const text = await metrics.body.text();
    const accepted = Number(/reflektor_accepted_total\{target="default"\} (\d+)/.exec(text)?.[1]);
    assert.ok(accepted > 0, 'accepted requests are counted');
    // Every accepted request's latency is in the histogram, and the buckets are cumulative.
    assert.equal(Number(/reflektor_ingest_seconds_count (\d+)/.exec(text)?.[1]), accepted);
    assert.match(text, /reflektor_ingest_seconds_bucket\{le="\+Inf"\} \d+/);
    const buckets = [...text.matchAll(/reflektor_ingest_seconds_bucket\{le="[\d.]+"\} (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.equal(buckets.length, 16);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1]);
    assert.match(text, /reflektor_refused_total\{code="unauthorized"\} 2/);
    assert.match(text, /reflektor_queue_depth\{lane="default http:\/\/127\.0\.0\.1:\d+"\}/);
    assert.match(text, /reflektor_delivery_seconds_bucket/);
    const stats = (await (await request(`${admin}/stats`)).body.json()) as {
      store: string;
      lanes: unknown[];
    };
    assert.equal(stats.store, 'sqlite');
    assert.equal(stats.lanes.length, 1);
  });
});
