// Posting through restarts: the same Idempotency-Key on every try, retries only for answers that
// mean "not taken in", and a refusal shown at once. A real HTTP server plays the api.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../src/browser/api.js';
import { sendMessage } from '../src/browser/send-message.js';

type Step = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe('sending a message', () => {
  let server: Server;
  let base = '';
  let steps: Step[] = [];
  const seen: { key: string | undefined; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        const step = steps.shift();
        if (!step) {
          res.writeHead(500).end();
          return;
        }
        step(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const created: Step = (_req, res, body) => {
    const { author, text } = JSON.parse(body) as { author: string; text: string };
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: { id: '7', author, text, at: new Date(0).toISOString() } }));
  };
  const status =
    (code: number, error?: { code: string; message: string }): Step =>
    (_req, res) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(error ? JSON.stringify({ error }) : '');
    };
  const dropConnection: Step = (req) => req.socket.destroy();

  it('retries 502, 503, 504 and a dropped connection with one key, then returns the message', async () => {
    seen.length = 0;
    steps = [status(502), status(503), dropConnection, status(504), created];
    const retries: string[] = [];
    const message = await sendMessage({
      base,
      room: 'physics-101',
      author: 'ada',
      text: 'hello',
      minDelayMs: 5,
      onRetry: (error) => retries.push(error.code),
    });
    assert.equal(message.id, '7');
    assert.equal(message.text, 'hello');
    assert.equal(seen.length, 5);
    const keys = new Set(seen.map((s) => s.key));
    assert.equal(keys.size, 1, 'every try carries the same key');
    const [key] = [...keys];
    assert.match(String(key), /^[0-9a-f-]{16,}$/);
    assert.deepEqual(retries, ['http_502', 'http_503', 'network', 'http_504']);
  });

  it('two messages get different keys', async () => {
    seen.length = 0;
    steps = [created, created];
    await sendMessage({ base, room: 'r', author: 'a', text: 'one' });
    await sendMessage({ base, room: 'r', author: 'a', text: 'two' });
    assert.notEqual(seen[0]?.key, seen[1]?.key);
  });

  it('shows a refusal at once, without retrying', async () => {
    seen.length = 0;
    steps = [status(429, { code: 'rate_limited', message: 'Slow down: try again in 3 s.' })];
    await assert.rejects(
      sendMessage({ base, room: 'r', author: 'a', text: 'x', minDelayMs: 5 }),
      (error: unknown) => error instanceof ApiError && error.code === 'rate_limited' && error.status === 429,
    );
    assert.equal(seen.length, 1);
  });

  it('gives up after its retry budget with the last error', async () => {
    seen.length = 0;
    steps = Array.from({ length: 50 }, () => status(503));
    const started = Date.now();
    await assert.rejects(
      sendMessage({
        base,
        room: 'r',
        author: 'a',
        text: 'x',
        minDelayMs: 10,
        maxDelayMs: 20,
        retryForMs: 150,
      }),
      (error: unknown) => error instanceof ApiError && error.status === 503,
    );
    assert.ok(Date.now() - started < 1000);
    assert.ok(seen.length >= 3 && seen.length < 50, `${seen.length} tries`);
  });
});
