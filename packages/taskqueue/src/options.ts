import { InvalidOptionError } from './errors.js';

/** A key that orders tasks: tasks with the same key run one at a time, in push order. */
export type TaskKey = string | number;

/**
 * A task: called with an `AbortSignal` that aborts when the attempt times out, the
 * caller's signal aborts, or the queue is closed with `{ drain: false }`, and with the
 * 1-based attempt number. Its result (or the value its promise resolves to) is what
 * `push` resolves with.
 */
export type Task<T> = (signal: AbortSignal, attempt: number) => PromiseLike<T> | T;

/** What `onRetry` and the `retry` event receive. */
export interface RetryInfo {
  /** The error the failed attempt ended with. */
  error: unknown;
  /** The attempt (1-based) that failed. */
  attempt: number;
  /** Milliseconds the queue waits before the next attempt. */
  delayMs: number;
  /** The task's key, if it has one. */
  key: TaskKey | undefined;
}

/** How a task is retried. Every field is optional; queue-wide values are the defaults. */
export interface RetryOptions {
  /** Retries after the first attempt (0 = none, `Infinity` = until `maxElapsed`). Default 0. */
  retries?: number;
  /** Decides whether an error is worth retrying. Default: every error is. Aborts are never retried. */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** Smallest backoff delay in ms. Default 100. */
  minDelay?: number;
  /** Largest backoff delay in ms (a `retryAfterMs` on the error may exceed it). Default 30000. */
  maxDelay?: number;
  /** Growth of the backoff ceiling per retry. Default 2. */
  factor?: number;
  /** Give up once the next attempt would start later than this many ms after the first one. Default `Infinity`. */
  maxElapsed?: number;
  /** Called before each backoff wait. If it throws, the task fails with that error. */
  onRetry?: (info: RetryInfo) => void;
}

/** Options that apply to one task. Set on the queue they become defaults; set on `push` they win. */
export interface TaskOptions extends RetryOptions {
  /** Per-attempt timeout in ms: aborts the attempt's signal and fails it with `TimeoutError`. Default `Infinity`. */
  timeout?: number;
  /** Integer; higher runs first, FIFO within a priority. Default 0. */
  priority?: number;
}

/** Options for one `push`. */
export interface PushOptions extends TaskOptions {
  /** Tasks with the same key run one at a time in push order; other keys are not held back. */
  key?: TaskKey;
  /** Cancels the task: a waiting task is dropped, a running one has its signal aborted. Rejects with `TaskAbortedError`. */
  signal?: AbortSignal;
}

/** A token-bucket limit: bursts of up to `limit` starts, `limit` starts per `interval` ms sustained. */
export interface RateLimit {
  limit: number;
  interval: number;
}

/** Options for `new TaskQueue(options)`. */
export interface TaskQueueOptions extends TaskOptions {
  /** Task functions running at once (integer ≥ 1 or `Infinity`). Default 1. Can be changed later. */
  concurrency?: number;
  /** Pushed-and-unsettled tasks allowed before `push` rejects with `QueueFullError`. Default `Infinity`. */
  maxPending?: number;
  /** Keys whose head task is ready, running or waiting to retry, at most. Default `Infinity`. */
  maxActiveKeys?: number;
  /** Limit on task starts across the whole queue. Default none. */
  rateLimit?: RateLimit;
  /** Limit on task starts per key (keyed tasks only). Default none. */
  keyRateLimit?: RateLimit;
  /** Start paused; call `resume()` to begin. Default false. */
  paused?: boolean;
  /** Random source in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
}

/** Queue-wide task defaults after validation. */
export interface TaskDefaults {
  timeout: number;
  priority: number;
  retries: number;
  retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  minDelay: number;
  maxDelay: number;
  factor: number;
  maxElapsed: number;
  onRetry: ((info: RetryInfo) => void) | undefined;
}

export function checkConcurrency(name: string, value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1)) return value;
  throw new InvalidOptionError(name, 'an integer ≥ 1 or Infinity', value);
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value >= 0) return value;
  throw new InvalidOptionError(name, 'a number ≥ 0', value);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0) return value;
  throw new InvalidOptionError(name, 'a number > 0', value);
}

export function checkPriority(value: number): number {
  if (Number.isInteger(value)) return value;
  throw new InvalidOptionError('priority', 'an integer', value);
}

function checkFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || typeof value === 'function') return value;
  throw new InvalidOptionError(name, 'a function', value);
}

export function checkRateLimit(name: string, value: RateLimit | undefined): RateLimit | undefined {
  if (value === undefined) return undefined;
  positive(`${name}.limit`, value.limit, 0);
  positive(`${name}.interval`, value.interval, 0);
  if (value.limit === Number.POSITIVE_INFINITY || value.interval === Number.POSITIVE_INFINITY) {
    throw new InvalidOptionError(name, 'a finite limit and interval', `${value.limit}/${value.interval}`);
  }
  return value;
}

/** Validates the task options in `options` (falling back to `base`) and returns complete defaults. */
export function resolveTaskDefaults(options: TaskOptions, base?: TaskDefaults): TaskDefaults {
  const minDelay = nonNegative('minDelay', options.minDelay, base?.minDelay ?? 100);
  const maxDelay = nonNegative('maxDelay', options.maxDelay, base?.maxDelay ?? 30_000);
  if (maxDelay < minDelay) throw new InvalidOptionError('maxDelay', `≥ minDelay (${minDelay})`, maxDelay);
  const factor = nonNegative('factor', options.factor, base?.factor ?? 2);
  if (factor < 1) throw new InvalidOptionError('factor', 'a number ≥ 1', factor);
  const retries = nonNegative('retries', options.retries, base?.retries ?? 0);
  if (retries !== Number.POSITIVE_INFINITY && !Number.isInteger(retries)) {
    throw new InvalidOptionError('retries', 'an integer ≥ 0 or Infinity', retries);
  }
  return {
    timeout: positive('timeout', options.timeout, base?.timeout ?? Number.POSITIVE_INFINITY),
    priority: options.priority === undefined ? (base?.priority ?? 0) : checkPriority(options.priority),
    retries,
    retryIf: checkFunction('retryIf', options.retryIf) ?? base?.retryIf,
    minDelay,
    maxDelay,
    factor,
    maxElapsed: positive('maxElapsed', options.maxElapsed, base?.maxElapsed ?? Number.POSITIVE_INFINITY),
    onRetry: checkFunction('onRetry', options.onRetry) ?? base?.onRetry,
  };
}

export function checkPositive(name: string, value: number | undefined, fallback: number): number {
  return positive(name, value, fallback);
}
