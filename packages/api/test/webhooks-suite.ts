// The webhook intake's behaviour, run on SQLite (webhooks.test.ts) and PostgreSQL
// (webhooks.integration.test.ts) against a recording reflektor.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  generateStandardWebhookSecret,
  signMandrillWebhook,
  signStandardWebhook,
  signStripeWebhook,
} from '@backchannel/replayguard';
import Fastify, { type FastifyInstance } from 'fastify';
import { Migrator } from 'kysely';
import { Registry } from 'prom-client';
import { connectDb, type Db } from '../src/db/connect.js';
import { migrations } from '../src/db/migrations/index.js';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { createReflektorPublisher, type EventPublisher } from '../src/publish/reflektor.js';
import { findRoom, insertRoom } from '../src/store/rooms.js';
import { expiryFor } from '../src/validate/lifetime.js';
import { resolveWebhookConfig } from '../src/webhooks/config.js';
import { PermanentWebhookError } from '../src/webhooks/handlers.js';
import * as webhookMigration from '../src/webhooks/migration.js';
import { registerWebhookRoutes, type WebhookIntakeHandle } from '../src/webhooks/routes.js';
import { findEventByProviderId, type WebhookTables } from '../src/webhooks/table.js';
import { createTestDatabase, type EngineUnderTest, type TestDatabase } from './helpers/database.js';
import { ReflektorRecorder } from './helpers/reflektor-recorder.js';

const stripeSecret = 'whsec_stripe_test_secret';
const mandrillKey = 'mandrill-test-key';
const mailchimpSecret = 'mailchimp-url-secret';
const billingSecret = generateStandardWebhookSecret();
const publicUrl = 'https://chat.example.org';
const silent = { info() {}, warn() {}, error() {} };

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP request on its own connection (agent: false). */
function send(
  port: number,
  method: string,
  path: string,
  body: string | Buffer = '',
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function checkoutEvent(id: string, room: string, paymentStatus = 'paid'): string {
  return JSON.stringify({
    id,
    object: 'event',
    type: 'checkout.session.completed',
    data: {
      object: {
        id: `cs_${id}`,
        object: 'checkout.session',
        client_reference_id: room,
        payment_status: paymentStatus,
      },
    },
  });
}

function stripeHeaders(body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': signStripeWebhook({ body, secret: stripeSecret }),
  };
}

