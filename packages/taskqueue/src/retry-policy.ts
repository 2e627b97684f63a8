import { backoffDelay, requestedRetryDelay } from './backoff.js';
import { now } from './clock.js';
import type { Job, JobControl } from './job.js';
import type { TaskDefaults } from './options.js';

const INFINITY = Number.POSITIVE_INFINITY;

/** What `decideRetry` concluded: wait `delay` ms (≥ 0) and run again, or fail with `error` (`delay` -1). */
export interface RetryDecision {
  delay: number;
  error: unknown;
}

/**
 * Decides whether a failed attempt of `job` is retried, under its own policy or the
 * queue's `defaults`. Calls the policy's `retryIf` and `onRetry` hooks; a hook that
 * throws fails the task with the hook's error. The delay is the error's own
 * `retryAfterMs` when it has one, else the policy's backoff.
 */
export function decideRetry(
  job: Job,
  error: unknown,
  defaults: TaskDefaults,
  random: () => number,
): RetryDecision {
  const control = job.control;
  const policy = control === null ? defaults : control.policy;
  const attempt = job.attempt;
  if (attempt > policy.retries) return { delay: -1, error };
  try {
    const approved = control !== null && control.timedOut !== null && control.retryApproved;
    if (!approved && policy.retryIf !== undefined && !policy.retryIf(error, attempt))
      return { delay: -1, error };
    let delay = requestedRetryDelay(error);
    if (delay < 0) delay = backoffDelay(attempt, policy, random);
    if (policy.maxElapsed !== INFINITY && control !== null) {
      if (now() + delay - control.firstStartedAt > policy.maxElapsed) return { delay: -1, error };
    }
    if (policy.onRetry !== undefined)
      policy.onRetry({ error, attempt, delayMs: delay, key: job.keyState?.key });
    return { delay, error };
  } catch (hookError) {
    return { delay: -1, error: hookError };
  }
}

/**
 * Whether a timed-out attempt will be retried once it returns: retries left, time left
 * and `retryIf` agreeing. Asked when the timeout fires, so the caller can be answered
 * at once when no retry will follow.
 */
export function willRetryAfterTimeout(job: Job, control: JobControl, error: unknown): boolean {
  const policy = control.policy;
  if (job.attempt > policy.retries) return false;
  if (policy.maxElapsed !== INFINITY && now() - control.firstStartedAt > policy.maxElapsed) return false;
  try {
    return policy.retryIf === undefined || policy.retryIf(error, job.attempt);
  } catch {
    return false;
  }
}
