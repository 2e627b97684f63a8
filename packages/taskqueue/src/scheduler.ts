import { now } from './clock.js';
import type { TaskQueueCounters } from './counters.js';
import { InvalidOptionError, TimeoutError } from './errors.js';
import { Listeners, type TaskEvent } from './events.js';
import { DELAYED, DONE, Job, JobControl, JobList, KEY_WAIT, READY, RUNNING } from './job.js';
import { KeyOrdering } from './key-ordering.js';
import type { KeyState } from './key-state.js';
import {
  checkConcurrency,
  checkPositive,
  checkRateLimit,
  resolveTaskDefaults,
  type Task,
  type TaskDefaults,
  type TaskQueueOptions,
} from './options.js';
import { QueueWaiters } from './queue-waiters.js';
import { KeyRateLimiter, RateWake } from './rate-limiter.js';
import { ReadyQueue } from './ready-queue.js';
import { decideRetry, willRetryAfterTimeout } from './retry-policy.js';
import { callTask, createSlot, type RunningSlot } from './running-slot.js';
import { settleRejected } from './settle.js';
import { TokenBucket } from './token-bucket.js';

/** Lets one shared signal carry any number of listeners without Node's leak warning. */
function allowManyListeners(signal: AbortSignal): void {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const events = host.process?.getBuiltinModule?.('events') as
    | { setMaxListeners?: (n: number, ...targets: EventTarget[]) => void }
    | undefined;
  events?.setMaxListeners?.(0, signal);
}

const INFINITY = Number.POSITIVE_INFINITY;

/**
 * The engine behind `TaskQueue`: takes pushed tasks in, starts them while slots,
 * tokens and the pause state allow, and routes each outcome to success, retry or
 * failure. Intake of jobs with options, per-key ordering, rate limits, retry
 * decisions, waiters, cancellation and shutdown live in their own modules; this holds
 * the counts they all depend on. Internal: `TaskQueue` keeps
 * it in a private field, so none of this is reachable from outside the package.
 */
export class Scheduler {
  concurrencyLimit: number;
  readonly maxPending: number;
  readonly defaults: TaskDefaults;
  readonly random: () => number;
  /** Task functions executing now. */
  runningCount = 0;
  /** Jobs waiting to start (queued, waiting for a key, or waiting out a delay). */
  waitingCount = 0;
  /** Pushed jobs not yet settled. */
  pendingCount = 0;
  paused: boolean;
  closing = false;
  stopped = false;
  /** True when every job needs a JobControl, even without push options. */
  readonly controlByDefault: boolean;
  readonly ready = new ReadyQueue();
  readonly keyOrdering: KeyOrdering;
  /** Jobs waiting out a retry backoff or a per-key rate limit. */
  readonly delayed = new JobList();
  freeSlots: RunningSlot | null = null;
  readonly slots: RunningSlot[] = [];
  /** Aborted by `close({ drain: false })`; the signal of tasks with no timeout and no caller signal. */
  readonly sharedController = new AbortController();
  /** The queue-wide rate limit's bucket, taken from on every start. */
  readonly rateBucket: TokenBucket | null;
  readonly rateWake: RateWake;
  readonly keyRateLimiter: KeyRateLimiter | null;
  readonly listeners = new Listeners();
  readonly waiters: QueueWaiters;
  readonly counters: TaskQueueCounters = {
    completed: 0,
    failed: 0,
    retried: 0,
    timedOut: 0,
    cancelled: 0,
  };

  constructor(options: TaskQueueOptions) {
    this.concurrencyLimit = checkConcurrency('concurrency', options.concurrency ?? 1);
    this.maxPending = checkPositive('maxPending', options.maxPending, INFINITY);
    const maxActiveKeys = checkConcurrency('maxActiveKeys', options.maxActiveKeys ?? INFINITY);
    this.defaults = resolveTaskDefaults(options);
    this.random = options.random ?? Math.random;
    if (typeof this.random !== 'function') throw new InvalidOptionError('random', 'a function', this.random);
    const rateLimit = checkRateLimit('rateLimit', options.rateLimit);
    this.rateBucket =
      rateLimit === undefined ? null : new TokenBucket(rateLimit.limit, rateLimit.interval, now());
    const keyRateLimit = checkRateLimit('keyRateLimit', options.keyRateLimit);
    this.paused = options.paused === true;
    this.controlByDefault =
      this.defaults.timeout !== INFINITY ||
      (this.defaults.retries > 0 && this.defaults.maxElapsed !== INFINITY);
    this.keyOrdering = new KeyOrdering(maxActiveKeys, this.ready);
    this.keyRateLimiter =
      keyRateLimit === undefined ? null : new KeyRateLimiter(keyRateLimit, this.keyOrdering.keys);
    this.waiters = new QueueWaiters(this.listeners);
    allowManyListeners(this.sharedController.signal);
    this.onAttemptTimeout = this.onAttemptTimeout.bind(this);
    this.onDelayOver = this.onDelayOver.bind(this);
    this.rateWake = new RateWake(() => this.pump());
  }

