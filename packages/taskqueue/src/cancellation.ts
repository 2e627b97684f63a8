import { ADMISSION, DELAYED, type Job, type JobControl, READY, RUNNING } from './job.js';
import type { KeyState } from './key-state.js';
import type { Scheduler } from './scheduler.js';

/**
 * Cancels one job, by its caller's signal or by `close({ drain: false })`: its caller is
 * rejected with `error` and a `cancel` event carries `reason`. A waiting job is dropped
 * from whichever list holds it; a running one has its signal aborted and keeps its slot
 * (and its key) until its function returns. Does nothing to a job already settled.
 */
export function cancelJob(scheduler: Scheduler, job: Job, error: Error, reason: unknown): void {
  if (job.resolve === null) return;
  const state = job.state;
  scheduler.counters.cancelled++;
  scheduler.rejectJob(job, error);
  if (scheduler.listeners.table.cancel.length !== 0)
    scheduler.listeners.emit('cancel', { ...scheduler.eventOf(job), reason });
  if (state === RUNNING) {
    const control = job.control;
    if (control !== null) {
      clearTimeout(control.attemptTimer);
      control.attemptTimer = undefined;
      control.controller?.abort(reason);
    }
    return; // finished when its function returns
  }
  if (state === READY) scheduler.ready.remove(job);
  else if (state === DELAYED) {
    const control = job.control as JobControl;
    clearTimeout(control.delayTimer);
    control.delayTimer = undefined;
    scheduler.delayed.remove(job);
  } else if (state === ADMISSION) scheduler.keyOrdering.admission.remove(job);
  else (job.keyState as KeyState).waiting.remove(job); // KEY_WAIT
  scheduler.waitingCount--;
  scheduler.finish(job);
  scheduler.pump();
  scheduler.waitingShrank();
  if (scheduler.runningCount === 0 && scheduler.pendingCount === 0) scheduler.waiters.becameIdle();
}
