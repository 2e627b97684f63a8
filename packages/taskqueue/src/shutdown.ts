import { cancelJob } from './cancellation.js';
import { QueueClosedError } from './errors.js';
import type { Job } from './job.js';
import type { Scheduler } from './scheduler.js';
import { settleRejected } from './settle.js';

/**
 * `close({ drain: false })`: stops starting tasks, rejects every waiting task with
 * `QueueClosedError`, rejects the callers of running tasks and aborts their signals.
 * Running task functions keep their slots until they return.
 */
export function stopScheduler(scheduler: Scheduler): void {
  if (scheduler.stopped) return;
  scheduler.stopped = true;
  scheduler.paused = true;
  scheduler.rateWake.cancel();
  const error = new QueueClosedError('task queue was closed with { drain: false } before this task finished');
  // Tasks behind a key first, so releasing a key admits nothing new.
  const waiting = scheduler.keyOrdering.waitingJobs();
  waiting.push(...scheduler.delayed.toArray());
  for (const job of waiting) cancelJob(scheduler, job, error, error);
  scheduler.ready.drain((job, resolve, promise) => {
    if (job !== null) {
      abandon(scheduler, job, error);
      return;
    }
    scheduler.waitingCount--;
    cancelPlain(scheduler, resolve, promise, error, 0);
  });
  for (const slot of scheduler.slots) {
    if (slot.job !== null) cancelJob(scheduler, slot.job, error, error);
    else if (slot.resolve !== null) {
      const resolve = slot.resolve;
      slot.resolve = null;
      cancelPlain(scheduler, resolve, slot.promise, error, 1);
    }
  }
  scheduler.sharedController.abort(error);
  if (scheduler.waitingCount === 0) scheduler.waiters.becameEmpty();
  if (scheduler.runningCount === 0 && scheduler.pendingCount === 0) scheduler.waiters.becameIdle();
}

/** Settles a job taken out of the ready queue (its state is still READY). */
function abandon(scheduler: Scheduler, job: Job, error: Error): void {
  scheduler.counters.cancelled++;
  scheduler.rejectJob(job, error);
  if (scheduler.listeners.table.cancel.length !== 0) {
    scheduler.listeners.emit('cancel', { ...scheduler.eventOf(job), reason: error });
  }
  scheduler.waitingCount--;
  scheduler.finish(job);
}

/** Rejects a plain task (one with no job record), waiting (attempt 0) or running (attempt 1). */
function cancelPlain(
  scheduler: Scheduler,
  resolve: (value: unknown) => void,
  promise: Promise<unknown> | null,
  error: Error,
  attempt: number,
): void {
  scheduler.counters.cancelled++;
  scheduler.pendingCount--;
  settleRejected(resolve, promise, error);
  if (scheduler.listeners.table.cancel.length !== 0) {
    const priority = scheduler.defaults.priority;
    scheduler.listeners.emit('cancel', { key: undefined, priority, attempt, reason: error });
  }
}