  /** The fast path: no options, so no job record until the task fails and may retry. */
  addPlain(task: Task<unknown>, resolve: (value: unknown) => void, promise: Promise<unknown> | null): void {
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

  /** Queues an unkeyed job, starting it at once when a slot is free and nothing is ahead of it. */
  enqueue(job: Job): void {
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

  /** Starts ready jobs while slots, tokens and the pause state allow. */
  pump(): void {
    if (this.paused) return;
    const ready = this.ready;
    while (this.runningCount < this.concurrencyLimit && ready.length !== 0) {
      const bucket = this.rateBucket;
      let time = 0;
      if (bucket !== null) {
        time = now();
        const wait = bucket.waitMs(time);
        if (wait > 0) {
          this.rateWake.after(wait);
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
      if (
        this.keyRateLimiter !== null &&
        job.keyState !== null &&
        this.heldByKeyRate(job, bucket === null ? now() : time)
      )
        continue;
      if (bucket !== null) bucket.take();
      this.start(job);
    }
  }

  /** Takes a token from the job's key bucket, or parks the job until the key has one (true). */
  private heldByKeyRate(job: Job, time: number): boolean {
    const keyBucket = (this.keyRateLimiter as KeyRateLimiter).bucketOf(job.keyState as KeyState, time);
    const wait = keyBucket.waitMs(time);
    if (wait > 0) {
      this.delay(job, wait);
      return true;
    }
    keyBucket.take();
    return false;
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
    this.waitingShrank();
    callTask(job.fn, signal, attempt, slot);
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
    this.waitingShrank();
    callTask(task, this.sharedController.signal, 1, slot);
  }

  /** Fewer tasks wait than before: resolve whoever waits for the queue to empty or shrink. */
  waitingShrank(): void {
    const waiting = this.waitingCount;
    if (waiting === 0) this.waiters.becameEmpty();
    else if (this.waiters.sizeWaiters.length !== 0) this.waiters.sizeChanged(waiting);
  }

  private newSlot(): RunningSlot {
    const slot = createSlot(this);
    this.slots.push(slot);
    return slot;
  }

  /** A task function returned: free its slot and carry on with its job or plain task. */
  slotSettled(slot: RunningSlot, ok: boolean, outcome: unknown): void {
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
      } else if (this.plainTaskFailed(slot, task, resolve, promise, outcome)) {
        return;
      }
    }
    this.pump();
    if (this.runningCount === 0 && this.pendingCount === 0) this.waiters.becameIdle();
  }

  /**
   * A plain task threw: it is retried (true: carried on as a job) or fails for good.
   * Kept out of `slotSettled` so the success path stays small enough to inline.
   */
  private plainTaskFailed(
    slot: RunningSlot,
    task: Task<unknown>,
    resolve: (value: unknown) => void,
    promise: Promise<unknown> | null,
    error: unknown,
  ): boolean {
    if (this.defaults.retries > 0 && !this.stopped) {
      // Only now does the plain task need a job record, to wait and run again.
      const retrying = new Job(task, resolve, promise);
      retrying.priority = this.defaults.priority;
      retrying.attempt = 1;
      retrying.state = RUNNING;
      this.attemptFailed(retrying, error);
      return true;
    }
    this.counters.failed++;
    this.pendingCount--;
    settleRejected(resolve, promise, error);
    if (this.listeners.table.failure.length !== 0) {
      const event = { key: undefined, priority: this.defaults.priority, attempt: 1 };
      this.listeners.emit('failure', { ...event, error, durationMs: now() - slot.startedAt });
    }
    return false;
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
    if (this.runningCount === 0 && this.pendingCount === 0) this.waiters.becameIdle();
  }

  private attemptFailed(job: Job, thrown: unknown): void {
    if (job.resolve !== null) {
      const control = job.control;
      const error = control !== null && control.timedOut !== null ? control.timedOut : thrown;
      const decision = this.stopped
        ? { delay: -1, error }
        : decideRetry(job, error, this.defaults, this.random);
      if (decision.delay >= 0) {
        this.counters.retried++;
        if (this.listeners.table.retry.length !== 0) {
          this.listeners.emit('retry', { ...this.eventOf(job), error, delayMs: decision.delay });
        }
        this.waitingCount++;
        this.delay(job, decision.delay);
        this.pump();
        return;
      }
      this.failJob(job, decision.error);
    }
    this.finish(job);
    this.pump();
    if (this.runningCount === 0 && this.pendingCount === 0) this.waiters.becameIdle();
  }

  failJob(job: Job, error: unknown): void {
    this.counters.failed++;
    this.rejectJob(job, error);
    if (this.listeners.table.failure.length !== 0) {
      this.listeners.emit('failure', { ...this.eventOf(job), error, durationMs: this.durationOf(job) });
    }
  }

  rejectJob(job: Job, error: unknown): void {
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
      if (!this.stopped && willRetryAfterTimeout(job, control, error)) control.retryApproved = true;
      else this.failJob(job, error);
    }
    (control.controller as AbortController).abort(error);
    if (this.runningCount === 0 && this.pendingCount === 0) this.waiters.becameIdle();
  }

  /** A job is done for good: let go of its signal listener and hand its key on. */
  finish(job: Job): void {
    const keyState = job.keyState;
    const wasKeyHead = keyState !== null && job.state !== KEY_WAIT;
    job.state = DONE;
    const control = job.control;
    if (control !== null && control.handleEvent !== undefined) {
      (control.callerSignal as AbortSignal).removeEventListener('abort', control as EventListenerObject);
      control.handleEvent = undefined;
    }
    if (wasKeyHead) this.keyOrdering.release(keyState);
  }

  /** The payload every per-task event starts from. */
  eventOf(job: Job): TaskEvent {
    return { key: job.keyState?.key, priority: job.priority, attempt: job.attempt };
  }

  private durationOf(job: Job): number {
    const control = job.control;
    return control === null || control.attemptStartedAt < 0 ? Number.NaN : now() - control.attemptStartedAt;
  }
}
