import type { KeyState } from './key-state.js';
import type { Task, TaskDefaults } from './options.js';

/** Where a job is; it is in at most one list at a time. */
export const KEY_WAIT = 0; // behind its key's head
export const ADMISSION = 1; // its key's head, waiting for an active-key slot
export const READY = 2; // in the ready queue
export const DELAYED = 3; // waiting out a retry backoff or a per-key rate limit
export const RUNNING = 4; // its task function is executing
export const DONE = 5; // finished: settled and not running

/** `Job.resolve` of a task pushed with `pushDetached`: nobody awaits its result. */
export function detached(_value: unknown): void {}

/**
 * One pushed task. Jobs link into intrusive doubly linked lists (`prev`/`next`), so
 * queueing allocates nothing beyond the job itself and removal is O(1). Its list
 * follows from `state`. Kept small: a million waiting jobs must fit in little memory.
 */
export class Job {
  fn: Task<unknown>;
  /** Settles the caller's promise; null once settled. */
  resolve: ((value: unknown) => void) | null;
  /** The caller's promise (null for detached jobs), to mark a rejection as handled. */
  promise: Promise<unknown> | null;
  keyState: KeyState | null = null;
  priority = 0;
  attempt = 0;
  state = READY;
  prev: Job | null = null;
  next: Job | null = null;
  /**
   * Present only for tasks with a timeout, a caller signal, their own retry policy or a
   * pending delay, for every task when queue defaults need one, and from its first start
   * on while `success` or `failure` listeners need its run time.
   */
  control: JobControl | null = null;

  constructor(fn: Task<unknown>, resolve: (value: unknown) => void, promise: Promise<unknown> | null) {
    this.fn = fn;
    this.resolve = resolve;
    this.promise = promise;
  }
}

/** The slow-path state of a job, allocated only when it is needed. */
export class JobControl {
  /** Per-attempt timeout in ms, `Infinity` for none. */
  timeout: number;
  /** The caller's signal, if any. */
  callerSignal: AbortSignal | undefined;
  /** This attempt's controller; only for jobs with a timeout or a caller signal. */
  controller: AbortController | null = null;
  attemptTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  delayTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When a delayed job may run again (monotonic ms). */
  readyAt = 0;
  firstStartedAt = -1;
  attemptStartedAt = -1;
  timedOut: Error | null = null;
  /** Set when a timed-out attempt was already judged worth retrying. */
  retryApproved = false;
  /**
   * Receives the caller signal's `abort` event: this control block is the listener
   * object, so `finish` can remove it without keeping a second reference. Set only for
   * jobs with a caller signal.
   */
  handleEvent: (() => void) | undefined = undefined;

  /** The job's retry policy: its own when push options set one, else the queue's defaults. */
  policy: TaskDefaults;

  constructor(timeout: number, callerSignal: AbortSignal | undefined, policy: TaskDefaults) {
    this.timeout = timeout;
    this.callerSignal = callerSignal;
    this.policy = policy;
  }

  get needsController(): boolean {
    return this.timeout !== Number.POSITIVE_INFINITY || this.callerSignal !== undefined;
  }
}

/** An intrusive FIFO of jobs. */
export class JobList {
  head: Job | null = null;
  tail: Job | null = null;
  length = 0;

  push(job: Job): void {
    job.next = null;
    const tail = this.tail;
    job.prev = tail;
    if (tail === null) this.head = job;
    else tail.next = job;
    this.tail = job;
    this.length++;
  }

  unshift(job: Job): void {
    job.prev = null;
    const head = this.head;
    job.next = head;
    if (head === null) this.tail = job;
    else head.prev = job;
    this.head = job;
    this.length++;
  }

  shift(): Job | null {
    const job = this.head;
    if (job === null) return null;
    const next = job.next;
    this.head = next;
    if (next === null) this.tail = null;
    else next.prev = null;
    job.next = null;
    this.length--;
    return job;
  }

  remove(job: Job): void {
    const prev = job.prev;
    const next = job.next;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    job.prev = null;
    job.next = null;
    this.length--;
  }

  /** The jobs in order, as an array (for shutdown and inspection, not the hot path). */
  toArray(): Job[] {
    const jobs: Job[] = [];
    for (let job = this.head; job !== null; job = job.next) jobs.push(job);
    return jobs;
  }
}
