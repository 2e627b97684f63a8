import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { startEkg } from '../src/index.js';
import { envelope, publish, SseReader, waitUntil } from './harness.js';

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('error', () => {});
  });
}

describe('limits', () => {
  test('behind a trusted proxy, the address the proxy appended counts, not what the client wrote', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      maxConnectionsPerIp: 1,
      trustProxy: true,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    try {
      const first = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.1, 10.0.0.7' });
      await waitUntil(() => first.status === 200, 'the first stream');
      const spoofed = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.2, 10.0.0.7' });
      await waitUntil(() => spoofed.status !== 0, 'the refusal');
      assert.equal(spoofed.status, 503);
      first.close();
    } finally {
      await ekg.close();
    }
  });

  test('an empty last X-Forwarded-For entry counts against the peer address', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      maxConnectionsPerIp: 1,
      trustProxy: true,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    try {
      const blank = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.1, ' });
      await waitUntil(() => blank.status === 200, 'the first stream');
      const forwarded = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.9' });
      await waitUntil(() => forwarded.status !== 0, 'the forwarded stream');
      assert.equal(forwarded.status, 200);
      const direct = new SseReader(`${base}/rooms/xff/events`);
      await waitUntil(() => direct.status !== 0, 'the refusal');
      assert.equal(direct.status, 503, 'the blank entry counted against 127.0.0.1');
      blank.close();
      forwarded.close();
      direct.close();
    } finally {
      await ekg.close();
    }
  });

  test('X-Forwarded-For is believed only from a listed proxy address', async () => {
    for (const [trusted, secondStatus] of [
      [['127.0.0.1'], 200],
      [['192.0.2.250'], 503],
    ] as const) {
      const ekg = await startEkg({
        port: 0,
        host: '127.0.0.1',
        tokens: ['test-token'],
        maxConnectionsPerIp: 1,
        trustProxy: trusted,
      });
      const base = `http://127.0.0.1:${ekg.port}`;
      try {
        const first = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.1' });
        await waitUntil(() => first.status === 200, 'the first stream');
        // Another address in the header: a different client only when the peer is the trusted proxy.
        const second = new SseReader(`${base}/rooms/xff/events`, { 'X-Forwarded-For': '192.0.2.2' });
        await waitUntil(() => second.status !== 0, 'the answer');
        assert.equal(second.status, secondStatus, `trusting ${trusted.join()}`);
        first.close();
        second.close();
      } finally {
        await ekg.close();
      }
    }
  });

  test('connections past the per-address and total limits are refused with 503, SSE and WebSocket', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      maxConnectionsPerIp: 2,
      maxConnections: 3,
      trustProxy: true,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    try {
      const a = new SseReader(`${base}/rooms/lim/events`, { 'X-Forwarded-For': '10.0.0.1' });
      const b = new SseReader(`${base}/rooms/lim/events`, { 'X-Forwarded-For': '10.0.0.1' });
      await waitUntil(() => a.status === 200 && b.status === 200, 'two streams');
      const thirdSameIp = new SseReader(`${base}/rooms/lim/events`, { 'X-Forwarded-For': '10.0.0.1' });
      await waitUntil(() => thirdSameIp.status !== 0, 'the refusal');
      assert.equal(thirdSameIp.status, 503);
      assert.equal(
        await upgradeStatus(`ws://127.0.0.1:${ekg.port}/rooms/lim/ws`, { 'X-Forwarded-For': '10.0.0.1' }),
        503,
      );
      const other = new SseReader(`${base}/rooms/lim/events`, { 'X-Forwarded-For': '10.0.0.2' });
      await waitUntil(() => other.status === 200, 'a third address');
      const overTotal = new SseReader(`${base}/rooms/lim/events`, { 'X-Forwarded-For': '10.0.0.3' });
      await waitUntil(() => overTotal.status !== 0, 'the total refusal');
      assert.equal(overTotal.status, 503);
      a.close();
      await waitUntil(() => ekg.roomStats('lim')?.subscribers === 2, 'the slot to free');
      assert.equal(
        await upgradeStatus(`ws://127.0.0.1:${ekg.port}/rooms/lim/ws`, { 'X-Forwarded-For': '10.0.0.3' }),
        101,
      );
      const metrics = await ekg.metrics();
      assert.match(metrics, /ekg_rejected_connections_total\{reason="per_ip"\} 2/);
      assert.match(metrics, /ekg_rejected_connections_total\{reason="total"\} 1/);
      b.close();
      other.close();
    } finally {
      await ekg.close();
    }
  });

  test('CORS only for --cors-origin; WebSockets from other origins are refused', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['t'],
      corsOrigins: ['https://app.example'],
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    try {
      const allowed = new SseReader(`${base}/rooms/cors/events`, { Origin: 'https://app.example' });
      const other = new SseReader(`${base}/rooms/cors/events`, { Origin: 'https://evil.example' });
      await waitUntil(() => allowed.status === 200 && other.status === 200, 'both streams');
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const wsUrl = `ws://127.0.0.1:${ekg.port}/rooms/cors/ws`;
      assert.equal(await upgradeStatus(wsUrl, { Origin: 'https://evil.example' }), 403);
      assert.equal(await upgradeStatus(wsUrl, { Origin: 'https://app.example' }), 101);
      allowed.close();
      other.close();
    } finally {
      await ekg.close();
    }
  });

  test('a client that stops reading is dropped past --max-buffered; the others keep every event', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      maxBufferedBytes: 64 * 1024,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    const stalled = net.connect(ekg.port, '127.0.0.1');
    try {
      stalled.write('GET /rooms/slow/events HTTP/1.1\r\nHost: x\r\n\r\n');
      stalled.pause();
      const reader = new SseReader(`${base}/rooms/slow/events`);
      await waitUntil(() => ekg.roomStats('slow')?.subscribers === 2, 'both subscribers');
      const text = 'x'.repeat(16 * 1024);
      let seq = 0;
      const deadline = Date.now() + 20000;
      while (ekg.roomStats('slow')!.subscribers === 2 && Date.now() < deadline) {
        const batch = [];
        for (let i = 0; i < 3; i++) batch.push(envelope('slow', ++seq, { text }));
        assert.equal((await publish(base, batch)).status, 200);
        await waitUntil(() => reader.seqs.length === seq, 'the reading client to keep up');
      }
      assert.equal(ekg.roomStats('slow')!.subscribers, 1, 'the stalled client was dropped');
      assert.match(await ekg.metrics(), /ekg_dropped_slow_clients_total 1/);
      assert.deepEqual(
        reader.seqs,
        Array.from({ length: seq }, (_, i) => i + 1),
      );
      reader.close();
    } finally {
      stalled.destroy();
      await ekg.close();
    }
  });

  test('a WebSocket that stops reading is dropped too', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      maxBufferedBytes: 64 * 1024,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    const stalled = net.connect(ekg.port, '127.0.0.1');
    try {
      stalled.write(
        'GET /rooms/slow-ws/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      stalled.pause();
      await waitUntil(() => ekg.roomStats('slow-ws')?.subscribers === 1, 'the subscriber');
      const text = 'z'.repeat(16 * 1024);
      let seq = 0;
      const deadline = Date.now() + 20000;
      while (ekg.roomStats('slow-ws')!.subscribers === 1 && Date.now() < deadline) {
        assert.equal(
          (await publish(base, [envelope('slow-ws', ++seq, { text }), envelope('slow-ws', ++seq, { text })]))
            .status,
          200,
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitUntil(() => ekg.roomStats('slow-ws')!.subscribers === 0, 'the drop');
      assert.match(await ekg.metrics(), /ekg_dropped_slow_clients_total 1/);
    } finally {
      stalled.destroy();
      await ekg.close();
    }
  });

  test('a resume that replays more than --max-buffered at once does not drop the client', async () => {
    const ekg = await startEkg({
      port: 0,
      host: '127.0.0.1',
      tokens: ['test-token'],
      bufferSize: 40,
      maxBufferedBytes: 64 * 1024,
    });
    const base = `http://127.0.0.1:${ekg.port}`;
    try {
      const text = 'y'.repeat(16 * 1024);
      for (let seq = 1; seq <= 40; seq += 2) {
        assert.equal(
          (await publish(base, [envelope('replay', seq, { text }), envelope('replay', seq + 1, { text })]))
            .status,
          200,
        );
      }
      const reader = new SseReader(`${base}/rooms/replay/events?lastEventId=0`);
      const socket = new WebSocket(`ws://127.0.0.1:${ekg.port}/rooms/replay/ws?lastEventId=0`);
      let frames = 0;
      socket.on('message', () => frames++);
      await waitUntil(() => reader.seqs.length === 40 && frames === 40, 'both replays (640 KB each)');
      assert.match(await ekg.metrics(), /ekg_dropped_slow_clients_total 0/);
      reader.close();
      socket.close();
    } finally {
      await ekg.close();
    }
  });

  test('a WebSocket that stops answering pings is dropped; heartbeats keep SSE streams busy', async () => {
    const ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['t'], pingMs: 100, heartbeatMs: 100 });
    try {
      const silent = new WebSocket(`ws://127.0.0.1:${ekg.port}/rooms/live/ws`, { autoPong: false });
      let closed = false;
      silent.on('close', () => {
        closed = true;
      });
      const reader = new SseReader(`http://127.0.0.1:${ekg.port}/rooms/live/events`);
      await waitUntil(() => closed, 'the silent socket to be dropped');
      await waitUntil(() => reader.comments >= 2, 'heartbeat comments');
      assert.equal(ekg.roomStats('live')?.subscribers, 1);
      reader.close();
    } finally {
      await ekg.close();
    }
  });

  test('idle rooms are freed', async () => {
    const ekg = await startEkg({ port: 0, host: '127.0.0.1', tokens: ['test-token'], roomIdleMs: 100 });
    try {
      await publish(`http://127.0.0.1:${ekg.port}`, envelope('idle', 1));
      assert.equal(ekg.roomStats('idle')?.lastSeq, 1);
      await waitUntil(() => ekg.roomStats('idle') === undefined, 'the room to be freed');
    } finally {
      await ekg.close();
    }
  });
});
