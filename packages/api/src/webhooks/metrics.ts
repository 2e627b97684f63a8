import { Counter, type Registry } from 'prom-client';

/** Counters of the webhook intake, on the api's registry. */
export interface WebhookMetrics {
  /** Requests by provider and outcome: `received`, `duplicate`, `refused`, `not_configured`. */
  requests: Counter<'provider' | 'outcome'>;
  /** Handled events by provider and final status: `done`, `failed`, `ignored`. */
  handled: Counter<'provider' | 'status'>;
}

export function createWebhookMetrics(registry: Registry | undefined): WebhookMetrics {
  const registers = registry === undefined ? [] : [registry];
  return {
    requests: new Counter({
      name: 'backchannel_api_webhook_requests_total',
      help: 'Webhook requests by provider and outcome (received, duplicate, refused, not_configured)',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    handled: new Counter({
      name: 'backchannel_api_webhook_events_handled_total',
      help: 'Webhook events that reached a final status (done, failed, ignored), by provider',
      labelNames: ['provider', 'status'],
      registers,
    }),
  };
}
