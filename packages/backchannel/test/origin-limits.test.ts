import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { endWithLingeringClose } from '@backchannel/api/lingering-close';
import { type OriginOptions, type OriginServer, startOrigin } from '../src/origin.js';
import { rawExchange, slowUpload } from './raw-http.js';

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A stand-in api: echoes, never answers /api/silent, answers 413 early to bodies over 300 KB. */
function fakeApi(): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/api/silent') return;
    if (Number(req.headers['content-length'] ?? 0) > 300_000) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.write('{"error":{"code":"body_too_large"}}');
      endWithLingeringClose(req, res);
      return;
    }
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, length: body.length }));
    });
  });
}

/** A stand-in ekg: every stream stays open, with one event written. */
function fakeEkg(): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: hello\ndata: {}\n\n');
  });
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work;
  return { value, ms: performance.now() - start };
}

function get(port: number, path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
}

/** Opens an event stream that stays open until `stop` is aborted (a timeout signal would cut it). */
function openStream(port: number, path: string, stop: AbortController): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, { signal: stop.signal });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the origin under hostile clients', () => {
  const api = fakeApi();
  const ekg = fakeEkg();
  let apiPort = 0;
  let ekgPort = 0;
  const origins: OriginServer[] = [];
  const sockets: Socket[] = [];

  const originWith = async (options: OriginOptions = {}): Promise<OriginServer> => {
    const origin = await startOrigin(
      { api: `http://127.0.0.1:${apiPort}`, ekg: `http://127.0.0.1:${ekgPort}` },
      0,
      '127.0.0.1',
      options,
    );
    origins.push(origin);
    return origin;
  };

  before(async () => {
    apiPort = await listen(api);
    ekgPort = await listen(ekg);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const origin of origins) await origin.close();
    api.closeAllConnections();
    ekg.closeAllConnections();
    api.close();
    ekg.close();
  });

  it('answers a normal request at once while 300 slow uploads are open', async () => {
    const origin = await originWith();
    for (let i = 0; i < 300; i++) sockets.push(await slowUpload(origin.port, '/api/rooms/x/messages'));
    await until(() => origin.load.requests === 300, 'the origin to hold 300 uploads');
    const { value, ms } = await timed(get(origin.port, '/api/rooms/x'));
    assert.equal(value.status, 200);
    assert.ok(ms < 1000, `took ${ms} ms`);
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('serves more than 256 live streams, and a post beside them', async () => {
    const origin = await originWith();
    const open: Response[] = [];
    const stop = new AbortController();
    for (let i = 0; i < 300; i++) open.push(await openStream(origin.port, `/rooms/r${i}/events`, stop));
    assert.ok(open.every((response) => response.status === 200));
    assert.equal(origin.load.streams, 300);
    const post = await fetch(`http://127.0.0.1:${origin.port}/api/rooms/r/messages`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    assert.equal(post.status, 200);
    stop.abort();
  });

  it('answers 503 origin_busy with Retry-After at the stream limit, and posts still pass', async () => {
    const origin = await originWith({ maxStreams: 3 });
    const stop = new AbortController();
    for (let i = 0; i < 3; i++) await openStream(origin.port, '/rooms/r/events', stop);
    const refused = await get(origin.port, '/rooms/r/events');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'origin_busy');
    const post = await fetch(`http://127.0.0.1:${origin.port}/api/x`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 200);
    stop.abort();
  });

  it('answers 503 origin_busy to one address over its request limit instead of queueing it', async () => {
    const origin = await originWith({ maxRequestsPerAddress: 3 });
    for (let i = 0; i < 3; i++) sockets.push(await slowUpload(origin.port, '/api/x'));
    const refused = await get(origin.port, '/api/rooms/x');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'origin_busy');
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await get(origin.port, '/api/rooms/x')).status, 200);
  });

  it('answers 408 to headers that do not arrive within the header timeout', async () => {
    const origin = await originWith({ headerTimeoutMs: 300 });
    const { value, ms } = await timed(rawExchange(origin.port, 'GET /api/x HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    assert.equal(value.status, 408);
    assert.match(value.body, /header_timeout/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('answers 408 to a body that does not arrive within the body timeout', async () => {
    const origin = await originWith({ bodyTimeoutMs: 300 });
    const { value, ms } = await timed(
      rawExchange(origin.port, 'POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"'),
    );
    assert.equal(value.status, 408);
    assert.match(value.body, /body_timeout/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('answers 504 when the api says nothing within the idle timeout', async () => {
    const origin = await originWith({ idleTimeoutMs: 300 });
    const response = await get(origin.port, '/api/silent');
    assert.equal(response.status, 504);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'upstream_timeout');
  });

  it('answers 431 to a 64 KB header', async () => {
    const origin = await originWith();
    const answer = await rawExchange(
      origin.port,
      `GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    assert.equal(answer.status, 431);
  });

  it("passes the api's early 413 through, every time", async () => {
    const origin = await originWith();
    const body = Buffer.alloc(3_000_000, 'a');
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`http://127.0.0.1:${origin.port}/api/rooms/x/messages`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(response.status, 413, `attempt ${i}`);
    }
  });

  it('blocks /metrics however the path is spelled, and refuses absolute targets for other hosts', async () => {
    const origin = await originWith();
    for (const path of [
      '/metrics',
      '/%6detrics',
      '/metric%73',
      '//metrics',
      '/x/../metrics',
      '/METRICS',
      '/metrics/',
    ]) {
      const answer = await rawExchange(
        origin.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(answer.status, 404, path);
    }
    const foreign = await rawExchange(
      origin.port,
      'GET http://x/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    assert.equal(foreign.status, 421);
    assert.match(foreign.body, /misdirected_request/);
    const own = await rawExchange(
      origin.port,
      'GET http://x/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(own.status, 404);
    const bad = await rawExchange(origin.port, 'GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(bad.status, 400);
  });

  it('carries the security headers on what it writes itself and on event streams', async () => {
    const origin = await originWith();
    const notFound = await get(origin.port, '/metrics');
    const stream = await get(origin.port, '/rooms/r/events');
    for (const response of [notFound, stream]) {
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
    }
    await stream.body?.cancel();
  });
});
