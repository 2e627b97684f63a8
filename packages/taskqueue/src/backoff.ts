/** The shape of the backoff settings `backoffDelay` reads. */
export interface BackoffSettings {
  minDelay: number;
  maxDelay: number;
  factor: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry): uniformly random
 * between `minDelay` and `min(maxDelay, minDelay * factor ** retry)`.
 */
export function backoffDelay(retry: number, settings: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(settings.maxDelay, settings.minDelay * settings.factor ** retry);
  const floor = Math.min(settings.minDelay, ceiling);
  return floor + random() * (ceiling - floor);
}

/**
 * The delay an error asks for through a numeric `retryAfterMs` property (for example
 * parsed from an HTTP `Retry-After` header), or -1 when it asks for none.
 */
export function requestedRetryDelay(error: unknown): number {
  if (typeof error !== 'object' || error === null) return -1;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) return -1;
  return value;
}

/**
 * Milliseconds to wait for an HTTP `Retry-After` header value (delay-seconds or an
 * HTTP-date), or undefined when the value is missing or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
