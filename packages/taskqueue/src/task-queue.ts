import { backoffDelay, requestedRetryDelay } from './backoff.js';
import {
  InvalidOptionError,
  QueueClosedError,
  QueueFullError,
  TaskAbortedError,
  TimeoutError,
} from './errors.js';
import { Listeners, type TaskEvent, type TaskQueueEventName, type TaskQueueListener } from './events.js';
import {
  ADMISSION,
  DELAYED,
  DONE,
  detached,
  Job,
  JobControl,
  JobList,
  KEY_WAIT,
  READY,
  RUNNING,
} from './job.js';
import { KeyState } from './key-state.js';
import {
  checkConcurrency,
  checkPositive,
  checkPriority,
  checkRateLimit,
  type PushOptions,
  type RateLimit,
  resolveTaskDefaults,
  type Task,
  type TaskDefaults,
  type TaskKey,
  type TaskQueueOptions,
} from './options.js';
import { ReadyQueue } from './ready-queue.js';
import { TokenBucket } from './token-bucket.js';

/** Counters since the queue was created. */
export interface TaskQueueCounters {
  /** Tasks that succeeded. */
  completed: number;
  /** Tasks that failed for good (after their last retry, or on a timeout with none left). */
  failed: number;
  /** Retries scheduled. */
  retried: number;
  /** Attempts that ran past their timeout. */
  timedOut: number;
  /** Tasks cancelled by their caller's signal or by `close({ drain: false })`. */
  cancelled: number;
}

/** Options for `close`. */
export interface CloseOptions {
  /** true (default): run everything already pushed, retries included. false: cancel what waits, abort what runs. */
  drain?: boolean;
}

/**
 * A running slot. Its two callbacks are made once and reused by every task that runs
 * in it, so starting a task allocates no closure. A job runs with `job` set; a plain
 * task (no job record) runs with `job` null and its parts in `task`/`resolve`/`promise`.
 */
interface Slot {
  job: Job | null;
  task: Task<unknown> | null;
  /** The plain task's resolver; null once its caller was answered. */
  resolve: ((value: unknown) => void) | null;
  promise: Promise<unknown> | null;
  startedAt: number;
  nextFree: Slot | null;
  fulfilled: (value: unknown) => void;
  rejected: (error: unknown) => void;
}

// `new Promise(captureResolve)` hands the resolver over without a closure per push.
let capturedResolve: (value: unknown) => void = noop;
function captureResolve(resolve: (value: unknown) => void): void {
  capturedResolve = resolve;
}
function noop(): void {}

const now: () => number = typeof performance === 'object' ? () => performance.now() : () => Date.now();

/** Lets one shared signal carry any number of listeners without Node's leak warning. */
function allowManyListeners(signal: AbortSignal): void {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const events = host.process?.getBuiltinModule?.('events') as
    | { setMaxListeners?: (n: number, ...targets: EventTarget[]) => void }
    | undefined;
  events?.setMaxListeners?.(0, signal);
}

/**
 * Rejects a caller's promise through its resolver: settling with a rejected promise
 * rejects it, so only the resolver is kept per waiting task, which saves memory. The
 * caller may ignore the promise; the queue never causes an unhandled rejection.
 */
