import { WebhookVerificationError } from './errors.js';

/** The default tolerance between a signed timestamp and now: five minutes, as Stripe and Standard Webhooks use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** "Now" as a Date or as milliseconds since the epoch; undefined means the system clock. */
export type Now = Date | number | undefined;

/** Seconds since the epoch for `now` (whole seconds, floored). */
export function nowSeconds(now: Now): number {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  return Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
}

const decimalSeconds = /^[0-9]{1,15}$/;

/** Parses a decimal seconds timestamp, throwing `malformed_header` naming `what` on anything else. */
export function parseTimestamp(text: string, what: string): number {
  if (!decimalSeconds.test(text)) {
    throw new WebhookVerificationError('malformed_header', `${what} must be whole seconds since the epoch.`);
  }
  return Number(text);
}

/** Throws `timestamp_out_of_tolerance` when `timestamp` is more than `toleranceSeconds` away from now. */
export function checkTolerance(timestamp: number, toleranceSeconds: number, now: Now): void {
  if (toleranceSeconds <= 0 || !Number.isFinite(toleranceSeconds)) return;
  const drift = nowSeconds(now) - timestamp;
  if (drift > toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `The signature is ${drift} s old, more than the ${toleranceSeconds} s tolerance: check the sender's clock or resend.`,
    );
  }
  if (-drift > toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `The signature is dated ${-drift} s in the future, more than the ${toleranceSeconds} s tolerance: check the sender's clock.`,
    );
  }
}
