import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { type OriginServer, startOrigin } from '../src/origin.js';
import { freePorts } from '../src/port-check.js';

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('the origin', () => {
  const api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
      res.end(
        JSON.stringify({
          service: 'api',
          method: req.method,
          url: req.url,
          body,
          forwardedFor: req.headers['x-forwarded-for'],
        }),
      );
    });
  });
  let releaseStream: () => void = () => {};
  const ekg = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`id: 1\nevent: hello\ndata: ${JSON.stringify({ url: req.url })}\n\n`);
    releaseStream = () => res.end('id: 2\nevent: bye\ndata: {}\n\n');
  });
  const wss = new WebSocketServer({ server: ekg });
  wss.on('connection', (socket, req) => socket.send(JSON.stringify({ url: req.url })));
  let origin: OriginServer;

  before(async () => {
    const apiPort = await listen(api);
    const ekgPort = await listen(ekg);
    origin = await startOrigin(
      { api: `http://127.0.0.1:${apiPort}`, ekg: `http://127.0.0.1:${ekgPort}` },
      0,
      '127.0.0.1',
    );
  });
  after(async () => {
    await origin.close();
    wss.close();
    api.close();
    ekg.close();
  });

  it('sends pages and the api, with their bodies, to the api', async () => {
    const response = await fetch(`http://127.0.0.1:${origin.port}/api/rooms?x=1`, {
      method: 'POST',
      body: 'hello',
    });
    const json = (await response.json()) as Record<string, string>;
    assert.equal(json.service, 'api');
    assert.equal(json.url, '/api/rooms?x=1');
    assert.equal(json.body, 'hello');
    assert.equal(json.forwardedFor, '127.0.0.1');
  });

  it('streams Server-Sent Events from ekg without waiting for the end', async () => {
    const response = await fetch(`http://127.0.0.1:${origin.port}/rooms/physics/events?lastEventId=3`);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.match(first.value ?? '', /event: hello/);
    assert.match(first.value ?? '', /lastEventId=3/);
    releaseStream();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    assert.match(rest, /event: bye/);
  });

  it('tunnels WebSocket upgrades for room streams to ekg', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${origin.port}/rooms/physics/ws?lastEventId=7`);
    const message = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    assert.deepEqual(JSON.parse(message), { url: '/rooms/physics/ws?lastEventId=7' });
    socket.close();
  });

  it("does not expose the services' metrics to the public", async () => {
    const response = await fetch(`http://127.0.0.1:${origin.port}/metrics`);
    assert.equal(response.status, 404);
    const json = (await response.json()) as { error: { code: string } };
    assert.equal(json.error.code, 'not_found');
  });

  it('answers 502 with a JSON error when a service is down', async () => {
    const [deadPort] = await freePorts(1);
    const lonely = await startOrigin(
      { api: `http://127.0.0.1:${deadPort}`, ekg: `http://127.0.0.1:${deadPort}` },
      0,
      '127.0.0.1',
    );
    try {
      const response = await fetch(`http://127.0.0.1:${lonely.port}/api/rooms/x`);
      assert.equal(response.status, 502);
      const json = (await response.json()) as { error: { code: string } };
      assert.equal(json.error.code, 'upstream_unavailable');
    } finally {
      await lonely.close();
    }
  });

  it('holds requests for a service being restarted and forwards them once it is back', async () => {
    await origin.hold('api');
    let answered = false;
    const pending = fetch(`http://127.0.0.1:${origin.port}/api/held`, {
      method: 'POST',
      body: 'kept',
    }).then(async (r) => {
      answered = true;
      return { status: r.status, json: (await r.json()) as { url: string; body: string } };
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(answered, false, 'a held request is not answered');
    // Streams are not held back by the api's restart.
    const stream = await fetch(`http://127.0.0.1:${origin.port}/rooms/physics/events`);
    assert.equal(stream.status, 200);
    await stream.body?.cancel();
    origin.release('api');
    const result = await pending;
    assert.equal(result.status, 200);
    assert.equal(result.json.url, '/api/held');
    assert.equal(result.json.body, 'kept');
  });

  it('waits for requests in flight before a hold resolves', async () => {
    let finish: () => void = () => {};
    const slow = http.createServer((_req, res) => {
      finish = () => res.end('done');
    });
    const slowPort = await listen(slow);
    const gate = await startOrigin(
      { api: `http://127.0.0.1:${slowPort}`, ekg: `http://127.0.0.1:${slowPort}` },
      0,
      '127.0.0.1',
    );
    try {
      const inFlight = fetch(`http://127.0.0.1:${gate.port}/api/slow`).then((r) => r.text());
      await new Promise((resolve) => setTimeout(resolve, 100));
      let drained = false;
      const held = gate.hold('api').then(() => {
        drained = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(drained, false, 'the hold waits for the request in flight');
      finish();
      await held;
      assert.equal(await inFlight, 'done');
      gate.release('api');
    } finally {
      await gate.close();
      slow.close();
    }
  });

  it('answers 503 to a request held longer than the hold timeout', async () => {
    const [deadPort] = await freePorts(1);
    const gate = await startOrigin(
      { api: `http://127.0.0.1:${deadPort}`, ekg: `http://127.0.0.1:${deadPort}` },
      0,
      '127.0.0.1',
      { holdTimeoutMs: 100 },
    );
    try {
      await gate.hold('api');
      const response = await fetch(`http://127.0.0.1:${gate.port}/api/rooms/x`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      const json = (await response.json()) as { error: { code: string } };
      assert.equal(json.error.code, 'upstream_unavailable');
    } finally {
      await gate.close();
    }
  });
});