function settleRejected(
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

function rejected(error: Error): Promise<never> {
  const promise = Promise.reject(error);
  promise.catch(noop);
  return promise;
}

interface SizeWaiter {
  limit: number;
  resolve: () => void;
}

const INFINITY = Number.POSITIVE_INFINITY;

/**
 * An in-process task queue: bounded concurrency, per-key ordering, priorities, retries
 * with backoff, timeouts, cancellation, rate limits and backpressure.
 *
 * Promises: every pushed task settles exactly once; a task that throws never stops the
 * queue and never causes an unhandled rejection. Tasks with the same `key` never run at
 * the same time and start in push order, even across retries; a key that is waiting to
 * retry holds back only itself. A task that ignores its signal keeps its concurrency
 * slot (and its key) until it returns, even after its caller was answered.
 */
export class TaskQueue {
  private concurrencyLimit: number;
  private readonly maxPending: number;
  private readonly maxActiveKeys: number;
  private readonly defaults: TaskDefaults;
  private readonly random: () => number;
  /** Task functions executing now. */
  private runningCount = 0;
  /** Jobs waiting to start (queued, waiting for a key, or waiting out a delay). */
  private waitingCount = 0;
  /** Pushed jobs not yet settled. */
  private pendingCount = 0;
  private activeKeys = 0;
  private paused: boolean;
  private closing = false;
  private stopped = false;
  /** True when every job needs a JobControl, even without push options. */
  private readonly controlByDefault: boolean;
  private readonly ready = new ReadyQueue();
  private readonly keys = new Map<TaskKey, KeyState>();
  private readonly admission = new JobList();
  private readonly delayed = new JobList();
  private freeSlots: Slot | null = null;
  private readonly slots: Slot[] = [];
  /** Aborted by `close({ drain: false })`; the signal of tasks with no timeout and no caller signal. */
  private readonly sharedController = new AbortController();
  private readonly rateBucket: TokenBucket | null;
  private readonly keyRateLimit: RateLimit | undefined;
  private readonly keyBuckets = new Map<TaskKey, TokenBucket>();
  private keyBucketsSweepAt = 1024;
  private rateTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readonly listeners = new Listeners();
  private readonly counters: TaskQueueCounters = {
    completed: 0,
    failed: 0,
    retried: 0,
    timedOut: 0,
    cancelled: 0,
  };
  private emptyWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private sizeWaiters: SizeWaiter[] = [];

  /**
   * Creates a queue. Throws `InvalidOptionError` (naming the option) for a value it
   * cannot use. Task options given here are defaults that `push` options override.
   */
  constructor(options: TaskQueueOptions = {}) {
    this.concurrencyLimit = checkConcurrency('concurrency', options.concurrency ?? 1);
    this.maxPending = checkPositive('maxPending', options.maxPending, INFINITY);
    this.maxActiveKeys = checkConcurrency('maxActiveKeys', options.maxActiveKeys ?? INFINITY);
    this.defaults = resolveTaskDefaults(options);
    this.random = options.random ?? Math.random;
    if (typeof this.random !== 'function') throw new InvalidOptionError('random', 'a function', this.random);
    const rateLimit = checkRateLimit('rateLimit', options.rateLimit);
    this.rateBucket =
      rateLimit === undefined ? null : new TokenBucket(rateLimit.limit, rateLimit.interval, now());
    this.keyRateLimit = checkRateLimit('keyRateLimit', options.keyRateLimit);
    this.paused = options.paused === true;
    this.controlByDefault =
      this.defaults.timeout !== INFINITY ||
      (this.defaults.retries > 0 && this.defaults.maxElapsed !== INFINITY);
    allowManyListeners(this.sharedController.signal);
    this.onAttemptTimeout = this.onAttemptTimeout.bind(this);
    this.onDelayOver = this.onDelayOver.bind(this);
    this.onRateWake = this.onRateWake.bind(this);
  }

  /** Task functions allowed to run at once. Raising it starts waiting tasks at once. */
  get concurrency(): number {
    return this.concurrencyLimit;
  }

  set concurrency(value: number) {
    this.concurrencyLimit = checkConcurrency('concurrency', value);
    this.pump();
  }

  /** Tasks waiting to start: queued, behind their key, or waiting out a retry or rate-limit delay. */
  get size(): number {
    return this.waitingCount;
  }

  /** Tasks pushed whose outcome is not settled yet (waiting, delayed or running). */
  get pending(): number {
    return this.pendingCount;
  }

  /** Task functions executing now (a timed-out task that ignores its signal still counts). */
  get running(): number {
    return this.runningCount;
  }

  /** Keys whose head task is ready, running or waiting to retry. */
  get activeKeyCount(): number {
    return this.activeKeys;
  }

  /** True while `pause()` holds new starts back. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** True once `close()` was called; `push` then rejects with `QueueClosedError`. */
  get isClosed(): boolean {
    return this.closing;
  }

  /** A snapshot of the counters. */
  get stats(): TaskQueueCounters {
    return { ...this.counters };
  }

  /**
   * Queues `task` and returns a promise of its result. Rejects with the task's last
   * error, `TimeoutError`, `TaskAbortedError`, `QueueFullError` (when `maxPending` tasks
   * are pending) or `QueueClosedError` (after `close()`). Throws synchronously only
   * `InvalidOptionError`, for a bad option.
   */
  push<T>(task: Task<T>, options?: PushOptions): Promise<T> {
    if (this.closing) return rejected(new QueueClosedError());
    if (this.pendingCount >= this.maxPending) return rejected(new QueueFullError(this.maxPending));
    if (typeof task !== 'function') throw new InvalidOptionError('task', 'a function', task);
    const promise = new Promise<unknown>(captureResolve);
    if (options === undefined && !this.controlByDefault) this.addPlain(task, capturedResolve, promise);
    else this.add(new Job(task, capturedResolve, promise), options);
    return promise as Promise<T>;
  }

  /**
   * Queues `task` without a promise for its result: the cheapest way to hold very many
   * tasks. Its outcome reaches only the counters and the `success` / `failure` / `cancel`
   * events. Returns false (and queues nothing) when the queue is closed or full;
   * throws `InvalidOptionError` for a bad option.
   */
  pushDetached(task: Task<unknown>, options?: PushOptions): boolean {
    if (this.closing || this.pendingCount >= this.maxPending) return false;
    if (typeof task !== 'function') throw new InvalidOptionError('task', 'a function', task);
    if (options === undefined && !this.controlByDefault) this.addPlain(task, detached, null);
    else this.add(new Job(task, detached, null), options);
    return true;
  }

  /** Stops starting tasks; running tasks go on. */
  pause(): void {
    this.paused = true;
  }

  /** Starts tasks again after `pause()`. */
  resume(): void {
    if (this.stopped) return;
    this.paused = false;
    this.pump();
  }

  /** Resolves once no task is waiting to start (tasks may still be running). */
  onEmpty(): Promise<void> {
    if (this.waitingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Resolves once nothing is waiting or running and every pushed task has settled. */
  onIdle(): Promise<void> {
    if (this.runningCount === 0 && this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once fewer than `limit` tasks are waiting to start (use it to feed the queue). */
  onSizeLessThan(limit: number): Promise<void> {
    if (this.waitingCount < limit) return Promise.resolve();
    return new Promise((resolve) => this.sizeWaiters.push({ limit, resolve }));
  }

  /**
   * Subscribes to an event; returns a function that unsubscribes. Listeners run
   * synchronously; one that throws is reported asynchronously and changes nothing.
   */
  on<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): () => void {
    this.listeners.add(event, listener);
    return () => this.listeners.remove(event, listener);
  }

  /** Unsubscribes a listener added with `on`. */
  off<E extends TaskQueueEventName>(event: E, listener: TaskQueueListener<E>): void {
    this.listeners.remove(event, listener);
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
    this.closing = true;
    if (options.drain === false) this.stop();
    else if (this.paused && !this.stopped) this.resume();
    return this.onIdle();
  }

  /** The fast path: no options, so no job record until the task fails and may retry. */
  private addPlain(
    task: Task<unknown>,
    resolve: (value: unknown) => void,
    promise: Promise<unknown> | null,
  ): void {
    this.pendingCount++;
    this.waitingCount++;
    if (this.runningCount < this.concurrencyLimit && !this.paused) {
      if (this.ready.length === 0 && this.rateBucket === null) {
        this.startPlain(task, resolve, promise);
        return;
      }
      this.ready.pushPlain(task, resolve, promise, this.defaults.priority);
      this.pump();
      return;
    }
    this.ready.pushPlain(task, resolve, promise, this.defaults.priority);
  }

  private add(job: Job, options: PushOptions | undefined): void {
    if (options === undefined) {
      this.pendingCount++;
      this.waitingCount++;
      job.priority = this.defaults.priority;
      if (this.controlByDefault)
        job.control = new JobControl(this.defaults.timeout, undefined, this.defaults);
      this.enqueue(job);
    } else {
      this.addWithOptions(job, options);
    }
  }

  private addWithOptions(job: Job, options: PushOptions): void {
    const defaults = this.defaults;
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
    this.pendingCount++;
    this.waitingCount++;
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
          this.waitingCount--;
          this.counters.cancelled++;
          job.state = DONE;
          this.rejectJob(job, new TaskAbortedError(signal.reason));
          if (this.listeners.table.cancel.length !== 0) {
            const event = { key: options.key, priority: job.priority, attempt: 0, reason: signal.reason };
            this.listeners.emit('cancel', event);
          }
          if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
          return;
        }
        control.handleEvent = () => this.cancel(job, new TaskAbortedError(signal.reason), signal.reason);
        signal.addEventListener('abort', control as EventListenerObject, { once: true });
      }
    }
    const key = options.key;
    if (key === undefined) {
      this.enqueue(job);
      return;
    }
    const keyState = this.keys.get(key);
    if (keyState === undefined) {
      const fresh = new KeyState(key);
      this.keys.set(key, fresh);
      job.keyState = fresh;
      fresh.head = job;
      this.admitHead(fresh, job);
      this.pump();
    } else {
      job.keyState = keyState;
      job.state = KEY_WAIT;
      keyState.waiting.push(job);
    }
  }

  /** Queues an unkeyed job, starting it at once when a slot is free and nothing is ahead of it. */
  private enqueue(job: Job): void {
    if (this.runningCount < this.concurrencyLimit && !this.paused) {
      if (this.ready.length === 0 && this.rateBucket === null) {
        this.start(job);
        return;
      }
      this.ready.push(job, job.priority);
      this.pump();
      return;
    }
    this.ready.push(job, job.priority);
  }

  private admitHead(keyState: KeyState, job: Job): void {
    if (this.activeKeys < this.maxActiveKeys) {
      keyState.active = true;
      this.activeKeys++;
      job.state = READY;
      this.ready.push(job, job.priority);
    } else {
      job.state = ADMISSION;
      this.admission.push(job);
    }
  }

  /** Starts ready jobs while slots, tokens and the pause state allow. */
  private pump(): void {
    if (this.paused) return;
    const ready = this.ready;
    while (this.runningCount < this.concurrencyLimit && ready.length !== 0) {
      const bucket = this.rateBucket;
      let time = 0;
      if (bucket !== null) {
        time = now();
        const wait = bucket.waitMs(time);
        if (wait > 0) {
          this.wakeAfter(wait);
          return;
        }
      }
      const job = ready.shift();
      if (job === null) {
        if (bucket !== null) bucket.take();
        this.startPlain(
          ready.plainTask as Task<unknown>,
          ready.plainResolve as (value: unknown) => void,
          ready.plainPromise,
        );
        continue;
      }
      if (this.keyRateLimit !== undefined && job.keyState !== null) {
        if (bucket === null) time = now();
        const keyBucket = this.keyBucket(job.keyState, time);
        const wait = keyBucket.waitMs(time);
        if (wait > 0) {
          this.delay(job, wait);
          continue;
        }
        keyBucket.take();
      }
      if (bucket !== null) bucket.take();
      this.start(job);
    }
  }

  private start(job: Job): void {
    this.runningCount++;
    this.waitingCount--;
    job.state = RUNNING;
    const attempt = ++job.attempt;
    let signal = this.sharedController.signal;
    let control = job.control;
    if (control === null && this.listeners.timed) {
      control = new JobControl(INFINITY, undefined, this.defaults);
      job.control = control;
    }
    if (control !== null) {
      control.timedOut = null;
      control.retryApproved = false;
      if (control.needsController) {
        const controller = new AbortController();
        control.controller = controller;
        signal = controller.signal;
        if (control.timeout !== INFINITY) {
          control.attemptTimer = setTimeout(this.onAttemptTimeout, control.timeout, job);
        }
      }
      const time = now();
      control.attemptStartedAt = time;
      if (attempt === 1) control.firstStartedAt = time;
    }
    let slot = this.freeSlots;
    if (slot === null) slot = this.newSlot();
    else this.freeSlots = slot.nextFree;
    slot.job = job;
    if (this.listeners.hasStart) this.listeners.emit('start', this.eventOf(job));
    if (this.waitingCount === 0) this.becameEmpty();
    else if (this.sizeWaiters.length !== 0) this.checkSizeWaiters();
    this.call(job.fn, signal, attempt, slot);
  }

  private startPlain(
    task: Task<unknown>,
    resolve: (value: unknown) => void,
    promise: Promise<unknown> | null,
  ): void {
    this.runningCount++;
    this.waitingCount--;
    let slot = this.freeSlots;
    if (slot === null) slot = this.newSlot();
    else this.freeSlots = slot.nextFree;
    slot.task = task;
    slot.resolve = resolve;
    slot.promise = promise;
    if (this.listeners.timed) slot.startedAt = now();
    if (this.listeners.hasStart) {
      this.listeners.emit('start', { key: undefined, priority: this.defaults.priority, attempt: 1 });
    }
    if (this.waitingCount === 0) this.becameEmpty();
    else if (this.sizeWaiters.length !== 0) this.checkSizeWaiters();
    this.call(task, this.sharedController.signal, 1, slot);
  }

  /** Calls a task and routes its outcome to the slot's callbacks, a synchronous throw included. */
  private call(task: Task<unknown>, signal: AbortSignal, attempt: number, slot: Slot): void {
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

  private newSlot(): Slot {
    const slot: Slot = {
      job: null,
      task: null,
      resolve: null,
      promise: null,
      startedAt: 0,
      nextFree: null,
      fulfilled: (value) => this.slotSettled(slot, true, value),
      rejected: (error) => this.slotSettled(slot, false, error),
    };
    this.slots.push(slot);
    return slot;
  }

  /** A task function returned: free its slot and carry on with its job or plain task. */
  private slotSettled(slot: Slot, ok: boolean, outcome: unknown): void {
    const job = slot.job;
    const task = slot.task as Task<unknown>;
    const resolve = slot.resolve;
    const promise = slot.promise;
    slot.job = null;
    slot.task = null;
    slot.resolve = null;
    slot.promise = null;
    slot.nextFree = this.freeSlots;
    this.freeSlots = slot;
    this.runningCount--;
    if (job !== null) {
      const control = job.control;
      if (control !== null && control.attemptTimer !== undefined) {
        clearTimeout(control.attemptTimer);
        control.attemptTimer = undefined;
      }
      if (ok) this.attemptSucceeded(job, outcome);
      else this.attemptFailed(job, outcome);
      return;
    }
    if (resolve !== null) {
      if (ok) {
        this.counters.completed++;
        this.pendingCount--;
        resolve(outcome);
        if (this.listeners.hasSuccess) {
          const event = { key: undefined, priority: this.defaults.priority, attempt: 1 };
          this.listeners.emit('success', { ...event, durationMs: now() - slot.startedAt });
        }
      } else if (this.defaults.retries > 0 && !this.stopped) {
        // Only now does the plain task need a job record, to wait and run again.
        const retrying = new Job(task, resolve, promise);
        retrying.priority = this.defaults.priority;
        retrying.attempt = 1;
        retrying.state = RUNNING;
        this.attemptFailed(retrying, outcome);
        return;
      } else {
        this.counters.failed++;
        this.pendingCount--;
        settleRejected(resolve, promise, outcome);
        if (this.listeners.table.failure.length !== 0) {
          const event = { key: undefined, priority: this.defaults.priority, attempt: 1 };
          this.listeners.emit('failure', { ...event, error: outcome, durationMs: now() - slot.startedAt });
        }
      }
    }
    this.pump();
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  private attemptSucceeded(job: Job, value: unknown): void {
    const resolve = job.resolve;
    if (resolve !== null) {
      this.counters.completed++;
      this.pendingCount--;
      job.resolve = null;
      resolve(value);
      if (this.listeners.hasSuccess) {
        this.listeners.emit('success', { ...this.eventOf(job), durationMs: this.durationOf(job) });
      }
    }
    this.finish(job);
    this.pump();
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  private attemptFailed(job: Job, thrown: unknown): void {
    if (job.resolve !== null) {
      const control = job.control;
      const error = control !== null && control.timedOut !== null ? control.timedOut : thrown;
      const outcome = this.retryDelay(job, error);
      if (outcome.delay >= 0) {
        this.waitingCount++;
        this.delay(job, outcome.delay);
        this.pump();
        return;
      }
      this.failJob(job, outcome.error);
    }
    this.finish(job);
    this.pump();
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  /** Decides whether a failed attempt is retried: a delay ≥ 0, or -1 with the error to fail with. */
  private retryDelay(job: Job, error: unknown): { delay: number; error: unknown } {
    const control = job.control;
    const policy = control === null ? this.defaults : control.policy;
    const attempt = job.attempt;
    if (this.stopped || attempt > policy.retries) return { delay: -1, error };
    try {
      const approved = control !== null && control.timedOut !== null && control.retryApproved;
      if (!approved && policy.retryIf !== undefined && !policy.retryIf(error, attempt))
        return { delay: -1, error };
      let delay = requestedRetryDelay(error);
      if (delay < 0) delay = backoffDelay(attempt, policy, this.random);
      if (policy.maxElapsed !== INFINITY && control !== null) {
        if (now() + delay - control.firstStartedAt > policy.maxElapsed) return { delay: -1, error };
      }
      if (policy.onRetry !== undefined)
        policy.onRetry({ error, attempt, delayMs: delay, key: job.keyState?.key });
      this.counters.retried++;
      if (this.listeners.table.retry.length !== 0) {
        this.listeners.emit('retry', { ...this.eventOf(job), error, delayMs: delay });
      }
      return { delay, error };
    } catch (hookError) {
      return { delay: -1, error: hookError };
    }
  }

  /** Whether a timed-out attempt will be retried once it returns (retries left, retryIf, time left). */
  private willRetry(job: Job, control: JobControl, error: unknown): boolean {
    const policy = control.policy;
    if (this.stopped || job.attempt > policy.retries) return false;
    if (policy.maxElapsed !== INFINITY && now() - control.firstStartedAt > policy.maxElapsed) return false;
    try {
      return policy.retryIf === undefined || policy.retryIf(error, job.attempt);
    } catch {
      return false;
    }
  }

  private failJob(job: Job, error: unknown): void {
    this.counters.failed++;
    this.rejectJob(job, error);
    if (this.listeners.table.failure.length !== 0) {
      this.listeners.emit('failure', { ...this.eventOf(job), error, durationMs: this.durationOf(job) });
    }
  }

  private rejectJob(job: Job, error: unknown): void {
    this.pendingCount--;
    const resolve = job.resolve as (value: unknown) => void;
    job.resolve = null;
    settleRejected(resolve, job.promise, error);
  }

  /** Parks a job (retry backoff or per-key rate limit) until `delayMs` have passed. */
  private delay(job: Job, delayMs: number): void {
    job.state = DELAYED;
    this.delayed.push(job);
    let control = job.control;
    if (control === null) {
      control = new JobControl(INFINITY, undefined, this.defaults);
      job.control = control;
    }
    control.readyAt = now() + delayMs;
    control.delayTimer = setTimeout(this.onDelayOver, delayMs, job);
  }

  private onDelayOver(job: Job): void {
    const control = job.control as JobControl;
    // Timers may fire early against the monotonic clock (the event loop caches its
    // time); a delay is a promise to wait at least that long, so wait out the rest.
    const left = control.readyAt - now();
    if (left > 0) {
      control.delayTimer = setTimeout(this.onDelayOver, Math.ceil(left), job);
      return;
    }
    control.delayTimer = undefined;
    this.delayed.remove(job);
    job.state = READY;
    this.ready.unshift(job, job.priority);
    this.pump();
  }

  private onAttemptTimeout(job: Job): void {
    const control = job.control as JobControl;
    control.attemptTimer = undefined;
    const error = new TimeoutError(control.timeout, job.attempt);
    control.timedOut = error;
    this.counters.timedOut++;
    if (this.listeners.table.timeout.length !== 0) {
      this.listeners.emit('timeout', { ...this.eventOf(job), timeout: control.timeout });
    }
    // Answer the caller now when no retry will follow; otherwise the retry waits for
    // the attempt to return, so two attempts of one task never overlap.
    if (job.resolve !== null) {
      if (this.willRetry(job, control, error)) control.retryApproved = true;
      else this.failJob(job, error);
    }
    (control.controller as AbortController).abort(error);
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  /** Cancels one job: dropped if waiting, aborted if running; its caller is rejected with `error`. */
  private cancel(job: Job, error: Error, reason: unknown): void {
    if (job.resolve === null) return;
    const state = job.state;
    this.counters.cancelled++;
    this.rejectJob(job, error);
    if (this.listeners.table.cancel.length !== 0)
      this.listeners.emit('cancel', { ...this.eventOf(job), reason });
    if (state === RUNNING) {
      const control = job.control;
      if (control !== null) {
        clearTimeout(control.attemptTimer);
        control.attemptTimer = undefined;
        control.controller?.abort(reason);
      }
      return; // finished when its function returns
    }
    if (state === READY) this.ready.remove(job);
    else if (state === DELAYED) {
      const control = job.control as JobControl;
      clearTimeout(control.delayTimer);
      control.delayTimer = undefined;
      this.delayed.remove(job);
    } else if (state === ADMISSION) this.admission.remove(job);
    else (job.keyState as KeyState).waiting.remove(job); // KEY_WAIT
    this.waitingCount--;
    this.finish(job);
    this.pump();
    if (this.waitingCount === 0) this.becameEmpty();
    else if (this.sizeWaiters.length !== 0) this.checkSizeWaiters();
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  /** A job is done for good: let go of its signal listener and hand its key on. */
  private finish(job: Job): void {
    const keyState = job.keyState;
    const wasKeyHead = keyState !== null && job.state !== KEY_WAIT;
    job.state = DONE;
    const control = job.control;
    if (control !== null && control.handleEvent !== undefined) {
      (control.callerSignal as AbortSignal).removeEventListener('abort', control as EventListenerObject);
      control.handleEvent = undefined;
    }
    if (wasKeyHead) this.releaseKey(keyState);
  }

  /** The key's head is done: admit waiting keys to freed slots, then the key's next job. */
  private releaseKey(keyState: KeyState): void {
    if (keyState.active) {
      keyState.active = false;
      this.activeKeys--;
    }
    const admission = this.admission;
    while (admission.length !== 0 && this.activeKeys < this.maxActiveKeys) {
      const job = admission.shift() as Job;
      (job.keyState as KeyState).active = true;
      this.activeKeys++;
      job.state = READY;
      this.ready.push(job, job.priority);
    }
    const next = keyState.waiting.shift();
    if (next === null) {
      keyState.head = null;
      this.keys.delete(keyState.key);
      return;
    }
    keyState.head = next;
    this.admitHead(keyState, next);
  }

  private keyBucket(keyState: KeyState, time: number): TokenBucket {
    if (keyState.bucket !== null) return keyState.bucket;
    let bucket = this.keyBuckets.get(keyState.key);
    if (bucket === undefined) {
      const limit = this.keyRateLimit as RateLimit;
      bucket = new TokenBucket(limit.limit, limit.interval, time);
      this.keyBuckets.set(keyState.key, bucket);
      if (this.keyBuckets.size >= this.keyBucketsSweepAt) this.sweepKeyBuckets(time);
    }
    keyState.bucket = bucket;
    return bucket;
  }

  /** Forgets full buckets of idle keys, so a stream of distinct keys does not grow memory. */
  private sweepKeyBuckets(time: number): void {
    for (const [key, bucket] of this.keyBuckets) {
      if (!this.keys.has(key) && bucket.isFull(time)) this.keyBuckets.delete(key);
    }
    this.keyBucketsSweepAt = Math.max(1024, this.keyBuckets.size * 2);
  }

  private wakeAfter(ms: number): void {
    if (this.rateTimer !== undefined) return;
    this.rateTimer = setTimeout(this.onRateWake, ms);
  }

  private onRateWake(): void {
    this.rateTimer = undefined;
    this.pump();
  }

  /** `close({ drain: false })`: reject everything waiting, abort everything running. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.paused = true;
    if (this.rateTimer !== undefined) {
      clearTimeout(this.rateTimer);
      this.rateTimer = undefined;
    }
    const error = new QueueClosedError(
      'task queue was closed with { drain: false } before this task finished',
    );
    // Tasks behind a key first, so releasing a key admits nothing new.
    const waiting: Job[] = [];
    for (const keyState of this.keys.values()) waiting.push(...keyState.waiting.toArray());
    waiting.push(...this.admission.toArray(), ...this.delayed.toArray());
    for (const job of waiting) this.cancel(job, error, error);
    this.ready.drain((job, resolve, promise) => {
      if (job !== null) {
        this.abandon(job, error);
        return;
      }
      this.counters.cancelled++;
      this.pendingCount--;
      this.waitingCount--;
      settleRejected(resolve, promise, error);
      if (this.listeners.table.cancel.length !== 0) {
        this.listeners.emit('cancel', {
          key: undefined,
          priority: this.defaults.priority,
          attempt: 0,
          reason: error,
        });
      }
    });
    for (const slot of this.slots) {
      if (slot.job !== null) this.cancel(slot.job, error, error);
      else if (slot.resolve !== null) {
        const resolve = slot.resolve;
        slot.resolve = null;
        this.counters.cancelled++;
        this.pendingCount--;
        settleRejected(resolve, slot.promise, error);
        if (this.listeners.table.cancel.length !== 0) {
          this.listeners.emit('cancel', {
            key: undefined,
            priority: this.defaults.priority,
            attempt: 1,
            reason: error,
          });
        }
      }
    }
    this.sharedController.abort(error);
    if (this.waitingCount === 0) this.becameEmpty();
    if (this.runningCount === 0 && this.pendingCount === 0) this.becameIdle();
  }

  /** Settles a job `stop` took out of the ready queue (its state is still READY). */
  private abandon(job: Job, error: Error): void {
    this.counters.cancelled++;
    this.rejectJob(job, error);
    if (this.listeners.table.cancel.length !== 0) {
      this.listeners.emit('cancel', { ...this.eventOf(job), reason: error });
    }
    this.waitingCount--;
    this.finish(job);
  }

  private becameEmpty(): void {
    if (this.emptyWaiters.length !== 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.sizeWaiters.length !== 0) this.checkSizeWaiters();
    if (this.listeners.table.empty.length !== 0) this.listeners.emit('empty', undefined);
  }

  private becameIdle(): void {
    if (this.idleWaiters.length !== 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.listeners.table.idle.length !== 0) this.listeners.emit('idle', undefined);
  }

  private checkSizeWaiters(): void {
    const size = this.waitingCount;
    const keep: SizeWaiter[] = [];
    for (const waiter of this.sizeWaiters) {
      if (size < waiter.limit) waiter.resolve();
      else keep.push(waiter);
    }
    this.sizeWaiters = keep;
  }

  private eventOf(job: Job): TaskEvent {
    return { key: job.keyState?.key, priority: job.priority, attempt: job.attempt };
  }

  private durationOf(job: Job): number {
    const control = job.control;
    return control === null || control.attemptStartedAt < 0 ? Number.NaN : now() - control.attemptStartedAt;
  }
}
