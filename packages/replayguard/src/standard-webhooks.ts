import { createHmac, randomBytes } from 'node:crypto';
import { checkTolerance, DEFAULT_TOLERANCE_SECONDS, type Now, nowSeconds, parseTimestamp } from './clock.js';
import { constantTimeEqual } from './constant-time.js';
import { WebhookSecretError, WebhookVerificationError } from './errors.js';
import { requireHeader, type WebhookHeaders } from './headers.js';

// Standard Webhooks, https://www.standardwebhooks.com/ (spec/standard-webhooks.md):
// signed content is `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 keyed with the
// base64-decoded part of a `whsec_` secret, sent as `v1,<base64>`; several space-separated
// signatures may be sent during secret rotation, and other versions (v1a, ...) are skipped.

const SECRET_PREFIX = 'whsec_';
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;
const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 64;

function secretKey(secret: string): Buffer {
  const cached = keyCache.get(secret);
  if (cached !== undefined) return cached;
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || !base64Text.test(encoded)) {
    throw new WebhookSecretError('A Standard Webhooks secret must be "whsec_" followed by base64 text.');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookSecretError('A Standard Webhooks secret must not be empty.');
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(secret, key);
  return key;
}

/**
 * Checks that `secret` is a usable Standard Webhooks secret (`whsec_<base64>`, non-empty), so a
 * service can refuse a bad setting at start-up rather than on the first request.
 * @throws WebhookSecretError when it is not.
 */
export function checkStandardWebhookSecret(secret: string): void {
  secretKey(secret);
}

function signatureOf(key: Buffer, id: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** Input of {@link signStandardWebhook}. */
export interface StandardWebhookSignInput {
  /** The message id (`webhook-id`); the same id on every retry of one message. */
  id: string;
  /** Seconds since the epoch, or a Date; defaults to now. */
  timestamp?: number | Date;
  /** The exact body bytes that will be sent. */
  body: Buffer | string;
  /** `whsec_<base64>`; several secrets produce several signatures (for rotation). */
  secret: string | readonly string[];
}

/** The three headers a Standard Webhooks sender sets. */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * Signs one message the Standard Webhooks way. Deterministic for a given input.
 * @throws WebhookSecretError when a secret is not `whsec_<base64>`.
 */
export function signStandardWebhook(input: StandardWebhookSignInput): StandardWebhookHeaders {
  const timestamp = String(
    input.timestamp === undefined
      ? nowSeconds(undefined)
      : typeof input.timestamp === 'number'
        ? Math.floor(input.timestamp)
        : Math.floor(input.timestamp.getTime() / 1000),
  );
  if (input.id.length === 0) throw new TypeError('A Standard Webhooks message id must not be empty.');
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new WebhookSecretError('At least one secret is needed to sign.');
  const signatures: string[] = [];
  for (const secret of secrets) {
    signatures.push(`v1,${signatureOf(secretKey(secret), input.id, timestamp, input.body)}`);
  }
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}

/** Input of {@link verifyStandardWebhook}. */
export interface StandardWebhookVerifyInput {
  /** The raw body bytes exactly as received (never a re-serialised object). */
  body: Buffer | string;
  headers: WebhookHeaders;
  /** One `whsec_` secret, or several while rotating; any one matching is enough. */
  secrets: string | readonly string[];
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds. Default 300; 0 disables. */
  toleranceSeconds?: number;
  /** The clock: a Date or milliseconds since the epoch. Default: the system clock. */
  now?: Now;
}

/** A verified Standard Webhooks delivery. */
export interface StandardWebhookVerified {
  scheme: 'standard-webhooks';
  /** `webhook-id`: the idempotency key for replay protection. */
  id: string;
  /** `webhook-timestamp`, seconds since the epoch. */
  timestamp: number;
  /** Index in `secrets` of the secret that matched. */
  secretIndex: number;
}

/**
 * Verifies a Standard Webhooks delivery: all three headers present, the timestamp within the
 * tolerance, and at least one `v1` signature matching one of the secrets (constant-time).
 * @throws WebhookVerificationError with code `missing_header`, `malformed_header`,
 *   `timestamp_out_of_tolerance` or `bad_signature`.
 * @throws WebhookSecretError when a configured secret is not `whsec_<base64>`.
 */
export function verifyStandardWebhook(input: StandardWebhookVerifyInput): StandardWebhookVerified {
  const id = requireHeader(input.headers, 'webhook-id');
  const timestampText = requireHeader(input.headers, 'webhook-timestamp');
  const signatureHeader = requireHeader(input.headers, 'webhook-signature');
  const timestamp = parseTimestamp(timestampText, 'The webhook-timestamp header');
  checkTolerance(timestamp, input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, input.now);

  const presented: string[] = [];
  for (const entry of signatureHeader.split(' ')) {
    if (entry === '') continue;
    const comma = entry.indexOf(',');
    if (comma <= 0) {
      throw new WebhookVerificationError(
        'malformed_header',
        'The webhook-signature header must be a space-separated list of "<version>,<signature>".',
      );
    }
    if (entry.startsWith('v1,')) presented.push(entry.slice(3));
  }
  if (presented.length === 0) {
    throw new WebhookVerificationError('bad_signature', 'The webhook-signature header has no v1 signature.');
  }

  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new WebhookSecretError('No Standard Webhooks secret is configured.');
  for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
    const expected = signatureOf(secretKey(secrets[secretIndex]), id, timestampText, input.body);
    for (const signature of presented) {
      if (constantTimeEqual(signature, expected)) {
        return { scheme: 'standard-webhooks', id, timestamp, secretIndex };
      }
    }
  }
  throw new WebhookVerificationError(
    'bad_signature',
    'No webhook-signature matches the configured secret: check that sender and receiver share the same whsec_ secret.',
  );
}

/** A fresh random Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateStandardWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}
