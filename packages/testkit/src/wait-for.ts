export interface WaitForOptions {
  /** What is awaited, for the timeout's message. */
  what?: string;
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** How often `check` runs, ms. Default 10. */
  intervalMs?: number;
}

/**
 * Runs `check` until it returns something other than `undefined`, `null` or `false`, and
 * resolves with that; rejects naming `what` after `timeoutMs`. A check that throws is
 * retried (the thing may not be up yet); its last error is in the timeout's message.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const { what = 'the condition', timeoutMs = 10_000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
