import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { buildStatusDocument, mergeSeconds, RingMirror, StatusRing } from '../src/index.js';

function clock(startMs: number) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('StatusRing', () => {
  it('closes one bucket per tick labelled with the second that ended, and drops the oldest past its size', () => {
    const time = clock(1_000_000_000);
    const ring = new StatusRing('api', { seconds: 3, now: time.now });
    const post = ring.latency('post');
    const posts = ring.counter('posted');
    let connections = 5;
    ring.gauge('connections', 'count', () => connections);
    for (let second = 0; second < 5; second++) {
      for (let i = 0; i <= second; i++) {
        post.record(10 * (second + 1));
        posts.add();
      }
      connections = second;
      time.advance(1000);
      ring.tick();
    }
    const seconds = ring.secondsAfter(0);
    assert.deepEqual(
      seconds.map((s) => s.t),
      [1_000_002, 1_000_003, 1_000_004],
    );
    assert.deepEqual(
      seconds.map((s) => s.counters.posted),
      [3, 4, 5],
    );
    assert.deepEqual(
      seconds.map((s) => s.gauges.connections),
      [2, 3, 4],
    );
    assert.equal(seconds[2].latency.post.n, 5);
    assert.equal(seconds[2].latency.post.max, 50);
    assert.deepEqual(
      ring.secondsAfter(1_000_003).map((s) => s.t),
      [1_000_004],
    );
  });

  it('gives a second with no requests no percentile but a zero rate', () => {
    const time = clock(5_000_000);
    const ring = new StatusRing('api', { now: time.now });
    const post = ring.latency('post');
    post.record(4);
    time.advance(1000);
    ring.tick();
    time.advance(1000);
    ring.tick();
    const document = buildStatusDocument(
      [{ name: 'api', healthy: true, series: ring.series, seconds: ring.secondsAfter(0) }],
      0,
    );
    const byName = Object.fromEntries(document.services[0].series.map((s) => [s.name, s]));
    assert.deepEqual(byName['post.p90'].points, [[5000, 4]]);
    assert.deepEqual(byName['post.rate'].points, [
      [5000, 1],
      [5001, 0],
    ]);
    assert.equal(byName['post.p90'].unit, 'ms');
  });

  it('refuses a series declared twice', () => {
    const ring = new StatusRing('api');
    ring.counter('posted');
    assert.throws(() => ring.latency('posted'), /declared twice/);
  });
});

describe('mergeSeconds', () => {
  it('merges histograms, adds counters and combines gauges by their rule', () => {
    const time = clock(7_000_000);
    const a = new StatusRing('ekg', { now: time.now });
    const b = new StatusRing('ekg', { now: time.now });
    for (const ring of [a, b]) {
      ring.latency('send');
      ring.counter('events');
      ring.gauge('connections', 'count', () => (ring === a ? 3 : 4));
      ring.gauge('delay', 'ms', () => (ring === a ? 7 : 2), { merge: 'max' });
    }
    const sendA = a.latency('send-a');
    sendA.record(1);
    time.advance(1000);
    const [secondA, secondB] = [a.tick(), b.tick()];
    secondA.latency.send = { n: 2, sum: 3, min: 1, max: 2, bins: [400, 1, 435, 1] };
    secondB.latency.send = { n: 1, sum: 9, min: 9, max: 9, bins: [500, 1] };
    secondA.counters.events = 2;
    secondB.counters.events = 5;
    const [merged] = mergeSeconds([[secondA], [secondB]], a.series);
    assert.equal(merged.latency.send.n, 3);
    assert.equal(merged.latency.send.max, 9);
    assert.equal(merged.counters.events, 7);
    assert.equal(merged.gauges.connections, 7);
    assert.equal(merged.gauges.delay, 7);
  });
});

describe('RingMirror', () => {
  it('pulls only new seconds from every host, merges them, and marks a host that stops answering', async () => {
    const time = clock(Date.now());
    const rings = [
      new StatusRing('reflektor', { now: time.now }),
      new StatusRing('reflektor', { now: time.now }),
    ];
    const recorders = rings.map((ring) => ring.latency('ingest'));
    const asked: string[] = [];
    const servers = await Promise.all(
      rings.map(async (ring) => {
        const server = createServer((request, response) => {
          asked.push(request.url ?? '');
          if (request.headers.authorization !== 'Bearer sekret') {
            response.writeHead(401).end();
            return;
          }
          const after = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('after'));
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(ring.slice(after, true)));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      }),
    );
    const mirror = new RingMirror({
      service: 'reflektor',
      urls: servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      token: 'sekret',
    });
    try {
      recorders[0].record(1);
      recorders[1].record(100);
      time.advance(1000);
      for (const ring of rings) ring.tick();
      await mirror.pull();
      assert.equal(mirror.healthy, true);
      assert.equal(mirror.seconds(0).length, 1);
      assert.equal(mirror.seconds(0)[0].latency.ingest.n, 2);
      recorders[0].record(2);
      time.advance(1000);
      for (const ring of rings) ring.tick();
      await mirror.pull();
      assert.equal(mirror.seconds(0).length, 2);
      const t0 = mirror.seconds(0)[0].t;
      assert.ok(
        asked.some((url) => url === `/status/ring?after=${t0}`),
        asked.join(' '),
      );
      await new Promise<void>((resolve) => servers[1].close(() => resolve()));
      servers[1].closeAllConnections();
      await mirror.pull();
      const [first, second] = mirror.hostStates();
      assert.equal(first.healthy, true);
      assert.equal(second.healthy, false);
      assert.ok(second.error !== undefined);
      assert.equal(mirror.healthy, false);
    } finally {
      await mirror.stop();
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
    }
  });

  it('is unhealthy when a host refuses its token', async () => {
    const server = createServer((_request, response) => response.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const mirror = new RingMirror({
      service: 'ekg',
      urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`],
    });
    await mirror.pull();
    assert.equal(mirror.healthy, false);
    assert.match(mirror.hostStates()[0].error ?? '', /401/);
    server.close();
  });
});
