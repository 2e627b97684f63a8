// ekg's status ring: connections by transport, events, publish-to-send and end-to-end latency
// from the publisher's Backchannel-Published-At stamp, served as GET /status/ring.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type EkgServer, startEkg } from '../src/index.js';
import { envelope, publish, SseReader, waitUntil } from './harness.js';

interface Slice {
  ready: boolean;
  series: { name: string; unit: string; kind: string }[];
  seconds: {
    t: number;
    latency: Record<string, { n: number; min: number; max: number }>;
    counters: Record<string, number>;
    gauges: Record<string, number>;
  }[];
}

async function ring(base: string, after = 0): Promise<Slice> {
  const response = await request(`${base}/status/ring?after=${after}`);
  assert.equal(response.statusCode, 200);
  return (await response.body.json()) as Slice;
}

describe('ekg: status ring', () => {
  let ekg: EkgServer;
  let base: string;

  before(async () => {
    ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['test-token'] });
    base = `http://127.0.0.1:${ekg.port}`;
  });
  after(async () => {
    await ekg?.close();
  });

  it('records connections, events and end-to-end latency from the publish stamp', async () => {
    const reader = new SseReader(`${base}/rooms/ring-room/events`);
    await waitUntil(() => reader.status === 200, 'the stream opens');
    const stampedAt = Date.now() - 250;
    const answer = await publish(base, [envelope('ring-room', 1), envelope('ring-room', 2)], {
      authorization: 'Bearer test-token',
      'backchannel-published-at': String(stampedAt),
    });
    assert.equal(answer.status, 200);
    await publish(base, envelope('ring-room', 3));
    await waitUntil(() => reader.messages.length === 3, 'three events');
    let slice: Slice | undefined;
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      slice = await ring(base);
      if (slice.seconds.reduce((sum, s) => sum + (s.counters.events ?? 0), 0) === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(slice);
    assert.equal(slice.ready, true);
    const names = slice.series.map((s) => s.name);
    for (const name of [
      'send',
      'end_to_end',
      'events',
      'connections.sse',
      'connections.ws',
      'rooms',
      'process.cpu',
    ]) {
      assert.ok(names.includes(name), name);
    }
    const seconds = slice.seconds;
    assert.equal(
      seconds.reduce((sum, s) => sum + (s.counters.events ?? 0), 0),
      3,
    );
    // Only the stamped publish's two events have an end-to-end time, at least the 250 ms it was backdated.
    const endToEnd = seconds.flatMap((s) => (s.latency.end_to_end ? [s.latency.end_to_end] : []));
    assert.equal(
      endToEnd.reduce((sum, h) => sum + h.n, 0),
      2,
    );
    assert.ok(
      endToEnd.every((h) => h.min >= 250 && h.max < 5000),
      JSON.stringify(endToEnd),
    );
    assert.equal(
      seconds.reduce((sum, s) => sum + (s.latency.send?.n ?? 0), 0),
      3,
    );
    assert.equal(seconds[seconds.length - 1].gauges['connections.sse'], 1);
    const later = await ring(base, seconds[seconds.length - 1].t);
    assert.ok(later.seconds.every((s) => s.t > seconds[seconds.length - 1].t));
    reader.close();
  });

  it('exports end-to-end latency to Prometheus', async () => {
    const text = await ekg.metrics();
    assert.match(text, /ekg_end_to_end_seconds_count 2\b/);
  });
});

describe('ekg: status recording off', () => {
  it('has no /status/ring', async () => {
    const ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['t'], statusRecording: false });
    try {
      const response = await request(`http://127.0.0.1:${ekg.port}/status/ring`);
      assert.equal(response.statusCode, 404);
      await response.body.text();
    } finally {
      await ekg.close();
    }
  });
});
