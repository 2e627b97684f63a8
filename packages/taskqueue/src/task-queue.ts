import type { TaskQueueCounters } from './counters.js';
import { InvalidOptionError, QueueClosedError, QueueFullError } from './errors.js';
import type { TaskQueueEventName, TaskQueueListener } from './events.js';
import { detached, Job } from './job.js';
import { admitJob } from './job-intake.js';
import { checkConcurrency, type PushOptions, type Task, type TaskQueueOptions } from './options.js';
import { Scheduler } from './scheduler.js';
import { noop, rejected } from './settle.js';
import { stopScheduler } from './shutdown.js';

/** Options for `close`. */
export interface CloseOptions {
  /** true (default): run everything already pushed, retries included. false: cancel what waits, abort what runs. */
  drain?: boolean;
}

// `new Promise(captureResolve)` hands the resolver over without a closure per push.
let capturedResolve: (value: unknown) => void = noop;
function captureResolve(resolve: (value: unknown) => void): void {
  capturedResolve = resolve;
}

/**
 * An in-process task queue: bounded concurrency, per-key ordering, priorities, retries
 * with backoff, timeouts, cancellation, rate limits and backpressure.
 *
 * Promises: every pushed task settles exactly once; a task that throws never stops the
 * queue and never causes an unhandled rejection. Tasks with the same `key` never run at
 * the same time and start in push order, even across retries; a key that is waiting to
 * retry holds back only itself. A task that ignores its signal keeps its concurrency
 * slot (and its key) until it returns, even after its caller was answered.
 *
 * Everything but the methods and getters below is held in private (`#`) fields, out of
 * reach from JavaScript as well as TypeScript.
 */
export class TaskQueue {
  readonly #scheduler: Scheduler;

  /**
   * Creates a queue. Throws `InvalidOptionError` (naming the option) for a value it
   * cannot use. Task options given here are defaults that `push` options override.
   */
  constructor(options: TaskQueueOptions = {}) {
    this.#scheduler = new Scheduler(options);
  }

  /** Task functions allowed to run at once. Raising it starts waiting tasks at once. */
  get concurrency(): number {
    return this.#scheduler.concurrencyLimit;
  }

  set concurrency(value: number) {
    const scheduler = this.#scheduler;
    scheduler.concurrencyLimit = checkConcurrency('concurrency', value);
    scheduler.pump();
  }

  /** Tasks waiting to start: queued, behind their key, or waiting out a retry or rate-limit delay. */
  get size(): number {
    return this.#scheduler.waitingCount;
  }

  /** Tasks pushed whose outcome is not settled yet (waiting, delayed or running). */
  get pending(): number {
    return this.#scheduler.pendingCount;
  }

  /** Task functions executing now (a timed-out task that ignores its signal still counts). */
  get running(): number {
    return this.#scheduler.runningCount;
  }

  /** Keys whose head task is ready, running or waiting to retry. */
  get activeKeyCount(): number {
    return this.#scheduler.keyOrdering.activeKeys;
  }

  /** True while `pause()` holds new starts back. */
  get isPaused(): boolean {
    return this.#scheduler.paused;
  }

  /** True once `close()` was called; `push` then rejects with `QueueClosedError`. */
  get isClosed(): boolean {
    return this.#scheduler.closing;
  }

