import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createWebhookHandler,
  openSqliteReplayStore,
  ReplayRecorder,
  type ReplayStore,
  receiveWebhook,
  signStripeWebhook,
  stripeIntake,
  type WebhookEvent,
} from '../src/index.js';

const secret = 'whsec_http_adapter_test';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

// Each call opens its own TCP connection (agent: false).
function post(port: number, body: string | Buffer, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/webhooks/stripe', agent: false, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('node:http handler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replayguard-http-'));
  const handled: WebhookEvent[] = [];
  let failNext = false;
  let server: Server;
  let recorder: ReplayRecorder;
  let port = 0;

  before(async () => {
    recorder = new ReplayRecorder({ store: await openSqliteReplayStore({ path: join(dir, 'replay.db') }) });
    const handler = createWebhookHandler({
      intake: stripeIntake({ secrets: secret }),
      recorder,
      bodyLimit: 64 * 1024,
      onEvent: async (event) => {
        if (failNext) {
          failNext = false;
          throw new Error('handler down');
        }
        // Hold the event a little, so that concurrent duplicates arrive while it is being handled.
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.push(event);
      },
    });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await recorder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('processes 100 concurrent deliveries of the same event from separate connections once', async () => {
    const body = JSON.stringify({ id: 'evt_concurrent', type: 'checkout.session.completed' });
    const headers = {
      'content-type': 'application/json',
      'stripe-signature': signStripeWebhook({ body, secret }),
    };
    const replies = await Promise.all(Array.from({ length: 100 }, () => post(port, body, headers)));
    assert.ok(replies.every((reply) => reply.status === 200));
    assert.equal(replies.filter((reply) => reply.body.received === 1).length, 1);
    assert.equal(replies.filter((reply) => reply.body.duplicate === true).length, 99);
    assert.deepEqual(
      handled.filter((event) => event.id === 'evt_concurrent').map((event) => event.type),
      ['checkout.session.completed'],
    );
  });

  it('answers 400 with the code for a bad signature and records nothing', async () => {
    const body = JSON.stringify({ id: 'evt_forged', type: 'x' });
    const reply = await post(port, body, {
      'stripe-signature': signStripeWebhook({ body, secret: 'whsec_wrong' }),
    });
    assert.equal(reply.status, 400);
    assert.deepEqual((reply.body.error as { code: string }).code, 'bad_signature');
    assert.equal(await recorder.state('stripe', 'evt_forged'), undefined);
  });

  it('answers 413 past the body limit, whether declared or streamed', async () => {
    const big = Buffer.alloc(64 * 1024 + 1, 'a');
    const declared = await post(port, big, { 'stripe-signature': 't=1,v1=00' });
    assert.equal(declared.status, 413);
    assert.equal((declared.body.error as { code: string }).code, 'payload_too_large');
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent: false,
          headers: { 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(4096, 'b'));
      req.end();
    });
    assert.equal(streamed, 413);
  });

  it('releases the claim when the handler fails, so the retry is processed', async () => {
    const body = JSON.stringify({ id: 'evt_retry', type: 'invoice.paid' });
    const headers = { 'stripe-signature': signStripeWebhook({ body, secret }) };
    failNext = true;
    const first = await post(port, body, headers);
    assert.equal(first.status, 500);
    assert.equal((first.body.error as { code: string }).code, 'handler_failed');
    const retry = await post(port, body, headers);
    assert.deepEqual(retry.body, { received: 1, duplicates: 0 });
    assert.equal(handled.filter((event) => event.id === 'evt_retry').length, 1);
    assert.equal(await recorder.state('stripe', 'evt_retry'), 'completed');
  });
});

describe('receiveWebhook with a store that is down', () => {
  it('answers 503 replay_store_unavailable and handles nothing', async () => {
    const down: ReplayStore = {
      claim: () => Promise.reject(new Error('connection refused')),
      complete: () => Promise.reject(new Error('connection refused')),
      release: () => Promise.reject(new Error('connection refused')),
      state: () => Promise.reject(new Error('connection refused')),
      close: () => Promise.resolve(),
    };
    const body = JSON.stringify({ id: 'evt_store_down', type: 'x' });
    let handled = 0;
    const reply = await receiveWebhook(
      {
        method: 'POST',
        url: '/',
        headers: { 'stripe-signature': signStripeWebhook({ body, secret }) },
        body: Buffer.from(body),
      },
      {
        intake: stripeIntake({ secrets: secret }),
        recorder: new ReplayRecorder({ store: down }),
        onEvent: () => {
          handled++;
        },
      },
    );
    assert.equal(reply.status, 503);
    assert.equal((reply.body.error as { code: string }).code, 'replay_store_unavailable');
    assert.equal(handled, 0);
  });
});
