import {
  mailchimpIntake,
  mandrillIntake,
  standardWebhooksIntake,
  stripeIntake,
  type WebhookEvent,
  type WebhookIntake,
  WebhookSecretError,
  WebhookVerificationError,
} from '@backchannel/replayguard';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Db } from '../db/connect.js';
import type { EventTransactionDeps } from '../event-transaction.js';
import type { WebhookConfig } from './config.js';
import { WebhookHandlerRegistry } from './handlers.js';
import type { WebhookLogger } from './logger.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import { type ProcessingOptions, WebhookProcessor } from './processing.js';
import { roomUpgradeHandler } from './room-upgrade.js';
import { recordEvent, type WebhookDb, type WebhookTables } from './table.js';

/** What `registerWebhookRoutes` needs from the api. */
export interface WebhookRoutesOptions {
  /** The api's database (the `webhook_events` table comes with its migrations). */
  db: Pick<Db, 'writer'>;
  /** Secrets, URLs and limits: `resolveWebhookConfig({ publicUrl, env: webhookSettingsFromEnv(process.env), file })`. */
  config: WebhookConfig;
  log: WebhookLogger;
  /** The api's event-transaction deps: lets handlers publish `room.updated`. Without it, rooms change silently. */
  changes?: EventTransactionDeps;
  /** Extra or replacement handlers; the Stripe room upgrade is registered first. */
  handlers?: (registry: WebhookHandlerRegistry) => void;
  /** Handler queue settings (concurrency, retries, backoff, timeout). */
  processing?: ProcessingOptions;
  /** The api's Prometheus registry (`context.metrics.registry`); webhook counters are added to it. */
  registry?: Registry;
}

/** A handle on the intake, for tests and shutdown (closing the app also closes it). */
export interface WebhookIntakeHandle {
  /** Resolves once every queued event has been handled (or has failed for good). */
  idle(): Promise<void>;
}