export function defineWebhookSuite(engine: EngineUnderTest): void {
  describe(`webhook intake (${engine})`, () => {
    const reflektor = new ReflektorRecorder();
    let database: TestDatabase;
    let db: Db;
    let publisher: EventPublisher;
    let outbox: OutboxPublisher;
    let app: FastifyInstance;
    let intake: WebhookIntakeHandle;
    let port = 0;
    const flakyCalls: number[] = [];

    const events = () => db.writer.withTables<WebhookTables>();
    const row = (provider: string, eventId: string) => findEventByProviderId(events(), provider, eventId);
    const settled = (provider: string, eventId: string) =>
      waitFor(`${provider} ${eventId} to settle`, async () => {
        const found = await row(provider, eventId);
        return found && ['done', 'failed', 'ignored'].includes(found.status) ? found : undefined;
      });

    async function newRoom(name: string) {
      const now = new Date();
      const room = await insertRoom(db.writer, {
        name,
        title: name,
        lifetime: 'day',
        ownerTokenHash: 'x',
        createdAt: now.toISOString(),
        expiresAt: expiryFor('day', now).toISOString(),
      });
      assert.ok(room);
      return room;
    }

    let registry: Registry;

    async function buildApp(): Promise<{
      app: FastifyInstance;
      intake: WebhookIntakeHandle;
      registry: Registry;
    }> {
      const instance = Fastify();
      const metricsRegistry = new Registry();
      const handle = registerWebhookRoutes(instance, {
        db,
        registry: metricsRegistry,
        log: silent,
        changes: { db, outbox, log: { ...silent, debug() {} } },
        config: resolveWebhookConfig({
          publicUrl,
          env: {
            stripeSecret,
            mandrillKey,
            mailchimpSecret,
            standard: { billing: billingSecret },
            bodyLimit: 64 * 1024,
          },
        }),
        processing: { retries: 3, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 },
        handlers: (registry) => {
          registry.on('in:billing', 'flaky', (event) => {
            flakyCalls.push(event.attempt);
            if (event.attempt < 3) throw new Error(`flaky attempt ${event.attempt}`);
          });
          registry.on('in:billing', 'broken', () => {
            throw new Error('always broken');
          });
          registry.on('in:billing', 'refused', () => {
            throw new PermanentWebhookError('cannot ever work');
          });
        },
      });
      await instance.listen({ port: 0, host: '127.0.0.1' });
      return { app: instance, intake: handle, registry: metricsRegistry };
    }

    before(async () => {
      await reflektor.start();
      database = await createTestDatabase(engine);
      db = await connectDb(database);
      const migrator = new Migrator({
        db: db.writer,
        ...(database.databaseSchema ? { migrationTableSchema: database.databaseSchema } : {}),
        provider: {
          getMigrations: async () => ({
            ...migrations,
            [webhookMigration.webhookEventsMigrationName]: webhookMigration,
          }),
        },
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      publisher = createReflektorPublisher({ urls: [reflektor.url], timeoutMs: 2000 });
      outbox = new OutboxPublisher({
        db,
        publisher,
        log: { ...silent, debug() {} },
        retryMinMs: 50,
        retryMaxMs: 500,
        sweepIntervalMs: 1000,
        staleAfterMs: 5000,
      });
      ({ app, intake, registry } = await buildApp());
      port = (app.server.address() as { port: number }).port;
    });

    after(async () => {
      await app.close();
      await outbox.close(1000);
      await publisher.close();
      await db.close();
      await reflektor.close();
      await database.drop();
    });

    it('upgrades the room named by a paid Stripe checkout, once, and publishes room.updated', async () => {
      const room = await newRoom('physics-101');
      const body = checkoutEvent('evt_upgrade_1', 'physics-101');
      const first = await send(port, 'POST', '/webhooks/stripe', body, stripeHeaders(body));
      assert.deepEqual(first, { status: 200, body: { received: 1, duplicates: 0 } });
      const settledRow = await settled('stripe', 'evt_upgrade_1');
      assert.equal(settledRow.status, 'done');
      assert.equal(settledRow.type, 'checkout.session.completed');
      assert.equal(settledRow.attempts, 1);
      const upgraded = await findRoom(db.writer, 'physics-101');
      assert.equal(upgraded?.lifetime, 'year');
      assert.equal(upgraded?.expires_at, expiryFor('year', new Date(room.created_at)).toISOString());
      const updates = reflektor.envelopes('physics-101').filter((e) => e.type === 'room.updated');
      assert.equal(updates.length, 1);
      assert.equal(updates[0].data.lifetime, 'year');
      assert.equal(updates[0].data.status, 'open');

      const again = await send(port, 'POST', '/webhooks/stripe', body, stripeHeaders(body));
      assert.deepEqual(again, { status: 200, body: { duplicate: true } });
      await intake.idle();
      assert.equal(reflektor.envelopes('physics-101').filter((e) => e.type === 'room.updated').length, 1);
    });

    it('processes 100 concurrent deliveries of one event from separate connections once', async () => {
      await newRoom('chem-202');
      const body = checkoutEvent('evt_concurrent', 'chem-202');
      const headers = stripeHeaders(body);
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => send(port, 'POST', '/webhooks/stripe', body, headers)),
      );
      assert.ok(replies.every((reply) => reply.status === 200));
      assert.equal(replies.filter((reply) => reply.body.received === 1).length, 1);
      assert.equal(replies.filter((reply) => reply.body.duplicate === true).length, 99);
      assert.equal((await settled('stripe', 'evt_concurrent')).attempts, 1);
      await intake.idle();
      assert.equal(reflektor.envelopes('chem-202').filter((e) => e.type === 'room.updated').length, 1);
    });

    it('answers 400 with the code for a bad or missing signature and records nothing', async () => {
      const body = checkoutEvent('evt_forged', 'physics-101');
      const forged = await send(port, 'POST', '/webhooks/stripe', body, {
        'content-type': 'application/json',
        'stripe-signature': signStripeWebhook({ body, secret: 'whsec_attacker' }),
      });
      assert.equal(forged.status, 400);
      assert.equal((forged.body.error as { code: string }).code, 'bad_signature');
      const unsigned = await send(port, 'POST', '/webhooks/stripe', body, {
        'content-type': 'application/json',
      });
      assert.equal(unsigned.status, 400);
      assert.equal((unsigned.body.error as { code: string }).code, 'missing_header');
      const old = await send(port, 'POST', '/webhooks/stripe', body, {
        'stripe-signature': signStripeWebhook({
          body,
          secret: stripeSecret,
          timestamp: Date.now() / 1000 - 3600,
        }),
      });
      assert.equal((old.body.error as { code: string }).code, 'timestamp_out_of_tolerance');
      assert.equal(await row('stripe', 'evt_forged'), undefined);
    });

    it('answers 413 for a body over the limit', async () => {
      const big = Buffer.alloc(64 * 1024 + 1, 'x');
      const reply = await send(port, 'POST', '/webhooks/stripe', big, { 'content-type': 'application/json' });
      assert.equal(reply.status, 413);
      assert.equal((reply.body.error as { code: string }).code, 'body_too_large');
    });

    it('leaves an unpaid checkout for async_payment_succeeded, and fails an unknown room without retrying', async () => {
      await newRoom('bio-303');
      const unpaid = checkoutEvent('evt_unpaid', 'bio-303', 'unpaid');
      await send(port, 'POST', '/webhooks/stripe', unpaid, stripeHeaders(unpaid));
      assert.equal((await settled('stripe', 'evt_unpaid')).status, 'done');
      assert.equal((await findRoom(db.writer, 'bio-303'))?.lifetime, 'day');

      const paidLater = JSON.stringify({
        id: 'evt_async_paid',
        type: 'checkout.session.async_payment_succeeded',
        data: { object: { client_reference_id: 'bio-303', payment_status: 'paid' } },
      });
      await send(port, 'POST', '/webhooks/stripe', paidLater, stripeHeaders(paidLater));
      assert.equal((await settled('stripe', 'evt_async_paid')).status, 'done');
      assert.equal((await findRoom(db.writer, 'bio-303'))?.lifetime, 'year');

      const nowhere = checkoutEvent('evt_no_room', 'no-such-room');
      await send(port, 'POST', '/webhooks/stripe', nowhere, stripeHeaders(nowhere));
      const failed = await settled('stripe', 'evt_no_room');
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, 1);
      assert.match(failed.last_error ?? '', /no room "no-such-room"/);

      const other = JSON.stringify({ id: 'evt_other', type: 'invoice.paid', data: { object: {} } });
      await send(port, 'POST', '/webhooks/stripe', other, stripeHeaders(other));
      assert.equal((await settled('stripe', 'evt_other')).status, 'ignored');
    });

    it('claims each event of a Mandrill batch on its own and answers Mandrill’s HEAD check', async () => {
      const mandrillEvents = JSON.stringify([
        { event: 'send', _id: 'msg1', ts: 1764150000, msg: { email: 'ada@example.org' } },
        { event: 'open', _id: 'msg1', ts: 1764150060, msg: { email: 'ada@example.org' } },
      ]);
      const body = new URLSearchParams({ mandrill_events: mandrillEvents }).toString();
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-mandrill-signature': signMandrillWebhook({
          url: `${publicUrl}/webhooks/mandrill`,
          fields: { mandrill_events: mandrillEvents },
          secret: mandrillKey,
        }),
      };
      assert.deepEqual(await send(port, 'POST', '/webhooks/mandrill', body, headers), {
        status: 200,
        body: { received: 2, duplicates: 0 },
      });
      assert.deepEqual((await send(port, 'POST', '/webhooks/mandrill', body, headers)).body, {
        duplicate: true,
      });
      assert.equal((await row('mandrill', 'msg1:open:1764150060'))?.type, 'open');
      assert.equal((await send(port, 'HEAD', '/webhooks/mandrill')).status, 200);
      const wrong = await send(port, 'POST', '/webhooks/mandrill', body, {
        ...headers,
        'x-mandrill-signature': 'AAAA',
      });
      assert.equal(wrong.status, 400);
    });

    it('validates Mailchimp with a GET, refuses a wrong secret with 401, and nests PHP-style fields', async () => {
      const check = await send(port, 'GET', `/webhooks/mailchimp?secret=${mailchimpSecret}`);
      assert.equal(check.status, 200);
      const wrong = await send(port, 'GET', '/webhooks/mailchimp?secret=guess');
      assert.equal(wrong.status, 401);
      assert.equal((wrong.body.error as { code: string }).code, 'bad_secret');
      const body =
        'type=subscribe&fired_at=2026-11-26+10%3A00%3A00&data%5Bemail%5D=ada%40example.org&data%5Bmerges%5D%5BFNAME%5D=Ada';
      const posted = await send(port, 'POST', `/webhooks/mailchimp?secret=${mailchimpSecret}`, body, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.deepEqual(posted.body, { received: 1, duplicates: 0 });
      const stored = await waitFor('the mailchimp row', async () => {
        const rows = await events()
          .selectFrom('webhook_events')
          .selectAll()
          .where('provider', '=', 'mailchimp')
          .execute();
        return rows[0];
      });
      assert.equal(stored.type, 'subscribe');
      assert.equal(JSON.parse(stored.payload).data.merges.FNAME, 'Ada');
    });

    it('verifies Standard Webhooks per sender name, 404 for an unknown one', async () => {
      const body = JSON.stringify({ type: 'invoice.created', amount: 5 });
      const headers = { ...signStandardWebhook({ id: 'msg_std_1', body, secret: billingSecret }) };
      assert.deepEqual((await send(port, 'POST', '/webhooks/in/billing', body, headers)).body, {
        received: 1,
        duplicates: 0,
      });
      assert.equal((await settled('in:billing', 'msg_std_1')).status, 'ignored');
      const unknown = await send(port, 'POST', '/webhooks/in/payroll', body, headers);
      assert.equal(unknown.status, 404);
      const wrong = await send(port, 'POST', '/webhooks/in/billing', body, {
        ...signStandardWebhook({ id: 'msg_std_2', body, secret: generateStandardWebhookSecret() }),
      });
      assert.equal((wrong.body.error as { code: string }).code, 'bad_signature');
    });

    it('retries a failing handler with backoff and shows the outcome in the table', async () => {
      const deliver = (id: string, type: string) => {
        const body = JSON.stringify({ type });
        return send(
          port,
          'POST',
          '/webhooks/in/billing',
          body,
          signStandardWebhook({ id, body, secret: billingSecret }),
        );
      };
      await deliver('msg_flaky', 'flaky');
      const flaky = await settled('in:billing', 'msg_flaky');
      assert.equal(flaky.status, 'done');
      assert.equal(flaky.attempts, 3);
      assert.equal(flaky.last_error, null);
      assert.deepEqual(flakyCalls, [1, 2, 3]);

      await deliver('msg_broken', 'broken');
      const broken = await settled('in:billing', 'msg_broken');
      assert.equal(broken.status, 'failed');
      assert.equal(broken.attempts, 4, 'the first attempt and three retries');
      assert.equal(broken.last_error, 'always broken');

      await deliver('msg_refused', 'refused');
      const refused = await settled('in:billing', 'msg_refused');
      assert.equal(refused.status, 'failed');
      assert.equal(refused.attempts, 1);
    });

    it('answers 404 for a provider without a secret', async () => {
      const bare = Fastify();
      registerWebhookRoutes(bare, { db, log: silent, config: resolveWebhookConfig({ publicUrl }) });
      await bare.ready();
      for (const [method, url] of [
        ['POST', '/webhooks/stripe'],
        ['POST', '/webhooks/mandrill'],
        ['GET', '/webhooks/mailchimp?secret=x'],
        ['POST', '/webhooks/in/billing'],
      ] as const) {
        const response = await bare.inject({ method, url, payload: method === 'GET' ? undefined : '{}' });
        assert.equal(response.statusCode, 404, `${method} ${url}`);
        assert.equal(response.json().error.code, 'not_found');
      }
      await bare.close();
    });

    it('counts requests and handled events in Prometheus', async () => {
      const requests = await registry.getSingleMetricAsString('backchannel_api_webhook_requests_total');
      assert.match(requests, /provider="stripe",outcome="received"\} [1-9]/);
      assert.match(requests, /provider="stripe",outcome="duplicate"\} [1-9]/);
      assert.match(requests, /provider="stripe",outcome="refused"\} [1-9]/);
      assert.match(requests, /provider="mailchimp",outcome="refused"\} 1/);
      const handled = await registry.getSingleMetricAsString('backchannel_api_webhook_events_handled_total');
      assert.match(handled, /provider="in:billing",status="failed"\} 2/);
      assert.match(handled, /provider="stripe",status="ignored"\} 1/);
    });

    it('queues events left unfinished by a previous run when the app starts', async () => {
      await newRoom('geo-404');
      await events()
        .insertInto('webhook_events')
        .values({
          provider: 'stripe',
          event_id: 'evt_left_over',
          type: 'checkout.session.completed',
          received_at: new Date().toISOString(),
          payload: checkoutEvent('evt_left_over', 'geo-404'),
          status: 'retrying',
          last_error: 'the process stopped',
          processed_at: null,
        })
        .execute();
      const restarted = await buildApp();
      try {
        const resumed = await settled('stripe', 'evt_left_over');
        assert.equal(resumed.status, 'done');
        assert.equal((await findRoom(db.writer, 'geo-404'))?.lifetime, 'year');
      } finally {
        await restarted.app.close();
      }
    });
  });
}
