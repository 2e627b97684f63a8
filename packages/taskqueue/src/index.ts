/**
 * @backchannel/taskqueue: an in-process task queue with bounded concurrency, per-key
 * ordering, priorities, retries with backoff, timeouts, cancellation, rate limits and
 * backpressure. Zero dependencies; runs in Node.js and browsers.
 */
export { parseRetryAfter } from './backoff.js';
export type { TaskQueueCounters } from './counters.js';
export {
  InvalidOptionError,
  QueueClosedError,
  QueueFullError,
  TaskAbortedError,
  TaskQueueError,
  TimeoutError,
} from './errors.js';
export type { TaskEvent, TaskQueueEventName, TaskQueueEvents, TaskQueueListener } from './events.js';
export type {
  PushOptions,
  RateLimit,
  RetryInfo,
  RetryOptions,
  Task,
  TaskKey,
  TaskOptions,
  TaskQueueOptions,
} from './options.js';
export { type CloseOptions, TaskQueue } from './task-queue.js';