function errorReply(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * Registers the webhook routes in their own fastify scope (their raw-body parser and size
 * limit apply to them only):
 *
 * - `POST /webhooks/stripe` (Stripe-Signature), `HEAD|POST /webhooks/mandrill`
 *   (X-Mandrill-Signature over the configured URL), `GET|POST /webhooks/mailchimp?secret=…`
 *   (GET is Mailchimp's validation), `POST /webhooks/in/:name` (Standard Webhooks).
 * - A provider without a configured secret: 404. A refused request: 400 with the replayguard
 *   code (401 `bad_secret` for Mailchimp), nothing recorded. A body over the limit: 413.
 * - Each verified event is inserted into `webhook_events` once per (provider, event id);
 *   first-seen events are queued for their handler and the answer is 200
 *   `{"received":n,"duplicates":m}` at once; a request whose events were all seen before
 *   answers 200 `{"duplicate":true}` and nothing runs again.
 * - Unfinished events from a previous run are queued again when the app is ready; the queue
 *   stops when the app closes.
 */
export function registerWebhookRoutes(
  app: FastifyInstance,
  options: WebhookRoutesOptions,
): WebhookIntakeHandle {
  const { config, log } = options;
  const db: WebhookDb = options.db.writer.withTables<WebhookTables>();
  const registry = new WebhookHandlerRegistry();
  const upgrade = roomUpgradeHandler({ db: options.db, changes: options.changes });
  registry.on('stripe', 'checkout.session.completed', upgrade);
  registry.on('stripe', 'checkout.session.async_payment_succeeded', upgrade);
  options.handlers?.(registry);
  const metrics: WebhookMetrics = createWebhookMetrics(options.registry);
  const processor = new WebhookProcessor(db, registry, log, metrics, options.processing);

  const intakes = {
    stripe:
      config.stripeSecrets.length > 0
        ? stripeIntake({ secrets: config.stripeSecrets, toleranceSeconds: config.toleranceSeconds })
        : undefined,
    mandrill:
      config.mandrillKeys.length > 0
        ? mandrillIntake({ url: config.mandrillUrl, secrets: config.mandrillKeys })
        : undefined,
    mailchimp:
      config.mailchimpSecrets.length > 0 ? mailchimpIntake({ secrets: config.mailchimpSecrets }) : undefined,
    standard: new Map<string, WebhookIntake>(
      Object.entries(config.standard).map(([name, secrets]) => [
        name,
        standardWebhooksIntake({ secrets, source: `in:${name}`, toleranceSeconds: config.toleranceSeconds }),
      ]),
    ),
  };

  async function receive(request: FastifyRequest, reply: FastifyReply, intake: WebhookIntake, what: string) {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let events: WebhookEvent[];
    try {
      events = intake({ method: request.method, url: request.url, headers: request.headers, body });
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        log.warn('webhook refused', { provider: what, code: error.code, ip: request.ip });
        metrics.requests.inc({ provider: what, outcome: 'refused' });
        return errorReply(reply, error.status, error.code, error.message);
      }
      if (error instanceof WebhookSecretError) {
        log.error('webhook secret unusable', { provider: what, error: error.message });
        return errorReply(reply, 500, 'internal_error', 'The webhook secret configured here is unusable.');
      }
      throw error;
    }
    let received = 0;
    let duplicates = 0;
    const receivedAt = new Date().toISOString();
    for (const event of events) {
      const id = await recordEvent(db, {
        provider: event.source,
        eventId: event.id,
        type: event.type,
        payload: JSON.stringify(event.payload),
        receivedAt,
      });
      if (id === undefined) {
        duplicates++;
        continue;
      }
      received++;
      processor.enqueue(id, event.source);
    }
    if (events.length > 0 && duplicates === events.length) {
      metrics.requests.inc({ provider: what, outcome: 'duplicate' });
      return reply.code(200).send({ duplicate: true });
    }
    metrics.requests.inc({ provider: what, outcome: 'received' });
    return reply.code(200).send({ received, duplicates });
  }

  function notConfigured(reply: FastifyReply, provider: string, what: string): FastifyReply {
    metrics.requests.inc({ provider, outcome: 'not_configured' });
    return errorReply(reply, 404, 'not_found', `No ${what} webhook is configured here.`);
  }

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: config.bodyLimit },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return errorReply(
          reply,
          413,
          'body_too_large',
          `A webhook body may be at most ${config.bodyLimit} bytes.`,
        );
      }
      log.error('webhook intake failed', { url: request.url, error: error.stack ?? error.message });
      return errorReply(
        reply,
        500,
        'internal_error',
        'The webhook could not be recorded; it will be accepted when resent.',
      );
    });
    const routeOptions = { bodyLimit: config.bodyLimit };

    scope.post('/webhooks/stripe', routeOptions, (request, reply) =>
      intakes.stripe
        ? receive(request, reply, intakes.stripe, 'stripe')
        : notConfigured(reply, 'stripe', 'Stripe'),
    );
    scope.route({
      method: ['HEAD', 'POST'],
      url: '/webhooks/mandrill',
      ...routeOptions,
      handler: (request, reply) =>
        intakes.mandrill
          ? receive(request, reply, intakes.mandrill, 'mandrill')
          : notConfigured(reply, 'mandrill', 'Mandrill'),
    });
    scope.route({
      method: ['GET', 'POST'],
      url: '/webhooks/mailchimp',
      ...routeOptions,
      handler: (request, reply) =>
        intakes.mailchimp
          ? receive(request, reply, intakes.mailchimp, 'mailchimp')
          : notConfigured(reply, 'mailchimp', 'Mailchimp'),
    });
    scope.post<{ Params: { name: string } }>('/webhooks/in/:name', routeOptions, (request, reply) => {
      const intake = intakes.standard.get(request.params.name);
      return intake
        ? receive(request, reply, intake, `in:${request.params.name}`)
        : notConfigured(reply, 'in:unknown', 'such');
    });
  });

  app.addHook('onReady', async () => {
    await processor.resumeUnfinished();
  });
  app.addHook('onClose', async () => {
    await processor.close();
  });
  return { idle: () => processor.idle() };
}
