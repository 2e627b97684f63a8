import { cancelJob } from './cancellation.js';
import { TaskAbortedError } from './errors.js';
import { DONE, type Job, JobControl } from './job.js';
import { checkPositive, checkPriority, type PushOptions, resolveTaskDefaults } from './options.js';
import type { Scheduler } from './scheduler.js';

const INFINITY = Number.POSITIVE_INFINITY;

/**
 * Takes in a job that needs a record (push options, or queue defaults that need one):
 * validates its options, gives it a control block when it has a timeout, a caller
 * signal or its own retry policy, and queues it, behind its key when it has one.
 * Throws `InvalidOptionError` before the job counts; a job whose signal is already
 * aborted is cancelled at once.
 */
export function admitJob(scheduler: Scheduler, job: Job, options: PushOptions | undefined): void {
  const defaults = scheduler.defaults;
  if (options === undefined) {
    scheduler.pendingCount++;
    scheduler.waitingCount++;
    job.priority = defaults.priority;
    if (scheduler.controlByDefault) job.control = new JobControl(defaults.timeout, undefined, defaults);
    scheduler.enqueue(job);
    return;
  }
  let policy = defaults;
  if (
    options.retries !== undefined ||
    options.retryIf !== undefined ||
    options.minDelay !== undefined ||
    options.maxDelay !== undefined ||
    options.factor !== undefined ||
    options.maxElapsed !== undefined ||
    options.onRetry !== undefined
  ) {
    policy = resolveTaskDefaults(options, defaults);
  }
  const priority = options.priority;
  job.priority = priority === undefined ? defaults.priority : checkPriority(priority);
  const timeout =
    options.timeout === undefined ? defaults.timeout : checkPositive('timeout', options.timeout, 0);
  const signal = options.signal;
  // Every option is valid: from here on the job counts.
  scheduler.pendingCount++;
  scheduler.waitingCount++;
  if (
    timeout !== INFINITY ||
    signal !== undefined ||
    policy !== defaults ||
    (policy.retries > 0 && policy.maxElapsed !== INFINITY)
  ) {
    const control = new JobControl(timeout, signal, policy);
    job.control = control;
    if (signal !== undefined) {
      if (signal.aborted) {
        cancelBeforeQueued(scheduler, job, options, signal.reason);
        return;
      }
      control.handleEvent = () =>
        cancelJob(scheduler, job, new TaskAbortedError(signal.reason), signal.reason);
      signal.addEventListener('abort', control as EventListenerObject, { once: true });
    }
  }
  const key = options.key;
  if (key === undefined) scheduler.enqueue(job);
  else if (scheduler.keyOrdering.push(job, key)) scheduler.pump();
}

/** A job pushed with a signal that was already aborted: rejected, counted and reported as cancelled. */
function cancelBeforeQueued(scheduler: Scheduler, job: Job, options: PushOptions, reason: unknown): void {
  scheduler.waitingCount--;
  scheduler.counters.cancelled++;
  job.state = DONE;
  scheduler.rejectJob(job, new TaskAbortedError(reason));
  const listeners = scheduler.listeners;
  if (listeners.table.cancel.length !== 0) {
    listeners.emit('cancel', { key: options.key, priority: job.priority, attempt: 0, reason });
  }
  if (scheduler.runningCount === 0 && scheduler.pendingCount === 0) scheduler.waiters.becameIdle();
}
