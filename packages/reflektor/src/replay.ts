import { signStandardWebhook } from '@backchannel/replayguard';
import type { StoredRecord } from './record.js';

/** How reflektor treats an HTTP status from a host. */
export type StatusClass = 'delivered' | 'retry' | 'rejected';

/** 2xx: delivered. 408, 429, 5xx: retry. Any other status: dead letter at once. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; undefined when absent or unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The headers of one replay attempt: the stored end-to-end headers, `Reflektor-Id`,
 * `Reflektor-Attempt` and, with a secret, the Standard Webhooks `webhook-id` (= the
 * Reflektor-Id, stable across attempts), `webhook-timestamp` and `webhook-signature`.
 * `Host` is left to the HTTP client, which sets the target's.
 */
export function replayHeaders(
  record: StoredRecord,
  attempt: number,
  signSecret: string | null,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const list = record.headers;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i];
    const existing = headers[name];
    if (existing === undefined) headers[name] = list[i + 1];
    else if (Array.isArray(existing)) existing.push(list[i + 1]);
    else headers[name] = [existing, list[i + 1]];
  }
  headers['reflektor-id'] = record.id;
  headers['reflektor-attempt'] = String(attempt);
  if (signSecret !== null) {
    const signed = signStandardWebhook({ id: record.id, body: record.body, secret: signSecret });
    headers['webhook-id'] = signed['webhook-id'];
    headers['webhook-timestamp'] = signed['webhook-timestamp'];
    headers['webhook-signature'] = signed['webhook-signature'];
  }
  return headers;
}
