// Posting a message so that it is never lost and never posted twice: each message gets one
// Idempotency-Key, and a post that got no answer (the network dropped, or the server was
// restarting: 502, 503, 504) is sent again with the same key until the api answers or the
// retry budget runs out. The api returns the original message for a key it has already seen,
// so a retry after a lost answer cannot make a duplicate.
import { ApiError, type Message, refusalOf } from './api.js';

export interface SendMessageOptions {
  room: string;
  author: string;
  text: string;
  /** One key per message, kept across its retries (default: a fresh random UUID). */
  key?: string;
  /** Where /api lives (default: this page's origin). */
  base?: string;
  /** How long to keep retrying before giving up, in ms (default 30,000). */
  retryForMs?: number;
  /** First wait between tries, doubled each time up to `maxDelayMs` (default 250). */
  minDelayMs?: number;
  /** Longest wait between tries (default 4,000). */
  maxDelayMs?: number;
  /** Called before each wait with the error that caused it (to say "still sending…"). */
  onRetry?: (error: ApiError, attempt: number) => void;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Stops retrying (the page is going away). */
  signal?: AbortSignal;
}

/** Statuses that mean "the server did not take it in": a retry with the same key is safe. */
const retryableStatus = new Set([502, 503, 504]);

export function isRetryable(error: ApiError): boolean {
  return error.code === 'network' || retryableStatus.has(error.status);
}

/** A random key in the form the api accepts (8-128 printable ASCII characters). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sendOnce(options: SendMessageOptions, key: string): Promise<Message> {
  const path = `${options.base ?? ''}/api/rooms/${encodeURIComponent(options.room)}/messages`;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(path, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify({ author: options.author, text: options.text }),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch {
    throw new ApiError('network', 'Could not reach the server. Check your connection and try again.', 0);
  }
  let parsed: unknown = null;
  try {
    const text = await response.text();
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // A body cut short: treat like no answer (a retry with the key is safe).
    if (response.ok) throw new ApiError('network', 'The answer was cut short. Trying again.', 0);
  }
  if (!response.ok) throw refusalOf(response, parsed);
  const message = (parsed as { message?: Message } | null)?.message;
  if (!message) throw new ApiError('network', 'The answer was cut short. Trying again.', 0);
  return message;
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Posts one message, retrying what is safe to retry with the same Idempotency-Key. Resolves
 * with the stored message; rejects with the api's ApiError for a refusal (400, 409, 410, 429…)
 * at once, or with the last retryable error once `retryForMs` has passed.
 */
export async function sendMessage(options: SendMessageOptions): Promise<Message> {
  const key = options.key ?? newIdempotencyKey();
  const deadline = Date.now() + (options.retryForMs ?? 30_000);
  let delay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 4_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendOnce(options, key);
    } catch (error) {
      if (!(error instanceof ApiError) || !isRetryable(error)) throw error;
      if (options.signal?.aborted || Date.now() + delay > deadline) throw error;
      options.onRetry?.(error, attempt);
      await wait(delay, options.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
