// While Redis does not answer (down, restarting, too slow), a shared limiter counts in this
// process instead: limits then hold per api host rather than across all of them, and posting
// keeps working instead of failing with 500.

export interface RedisFallbackOptions<L> {
  /** Counts while Redis does not answer. Default: none (a Redis error reaches the caller). */
  fallback?: L;
  /** How long to wait for Redis before using the fallback, ms. Default 250. */
  timeoutMs?: number;
  /** Told about each count that Redis could not make (for a log line or a metric). */
  onUnavailable?: (error: unknown) => void;
}

class RedisTimeout extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `inRedis()` within the timeout, else (or on its error) `inProcess()` when a fallback is set. */
export async function countWithFallback<R, L>(
  options: RedisFallbackOptions<L>,
  inRedis: () => Promise<R>,
  inProcess: (fallback: L) => Promise<R>,
): Promise<R> {
  const { fallback } = options;
  if (fallback === undefined) return inRedis();
  try {
    return await withTimeout(inRedis(), options.timeoutMs ?? 250);
  } catch (error) {
    options.onUnavailable?.(error);
    return inProcess(fallback);
  }
}