  /** A snapshot of the counters. */
  get stats(): TaskQueueCounters {
    return { ...this.#scheduler.counters };
  }

  /**
   * Queues `task` and returns a promise of its result. Rejects with the task's last
   * error, `TimeoutError`, `TaskAbortedError`, `QueueFullError` (when `maxPending` tasks
   * are pending) or `QueueClosedError` (after `close()`). Throws synchronously only
   * `InvalidOptionError`, for a bad option.
   */
  push<T>(task: Task<T>, options?: PushOptions): Promise<T> {
    const scheduler = this.#scheduler;
    if (scheduler.closing) return rejected(new QueueClosedError());
    if (scheduler.pendingCount >= scheduler.maxPending)
      return rejected(new QueueFullError(scheduler.maxPending));
    if (typeof task !== 'function') throw new InvalidOptionError('task', 'a function', task);
    const promise = new Promise<unknown>(captureResolve);
    if (options === undefined && !scheduler.controlByDefault)
      scheduler.addPlain(task, capturedResolve, promise);
    else admitJob(scheduler, new Job(task, capturedResolve, promise), options);
    return promise as Promise<T>;
  }

  /** The same as `push` (p-queue's name for it), for code written against p-queue. */
  add<T>(task: Task<T>, options?: PushOptions): Promise<T> {
    return this.push(task, options);
  }

  /**
   * Queues `task` without a promise for its result: the cheapest way to hold very many
   * tasks. Its outcome reaches only the counters and the `success` / `failure` / `cancel`
   * events. Returns false (and queues nothing) when the queue is closed or full;
   * throws `InvalidOptionError` for a bad option.
   */
  pushDetached(task: Task<unknown>, options?: PushOptions): boolean {
    const scheduler = this.#scheduler;
    if (scheduler.closing || scheduler.pendingCount >= scheduler.maxPending) return false;
    if (typeof task !== 'function') throw new InvalidOptionError('task', 'a function', task);
    if (options === undefined && !scheduler.controlByDefault) scheduler.addPlain(task, detached, null);
    else admitJob(scheduler, new Job(task, detached, null), options);
    return true;
  }

  /** Stops starting tasks; running tasks go on. */
  pause(): void {
    this.#scheduler.paused = true;
  }

  /** Starts tasks again after `pause()`. */
  resume(): void {
    const scheduler = this.#scheduler;
    if (scheduler.stopped) return;
    scheduler.paused = false;
    scheduler.pump();
  }

  /** Resolves once no task is waiting to start (tasks may still be running). */
  onEmpty(): Promise<void> {
    const scheduler = this.#scheduler;
    if (scheduler.waitingCount === 0) return Promise.resolve();
    return scheduler.waiters.untilEmpty();
  }

  /** Resolves once nothing is waiting or running and every pushed task has settled. */
  onIdle(): Promise<void> {
    const scheduler = this.#scheduler;
    if (scheduler.runningCount === 0 && scheduler.pendingCount === 0) return Promise.resolve();
    return scheduler.waiters.untilIdle();
  }

  /** Resolves once fewer than `limit` tasks are waiting to start (use it to feed the queue). */
  onSizeLessThan(limit: number): Promise<void> {
    const scheduler = this.#scheduler;
    if (scheduler.waitingCount < limit) return Promise.resolve();
    return scheduler.waiters.untilSizeLessThan(limit);
  }

  /**
   * Subscribes to an event; returns a function that unsubscribes. Listeners run
   * synchronously; one that throws is reported asynchronously and changes nothing.
   */
  on<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): () => void {
    const listeners = this.#scheduler.listeners;
    listeners.add(event, listener);
    return () => listeners.remove(event, listener);
  }

  /** Unsubscribes a listener added with `on`. */
  off<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): void {
    this.#scheduler.listeners.remove(event, listener);
  }

  /**
   * Stops accepting tasks (`push` rejects with `QueueClosedError`) and resolves once the
   * queue is idle. With `drain: true` (default) everything already pushed still runs,
   * retries included, and a paused queue is resumed. With `drain: false` waiting tasks
   * reject with `QueueClosedError`, running tasks have their signal aborted and their
   * callers rejected at once; the promise resolves when their functions have returned.
   * May be called again with `drain: false` to cut a draining close short.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const scheduler = this.#scheduler;
    scheduler.closing = true;
    if (options.drain === false) stopScheduler(scheduler);
    else if (scheduler.paused && !scheduler.stopped) this.resume();
    return this.onIdle();
  }
}
