import { InvalidOptionError } from './errors.js';
import type { TaskKey } from './options.js';

/** What every per-task event carries. */
export interface TaskEvent {
  /** The task's key, if it has one. */
  key: TaskKey | undefined;
  /** The task's priority. */
  priority: number;
  /** The attempt (1-based) the event is about. */
  attempt: number;
}

/** The events a `TaskQueue` emits, and what each listener receives. */
export interface TaskQueueEvents {
  /** An attempt started. */
  start: TaskEvent;
  /** A task succeeded; `durationMs` is its last attempt's run time. */
  success: TaskEvent & { durationMs: number };
  /** A task failed for good (no retry left); `durationMs` is its last attempt's run time. */
  failure: TaskEvent & { error: unknown; durationMs: number };
  /** An attempt failed and the task will run again after `delayMs`. */
  retry: TaskEvent & { error: unknown; delayMs: number };
  /** An attempt ran past its timeout and its signal was aborted. */
  timeout: TaskEvent & { timeout: number };
  /** A task was cancelled by its caller's signal or by `close({ drain: false })`. */
  cancel: TaskEvent & { reason: unknown };
  /** No task is waiting to start (some may still run). */
  empty: undefined;
  /** Nothing is waiting and nothing is running. */
  idle: undefined;
}

/** An event's name. */
export type TaskQueueEventName = keyof TaskQueueEvents;

/** A listener for event `E`. */
export type TaskQueueListener<E extends TaskQueueEventName> = (event: TaskQueueEvents[E]) => void;

type ListenerTable = { [E in TaskQueueEventName]: TaskQueueListener<E>[] };

/**
 * The listeners of one queue. `emit` calls them in order; a listener that throws does
 * not disturb the queue or the other listeners: its error is re-thrown on a fresh
 * microtask, the way `EventTarget` reports listener errors.
 */
export class Listeners {
  readonly table: ListenerTable = {
    start: [],
    success: [],
    failure: [],
    retry: [],
    timeout: [],
    cancel: [],
    empty: [],
    idle: [],
  };

  /** True while someone listens to `success` or `failure`, which report a duration. */
  timed = false;
  /** Flags for the per-task hot path, so it tests one field instead of a list's length. */
  hasStart = false;
  hasSuccess = false;

  add<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): void {
    const list = this.table[event];
    if (list === undefined) {
      throw new InvalidOptionError('event', `one of ${Object.keys(this.table).join(', ')}`, String(event));
    }
    // Copy on write, so an emit in progress keeps its own snapshot.
    this.table[event] = [...list, listener] as ListenerTable[E];
    this.refresh();
  }

  remove<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): void {
    const list = this.table[event];
    const index = list.indexOf(listener);
    if (index === -1) return;
    this.table[event] = [...list.slice(0, index), ...list.slice(index + 1)] as ListenerTable[E];
    this.refresh();
  }

  private refresh(): void {
    this.hasStart = this.table.start.length !== 0;
    this.hasSuccess = this.table.success.length !== 0;
    this.timed = this.hasSuccess || this.table.failure.length !== 0;
  }

  emit<E extends TaskQueueEventName>(event: E, payload: TaskQueueEvents[E]): void {
    const list = this.table[event];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
