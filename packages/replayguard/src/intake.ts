import type { Now } from './clock.js';
import { WebhookVerificationError } from './errors.js';
import type { WebhookHeaders } from './headers.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.js';
import { mailchimpEventId, parseMailchimpEvent, verifyMailchimpWebhook } from './mailchimp.js';
import { mandrillEventId, parseMandrillEvents, verifyMandrillWebhook } from './mandrill.js';
import { verifyStandardWebhook } from './standard-webhooks.js';
import { verifyStripeWebhook } from './stripe.js';

/** A received HTTP request, body as raw bytes. */
export interface WebhookRequest {
  method: string;
  /** Path and query as received, e.g. `/webhooks/mailchimp?secret=…`. */
  url: string;
  headers: WebhookHeaders;
  body: Buffer;
}

/** One verified event, ready to be claimed and handled. */
export interface WebhookEvent {
  /** Which provider or sender: the replay recorder's `source`. */
  source: string;
  /** The provider's id for the event (or a derived one, see each intake). */
  id: string;
  /** The event type (`checkout.session.completed`, `send`, `subscribe`, …); '' if none. */
  type: string;
  /** The decoded event. */
  payload: unknown;
}

/**
 * Verifies a request and returns its events (none for a provider's URL check, several for a
 * Mandrill batch). Throws WebhookVerificationError when the request must be refused.
 */
export type WebhookIntake = (request: WebhookRequest) => WebhookEvent[];

function parseJsonObject(body: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  const text = body.toString('utf8');
  if (jsonTooDeep(text)) {
    throw new WebhookVerificationError(
      'json_too_deep',
      `${what} body nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels.`,
    );
  }
  try {
    value = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('malformed_body', `${what} body is not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebhookVerificationError('malformed_body', `${what} body must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** Options shared by the signed intakes. */
export interface SignedIntakeOptions {
  secrets: string | readonly string[];
  /** Default 300 s; 0 disables. */
  toleranceSeconds?: number;
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

function clock(now: (() => number) | undefined): Now {
  return now === undefined ? undefined : now();
}

/** Stripe: verifies `Stripe-Signature`; one event whose id is the event's `evt_…` id. */
export function stripeIntake(options: SignedIntakeOptions & { source?: string }): WebhookIntake {
  const source = options.source ?? 'stripe';
  return (request) => {
    verifyStripeWebhook({
      body: request.body,
      headers: request.headers,
      secrets: options.secrets,
      toleranceSeconds: options.toleranceSeconds,
      now: clock(options.now),
    });
    const event = parseJsonObject(request.body, 'A Stripe');
    if (typeof event.id !== 'string' || event.id === '') {
      throw new WebhookVerificationError('malformed_body', 'A Stripe event must have an id.');
    }
    return [{ source, id: event.id, type: typeof event.type === 'string' ? event.type : '', payload: event }];
  };
}

/**
 * Standard Webhooks: verifies the three `webhook-*` headers; one event whose id is `webhook-id`
 * and whose type is the JSON body's `type` field when it has one.
 */
export function standardWebhooksIntake(options: SignedIntakeOptions & { source: string }): WebhookIntake {
  return (request) => {
    const verified = verifyStandardWebhook({
      body: request.body,
      headers: request.headers,
      secrets: options.secrets,
      toleranceSeconds: options.toleranceSeconds,
      now: clock(options.now),
    });
    let payload: unknown = request.body.toString('utf8');
    if (jsonTooDeep(payload as string)) {
      throw new WebhookVerificationError(
        'json_too_deep',
        `The body nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels.`,
      );
    }
    try {
      payload = JSON.parse(payload as string);
    } catch {
      // Not JSON: hand the text on as it is.
    }
    const type =
      typeof payload === 'object' &&
      payload !== null &&
      typeof (payload as { type?: unknown }).type === 'string'
        ? (payload as { type: string }).type
        : '';
    return [{ source: options.source, id: verified.id, type, payload }];
  };
}

/**
 * Mandrill: a HEAD or GET (Mandrill's reachability check) yields no events; a POST is verified
 * against `url` and yields one event per entry of `mandrill_events` (see mandrillEventId).
 */
export function mandrillIntake(options: {
  url: string;
  secrets: string | readonly string[];
  source?: string;
}): WebhookIntake {
  const source = options.source ?? 'mandrill';
  return (request) => {
    if (request.method === 'HEAD' || request.method === 'GET') return [];
    const { fields } = verifyMandrillWebhook({
      body: request.body,
      headers: request.headers,
      url: options.url,
      secrets: options.secrets,
    });
    return parseMandrillEvents(fields).map((event) => ({
      source,
      id: mandrillEventId(event),
      type: event.event ?? event.type ?? '',
      payload: event,
    }));
  };
}

/**
 * Mailchimp: checks the URL secret on every request; a GET (Mailchimp's validation) yields no
 * events; a POST yields one event, id = SHA-256 of the body (see mailchimpEventId).
 */
export function mailchimpIntake(options: {
  secrets: string | readonly string[];
  parameter?: string;
  source?: string;
}): WebhookIntake {
  const source = options.source ?? 'mailchimp';
  return (request) => {
    verifyMailchimpWebhook({ url: request.url, secrets: options.secrets, parameter: options.parameter });
    if (request.method === 'GET' || request.method === 'HEAD') return [];
    const event = parseMailchimpEvent(request.body);
    return [{ source, id: mailchimpEventId(request.body), type: event.type, payload: event }];
  };
}
