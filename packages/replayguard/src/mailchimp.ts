import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import { WebhookSecretError, WebhookVerificationError } from './errors.js';
import { type FormObject, parsePhpForm } from './form.js';

// Mailchimp Marketing list webhooks are not signed. The documented protection is a secret
// in the callback URL (`https://example.com/webhooks/mailchimp?secret=…`), checked here in
// constant time. Mailchimp validates a new webhook with a GET to the same URL, and posts
// events as a form with PHP-style keys (`type=subscribe&data[merges][FNAME]=…`).

/** Input of {@link verifyMailchimpWebhook}. */
export interface MailchimpVerifyInput {
  /** The request URL (path and query, or absolute). */
  url: string;
  /** The accepted secret(s); several while rotating. */
  secrets: string | readonly string[];
  /** The query parameter holding the secret. Default `secret`. */
  parameter?: string;
}

/** A Mailchimp request whose URL secret matched. */
export interface MailchimpVerified {
  scheme: 'mailchimp';
  secretIndex: number;
}

/**
 * Checks the URL secret of a Mailchimp webhook (constant-time). Every secret is compared, so
 * the time taken does not say which one (if any) was close.
 * @throws WebhookVerificationError `bad_secret` (status 401) when missing or wrong.
 * @throws WebhookSecretError when no usable secret is configured.
 */
export function verifyMailchimpWebhook(input: MailchimpVerifyInput): MailchimpVerified {
  const parameter = input.parameter ?? 'secret';
  const query = input.url.indexOf('?');
  const presented = query === -1 ? null : new URLSearchParams(input.url.slice(query + 1)).get(parameter);
  if (presented === null || presented === '') {
    throw new WebhookVerificationError(
      'bad_secret',
      `The ${parameter} query parameter is missing: use the full webhook URL, including ?${parameter}=…`,
    );
  }
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new WebhookSecretError('No Mailchimp webhook secret is configured.');
  let matched = -1;
  for (let secretIndex = 0; secretIndex < secrets.length; secretIndex++) {
    if (secrets[secretIndex] === '') throw new WebhookSecretError('A Mailchimp webhook secret is empty.');
    if (constantTimeEqual(presented, secrets[secretIndex]) && matched === -1) matched = secretIndex;
  }
  if (matched === -1) {
    throw new WebhookVerificationError('bad_secret', `The ${parameter} query parameter is wrong.`);
  }
  return { scheme: 'mailchimp', secretIndex: matched };
}

/** A Mailchimp list event: `type`, `fired_at` and the nested `data`. */
export interface MailchimpEvent {
  type: string;
  fired_at: string;
  data: FormObject;
}

/**
 * Parses a Mailchimp webhook body (`type=…&fired_at=…&data[merges][FNAME]=…`) into nested objects.
 * @throws WebhookVerificationError `malformed_body` without a `type` field.
 */
export function parseMailchimpEvent(body: Buffer | string): MailchimpEvent {
  const form = parsePhpForm(body);
  if (typeof form.type !== 'string' || form.type === '') {
    throw new WebhookVerificationError('malformed_body', 'A Mailchimp webhook body must have a type field.');
  }
  const data = typeof form.data === 'object' ? form.data : (Object.create(null) as FormObject);
  return { type: form.type, fired_at: typeof form.fired_at === 'string' ? form.fired_at : '', data };
}

/**
 * Mailchimp events carry no id: the SHA-256 of the raw body identifies a delivery, so a
 * resent body is recognised as the same event.
 */
export function mailchimpEventId(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}
