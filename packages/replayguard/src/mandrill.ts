import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import { WebhookSecretError, WebhookVerificationError } from './errors.js';
import { parseFormPairs } from './form.js';
import { requireHeader, type WebhookHeaders } from './headers.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.js';

// Mandrill (Mailchimp Transactional), "Authenticating webhook requests": the signed data is
// the webhook URL exactly as configured in Mandrill, followed by every POST field, sorted by
// key, as key then value with no delimiter; X-Mandrill-Signature is the base64 HMAC-SHA1 of
// that with the webhook's key. Like PHP's $_POST, a repeated field keeps its last value.
// There is no timestamp: replays are stopped by recording event ids (mandrillEventId).

/** Input of {@link verifyMandrillWebhook}. */
export interface MandrillVerifyInput {
  /** The raw `application/x-www-form-urlencoded` body exactly as received. */
  body: Buffer | string;
  headers: WebhookHeaders;
  /** The webhook URL exactly as entered in Mandrill (scheme, host, path and query). */
  url: string;
  /** The webhook key(s) Mandrill shows for this webhook; several while rotating. */
  secrets: string | readonly string[];
}

/** A verified Mandrill delivery with its decoded form fields. */
export interface MandrillVerified {
  scheme: 'mandrill';
  /** The POST fields (a repeated field keeps its last value). */
  fields: Record<string, string>;
  /** Index in `secrets` of the key that matched. */
  secretIndex: number;
}

function signedFields(body: Buffer | string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of parseFormPairs(body)) fields.set(key, value);
  return fields;
}

function mandrillSignature(key: string, url: string, fields: Map<string, string>): string {
  const hmac = createHmac('sha1', key).update(url, 'utf8');
  const keys = [...fields.keys()].sort();
  for (const name of keys) hmac.update(name, 'utf8').update(fields.get(name)!, 'utf8');
  return hmac.digest('base64');
}

/**
 * Verifies a Mandrill webhook: `X-Mandrill-Signature` must match the URL and form fields
 * under one of the keys (constant-time).
 * @throws WebhookVerificationError `missing_header`, `malformed_body` or `bad_signature`.
 * @throws WebhookSecretError when a configured key is empty.
 */
export function verifyMandrillWebhook(input: MandrillVerifyInput): MandrillVerified {
  const presented = requireHeader(input.headers, 'x-mandrill-signature');
  const fields = signedFields(input.body);
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new WebhookSecretError('No Mandrill webhook key is configured.');
  for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
    const secret = secrets[secretIndex];
    if (secret === '') throw new WebhookSecretError('A Mandrill webhook key is empty.');
    if (constantTimeEqual(presented, mandrillSignature(secret, input.url, fields))) {
      return { scheme: 'mandrill', fields: Object.fromEntries(fields), secretIndex };
    }
  }
  throw new WebhookVerificationError(
    'bad_signature',
    'X-Mandrill-Signature does not match: check the webhook key, and that the configured public URL is exactly the URL entered in Mandrill.',
  );
}

/** Input of {@link signMandrillWebhook}. */
export interface MandrillSignInput {
  url: string;
  /** The form fields Mandrill would post, e.g. `{ mandrill_events: '[…]' }`. */
  fields: Readonly<Record<string, string>>;
  secret: string;
}

/** Computes `X-Mandrill-Signature` the way Mandrill does, for tests and local tools. */
export function signMandrillWebhook(input: MandrillSignInput): string {
  return mandrillSignature(input.secret, input.url, new Map(Object.entries(input.fields)));
}

/** One event from the `mandrill_events` field. */
export interface MandrillEvent {
  event?: string;
  type?: string;
  _id?: string;
  ts?: number;
  [field: string]: unknown;
}

/**
 * Parses the `mandrill_events` field (a JSON array, one entry per event; Mandrill batches up to
 * 1000 events per request, and its "test" button sends an empty array).
 * @throws WebhookVerificationError `malformed_body` when the field is absent or not a JSON array of objects.
 */
export function parseMandrillEvents(fields: Readonly<Record<string, string>>): MandrillEvent[] {
  const text = fields.mandrill_events;
  if (text === undefined) {
    throw new WebhookVerificationError('malformed_body', 'The mandrill_events form field is missing.');
  }
  let events: unknown;
  if (jsonTooDeep(text)) {
    throw new WebhookVerificationError(
      'json_too_deep',
      `The mandrill_events form field nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels.`,
    );
  }
  try {
    events = JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('malformed_body', 'The mandrill_events form field is not JSON.');
  }
  if (!Array.isArray(events) || !events.every((event) => typeof event === 'object' && event !== null)) {
    throw new WebhookVerificationError(
      'malformed_body',
      'The mandrill_events form field must be an array of objects.',
    );
  }
  return events as MandrillEvent[];
}

/**
 * A stable id for replay protection. Message events carry the message `_id`, and one message
 * has many events (send, open, click…), so the id is `<_id>:<event>:<ts>`; events without an
 * `_id` (sync, some inbound) are identified by the SHA-256 of their JSON.
 */
export function mandrillEventId(event: MandrillEvent): string {
  const kind = event.event ?? event.type ?? 'event';
  if (typeof event._id === 'string' && event._id !== '') return `${event._id}:${kind}:${event.ts ?? ''}`;
  return `${kind}:${createHash('sha256').update(JSON.stringify(event)).digest('hex')}`;
}
