import type { WebhookEventRow } from './table.js';

/** A verified, recorded event as a handler sees it. */
export interface ReceivedWebhookEvent {
  /** `stripe`, `mandrill`, `mailchimp` or `in:<name>`. */
  provider: string;
  eventId: string;
  type: string;
  /** The decoded event (Stripe event object, Mandrill event, Mailchimp form, JSON body). */
  payload: unknown;
  receivedAt: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** Aborts when the api shuts down. */
  signal: AbortSignal;
}

/**
 * Handles one event. Resolving marks it `done`; throwing retries it with backoff, unless the
 * error has `retryable: false` (then it is `failed` at once). Handlers must be idempotent: an
 * event unfinished at shutdown runs again after restart.
 */
export type WebhookHandler = (event: ReceivedWebhookEvent) => Promise<void> | void;

/** Thrown by a handler for an event that no retry can fix (bad data, unknown room…). */
export class PermanentWebhookError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentWebhookError';
  }
}

/** Handlers by provider and event type; `*` as the type matches every type of that provider. */
export class WebhookHandlerRegistry {
  readonly #handlers = new Map<string, WebhookHandler>();

  /** Registers `handler` for (provider, type); a second registration for the same pair replaces the first. */
  on(provider: string, type: string, handler: WebhookHandler): this {
    this.#handlers.set(`${provider}\u0000${type}`, handler);
    return this;
  }

  /** The handler for the row's provider and type, if any. */
  find(row: Pick<WebhookEventRow, 'provider' | 'type'>): WebhookHandler | undefined {
    return (
      this.#handlers.get(`${row.provider}\u0000${row.type}`) ?? this.#handlers.get(`${row.provider}\u0000*`)
    );
  }
}
