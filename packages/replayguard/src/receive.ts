import { WebhookSecretError, WebhookVerificationError } from './errors.js';
import type { WebhookEvent, WebhookIntake, WebhookRequest } from './intake.js';
import type { ReplayRecorder } from './recorder.js';

/** What to answer: a status and a JSON body. */
export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Options of {@link receiveWebhook}. */
export interface ReceiveOptions {
  intake: WebhookIntake;
  /** Records event ids so that each event is handled once. */
  recorder: ReplayRecorder;
  /** Handles one first-seen event. A throw releases the claim and answers 500, so the provider retries. */
  onEvent: (event: WebhookEvent) => unknown;
  /** Lifetime of a replay record, ms. Default: the recorder's. */
  ttl?: number;
}

function errorBody(code: string, message: string): Record<string, unknown> {
  return { error: { code, message } };
}

/**
 * Verifies a request, claims each of its events and hands first-seen ones to `onEvent`.
 * Answers 200 `{received, duplicates}` (or `{duplicate: true}` when every event was seen
 * before), the verification error's status with `{error: {code, message}}`, 500
 * `invalid_secret` on a bad configured secret, 500 `handler_failed` when `onEvent` threw (its
 * claim is released, so the provider's retry is handled), or 503 `replay_store_unavailable`
 * when the store cannot record the event. Never throws.
 */
export async function receiveWebhook(
  request: WebhookRequest,
  options: ReceiveOptions,
): Promise<WebhookResponse> {
  let events: WebhookEvent[];
  try {
    events = options.intake(request);
  } catch (error) {
    if (error instanceof WebhookVerificationError || error instanceof WebhookSecretError) {
      return { status: error.status, body: errorBody(error.code, error.message) };
    }
    return { status: 500, body: errorBody('internal_error', 'The webhook could not be read.') };
  }
  let received = 0;
  let duplicates = 0;
  const claimOptions = options.ttl === undefined ? {} : { ttl: options.ttl };
  for (const event of events) {
    let claimed: boolean;
    try {
      claimed = await options.recorder.claim(event.source, event.id, claimOptions);
    } catch {
      return {
        status: 503,
        body: errorBody('replay_store_unavailable', 'Events cannot be recorded right now; resend later.'),
      };
    }
    if (!claimed) {
      duplicates++;
      continue;
    }
    try {
      await options.onEvent(event);
    } catch {
      await options.recorder.release(event.source, event.id).catch(() => {});
      return {
        status: 500,
        body: errorBody(
          'handler_failed',
          `Handling event ${event.id} failed; it will be accepted when resent.`,
        ),
      };
    }
    // The event was handled; a failure to mark it only shortens how long it counts as seen.
    await options.recorder.complete(event.source, event.id).catch(() => false);
    received++;
  }
  if (events.length > 0 && duplicates === events.length) return { status: 200, body: { duplicate: true } };
  return { status: 200, body: { received, duplicates } };
}
