/** Does nothing; the handler that marks a rejection as handled. */
export function noop(): void {}

/**
 * Rejects a caller's promise through its resolver: settling with a rejected promise
 * rejects it, so only the resolver is kept per waiting task, which saves memory. The
 * caller may ignore the promise; the queue never causes an unhandled rejection.
 */
export function settleRejected(
  resolve: (value: unknown) => void,
  promise: Promise<unknown> | null,
  error: unknown,
): void {
  if (promise === null) return; // detached: nobody awaits it
  const rejection = Promise.reject(error);
  rejection.catch(noop);
  resolve(rejection);
  promise.catch(noop);
}

/** A promise already rejected with `error`, marked as handled. */
export function rejected(error: Error): Promise<never> {
  const promise = Promise.reject(error);
  promise.catch(noop);
  return promise;
}
