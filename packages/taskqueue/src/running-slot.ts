import type { Job } from './job.js';
import type { Task } from './options.js';

/**
 * A running slot. Its two callbacks are made once and reused by every task that runs
 * in it, so starting a task allocates no closure. A job runs with `job` set; a plain
 * task (no job record) runs with `job` null and its parts in `task`/`resolve`/`promise`.
 */
export interface RunningSlot {
  job: Job | null;
  task: Task<unknown> | null;
  /** The plain task's resolver; null once its caller was answered. */
  resolve: ((value: unknown) => void) | null;
  promise: Promise<unknown> | null;
  startedAt: number;
  nextFree: RunningSlot | null;
  fulfilled: (value: unknown) => void;
  rejected: (error: unknown) => void;
}

/** Receives the outcome of every task that runs in a slot. */
export interface SlotOwner {
  slotSettled(slot: RunningSlot, ok: boolean, outcome: unknown): void;
}

/** A free slot whose task outcomes go to `owner.slotSettled` (a method call, which V8 inlines; a bound function it would not). */
export function createSlot(owner: SlotOwner): RunningSlot {
  const slot: RunningSlot = {
    job: null,
    task: null,
    resolve: null,
    promise: null,
    startedAt: 0,
    nextFree: null,
    fulfilled: (value) => owner.slotSettled(slot, true, value),
    rejected: (error) => owner.slotSettled(slot, false, error),
  };
  return slot;
}

/** Calls a task and routes its outcome to the slot's callbacks, a synchronous throw included. */
export function callTask(task: Task<unknown>, signal: AbortSignal, attempt: number, slot: RunningSlot): void {
  let result: unknown;
  try {
    result = task(signal, attempt);
  } catch (error) {
    Promise.reject(error).then(undefined, slot.rejected);
    return;
  }
  if (result instanceof Promise) result.then(slot.fulfilled, slot.rejected);
  else Promise.resolve(result).then(slot.fulfilled, slot.rejected);
}
