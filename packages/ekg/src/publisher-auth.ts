import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { verifyStandardWebhook, WebhookVerificationError } from '@backchannel/replayguard';
import { EkgError } from './errors.js';

/** How publishers prove who they are. At least one of the two must be set. */
export interface PublisherCredentials {
  /** Standard Webhooks secrets (`whsec_…`); any one matching is enough (for rotation). */
  secrets: readonly string[];
  /** Bearer tokens accepted in `Authorization: Bearer <token>`. */
  tokens: readonly string[];
  /** Largest accepted age of `webhook-timestamp`, in seconds. */
  toleranceSeconds: number;
}

function tokenMatches(presented: string, tokens: readonly string[]): boolean {
  const presentedBytes = Buffer.from(presented);
  let matched = false;
  for (const token of tokens) {
    const expected = Buffer.from(token);
    // Compare every token, always in constant time per token, so timing reveals nothing.
    if (expected.length === presentedBytes.length && timingSafeEqual(expected, presentedBytes))
      matched = true;
  }
  return matched;
}

/**
 * Checks a publish request: a Standard Webhooks signature over the exact `body` bytes with a
 * timestamp within tolerance (checked whenever the request carries one), else a bearer token from
 * `tokens`. Replays of one `webhook-id` are allowed on
 * purpose (reflektor retries reuse it); duplicate events are dropped by seq instead.
 * @throws EkgError 401 `unauthorized` naming what was wrong.
 */
export function authenticatePublisher(
  headers: IncomingHttpHeaders,
  body: Buffer,
  credentials: PublisherCredentials,
): void {
  // A signature first: the relay replays the original request's headers, which may carry a
  // bearer token meant for the relay itself, next to its own signature.
  if (credentials.secrets.length > 0 && headers['webhook-signature'] !== undefined) {
    try {
      verifyStandardWebhook({
        body,
        headers,
        secrets: credentials.secrets,
        toleranceSeconds: credentials.toleranceSeconds,
      });
      return;
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        throw new EkgError('unauthorized', 401, `${error.message} (${error.code})`);
      }
      throw error;
    }
  }
  const authorization = headers.authorization;
  if (authorization !== undefined && credentials.tokens.length > 0 && authorization.startsWith('Bearer ')) {
    if (tokenMatches(authorization.slice(7), credentials.tokens)) return;
    throw new EkgError(
      'unauthorized',
      401,
      'The bearer token does not match --token: use the token ekg was started with.',
    );
  }
  throw new EkgError(
    'unauthorized',
    401,
    'POST /publish needs a Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) made with --secret, or Authorization: Bearer <--token>.',
  );
}
