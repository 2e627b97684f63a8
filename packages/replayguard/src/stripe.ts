import { createHmac } from 'node:crypto';
import { checkTolerance, DEFAULT_TOLERANCE_SECONDS, type Now, nowSeconds, parseTimestamp } from './clock.js';
import { constantTimeEqual } from './constant-time.js';
import { WebhookSecretError, WebhookVerificationError } from './errors.js';
import { requireHeader, type WebhookHeaders } from './headers.js';

// Stripe, https://docs.stripe.com/webhooks#verify-manually: the `Stripe-Signature` header is a
// comma-separated list of `key=value` items: one `t=<unix seconds>`, one or more `v1=<hex>`
// (several while an endpoint secret is being rolled), maybe `v0=` (test mode, ignored).
// v1 is the hex HMAC-SHA256 of `${t}.${raw body}`, keyed with the endpoint secret's text as is
// (`whsec_…` is NOT base64-decoded, unlike Standard Webhooks).

const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 64;

function secretKey(secret: string): Buffer {
  let key = keyCache.get(secret);
  if (key === undefined) {
    if (secret.trim() === '') throw new WebhookSecretError('The Stripe endpoint secret is empty.');
    key = Buffer.from(secret, 'utf8');
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

function stripeSignature(key: Buffer, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', key).update(timestamp).update('.').update(body).digest('hex');
}

/** Input of {@link verifyStripeWebhook}. */
export interface StripeVerifyInput {
  /** The raw body bytes exactly as received. */
  body: Buffer | string;
  /** The request headers (`Stripe-Signature` is read from them), or the header's value itself. */
  headers: WebhookHeaders | string;
  /** The endpoint's signing secret(s), `whsec_…`; several while rolling a secret. */
  secrets: string | readonly string[];
  /** Largest accepted distance between `t` and now, in seconds. Default 300; 0 disables. */
  toleranceSeconds?: number;
  /** The clock: a Date or milliseconds since the epoch. Default: the system clock. */
  now?: Now;
}

/** A verified Stripe delivery. The event itself (and its `evt_…` id) is the JSON body. */
export interface StripeVerified {
  scheme: 'stripe';
  /** `t` from the header, seconds since the epoch. */
  timestamp: number;
  /** Index in `secrets` of the secret that matched. */
  secretIndex: number;
}

/**
 * Verifies a Stripe webhook delivery: a well-formed `Stripe-Signature` header, `t` within the
 * tolerance (both ways), and at least one `v1` signature matching one of the secrets
 * (constant-time).
 * @throws WebhookVerificationError with code `missing_header`, `malformed_header`,
 *   `timestamp_out_of_tolerance` or `bad_signature`.
 * @throws WebhookSecretError when a configured secret is empty.
 */
export function verifyStripeWebhook(input: StripeVerifyInput): StripeVerified {
  const header =
    typeof input.headers === 'string' ? input.headers : requireHeader(input.headers, 'stripe-signature');
  if (header === '')
    throw new WebhookVerificationError('missing_header', 'The stripe-signature header is missing.');

  let timestampText: string | undefined;
  let first: string | undefined;
  let more: string[] | undefined;
  let start = 0;
  while (start <= header.length) {
    let end = header.indexOf(',', start);
    if (end === -1) end = header.length;
    const equals = header.indexOf('=', start);
    if (equals === -1 || equals >= end) {
      throw new WebhookVerificationError(
        'malformed_header',
        'The stripe-signature header must be comma-separated key=value items, as "t=…,v1=…".',
      );
    }
    const key = header.slice(start, equals);
    if (key === 't') {
      if (timestampText !== undefined) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The stripe-signature header has more than one t=.',
        );
      }
      timestampText = header.slice(equals + 1, end);
    } else if (key === 'v1') {
      const value = header.slice(equals + 1, end);
      if (first === undefined) first = value;
      else if (more === undefined) more = [value];
      else more.push(value);
    }
    start = end + 1;
  }
  if (timestampText === undefined) {
    throw new WebhookVerificationError(
      'malformed_header',
      'The stripe-signature header has no t= timestamp.',
    );
  }
  const timestamp = parseTimestamp(timestampText, 'The t= item of the stripe-signature header');
  if (first === undefined) {
    throw new WebhookVerificationError('bad_signature', 'The stripe-signature header has no v1= signature.');
  }
  checkTolerance(timestamp, input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, input.now);

  const secrets = input.secrets;
  if (typeof secrets === 'string') {
    if (matches(stripeSignature(secretKey(secrets), timestampText, input.body), first, more)) {
      return { scheme: 'stripe', timestamp, secretIndex: 0 };
    }
  } else {
    if (secrets.length === 0) throw new WebhookSecretError('No Stripe endpoint secret is configured.');
    for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
      const expected = stripeSignature(secretKey(secrets[secretIndex]), timestampText, input.body);
      if (matches(expected, first, more)) return { scheme: 'stripe', timestamp, secretIndex };
    }
  }
  throw new WebhookVerificationError(
    'bad_signature',
    'No v1 signature matches the endpoint secret: check the whsec_ secret of this endpoint in the Stripe dashboard, and that the body is passed on unchanged.',
  );
}

function matches(expected: string, first: string, more: string[] | undefined): boolean {
  let found = constantTimeEqual(first, expected);
  if (more !== undefined)
    for (const signature of more) found = constantTimeEqual(signature, expected) || found;
  return found;
}

/** Input of {@link signStripeWebhook}. */
export interface StripeSignInput {
  body: Buffer | string;
  /** The endpoint secret(s); one `v1=` per secret. */
  secret: string | readonly string[];
  /** Seconds since the epoch, or a Date; defaults to now. */
  timestamp?: number | Date;
}

/**
 * Builds a `Stripe-Signature` header value the way Stripe does (`t=…,v1=…`), for tests and
 * local tools. Deterministic for a given input.
 */
export function signStripeWebhook(input: StripeSignInput): string {
  const timestamp = String(
    input.timestamp === undefined
      ? nowSeconds(undefined)
      : typeof input.timestamp === 'number'
        ? Math.floor(input.timestamp)
        : Math.floor(input.timestamp.getTime() / 1000),
  );
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  let header = `t=${timestamp}`;
  for (const secret of secrets) header += `,v1=${stripeSignature(secretKey(secret), timestamp, input.body)}`;
  return header;
}
