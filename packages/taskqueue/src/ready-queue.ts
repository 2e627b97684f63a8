import { type Job, READY } from './job.js';
import type { Task } from './options.js';

/**
 * One priority's FIFO: a ring buffer (no `Array#shift`) of three slots per entry,
 * either `[job, null, null]` or, for a plain task that needs no job record,
 * `[task, resolve, promise]`. A cancelled job is left behind as a tombstone (its state
 * is no longer READY) and skipped when reached, so removal is O(1).
 */
class Lane {
  readonly priority: number;
  /** Entries that are not tombstones. */
  live = 0;
  private buffer: unknown[] = new Array(3 * 16);
  private mask = 15;
  private head = 0;
  private count = 0;

  constructor(priority: number) {
    this.priority = priority;
  }

  push(first: unknown, second: unknown, third: unknown): void {
    if (this.count > this.mask) this.grow();
    const at = ((this.head + this.count) & this.mask) * 3;
    const buffer = this.buffer;
    buffer[at] = first;
    buffer[at + 1] = second;
    buffer[at + 2] = third;
    this.count++;
    this.live++;
  }

  unshift(job: Job): void {
    if (this.count > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    const at = this.head * 3;
    this.buffer[at] = job;
    this.buffer[at + 1] = null;
    this.buffer[at + 2] = null;
    this.count++;
    this.live++;
  }

  /**
   * Takes the first live entry: returns its job, or null for a plain entry, whose parts
   * are left in `out`. Call only when `live > 0`.
   */
  shift(out: ReadyQueue): Job | null {
    const buffer = this.buffer;
    for (;;) {
      const at = this.head * 3;
      const first = buffer[at];
      const second = buffer[at + 1];
      const third = buffer[at + 2];
      buffer[at] = undefined;
      buffer[at + 1] = undefined;
      buffer[at + 2] = undefined;
      this.head = (this.head + 1) & this.mask;
      this.count--;
      if (second === null) {
        const job = first as Job;
        if (job.state !== READY) continue; // tombstone of a cancelled job
        this.live--;
        return job;
      }
      this.live--;
      out.plainTask = first as Task<unknown>;
      out.plainResolve = second as (value: unknown) => void;
      out.plainPromise = third as Promise<unknown> | null;
      return null;
    }
  }

  /** Calls `visit` for every live entry in order, then empties the lane. */
  drain(
    visit: (job: Job | null, resolve: (value: unknown) => void, promise: Promise<unknown> | null) => void,
  ): void {
    const buffer = this.buffer;
    for (let i = 0; i < this.count; i++) {
      const at = ((this.head + i) & this.mask) * 3;
      const second = buffer[at + 1];
      if (second === null) {
        const job = buffer[at] as Job;
        if (job.state === READY) visit(job, job.resolve as (value: unknown) => void, job.promise);
      } else {
        visit(null, second as (value: unknown) => void, buffer[at + 2] as Promise<unknown> | null);
      }
    }
    this.buffer = new Array(3 * 16);
    this.mask = 15;
    this.head = 0;
    this.count = 0;
    this.live = 0;
  }

  private grow(): void {
    const old = this.buffer;
    const capacity = this.mask + 1;
    const buffer = new Array(capacity * 6);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.head + i) & this.mask) * 3;
      const to = i * 3;
      buffer[to] = old[from];
      buffer[to + 1] = old[from + 1];
      buffer[to + 2] = old[from + 2];
    }
    this.buffer = buffer;
    this.mask = capacity * 2 - 1;
    this.head = 0;
  }
}

/**
 * Tasks ready to start, highest priority first and FIFO within a priority. One lane per
 * priority in use; with only the default priority it is a single ring buffer.
 */
export class ReadyQueue {
  /** Live entries over all lanes. */
  length = 0;
  /** The parts of the plain entry the last `shift` returned null for. */
  plainTask: Task<unknown> | null = null;
  plainResolve: ((value: unknown) => void) | null = null;
  plainPromise: Promise<unknown> | null = null;
  private readonly base = new Lane(0);
  /** Lanes in ascending priority; the highest is last. */
  private readonly lanes: Lane[] = [this.base];
  private readonly byPriority = new Map<number, Lane>([[0, this.base]]);

  push(job: Job, priority: number): void {
    (priority === 0 ? this.base : this.lane(priority)).push(job, null, null);
    this.length++;
  }

  /** Queues a task that needs no job record (no key, timeout, signal or own policy). */
  pushPlain(
    task: Task<unknown>,
    resolve: (value: unknown) => void,
    promise: Promise<unknown> | null,
    priority: number,
  ): void {
    (priority === 0 ? this.base : this.lane(priority)).push(task, resolve, promise);
    this.length++;
  }

  /** Puts a job ahead of the others of its priority (a retry goes before fresh tasks). */
  unshift(job: Job, priority: number): void {
    (priority === 0 ? this.base : this.lane(priority)).unshift(job);
    this.length++;
  }

  /** Takes the next entry: its job, or null for a plain entry (see `plainTask`…). Call only when `length > 0`. */
  shift(): Job | null {
    this.length--;
    const lanes = this.lanes;
    if (lanes.length === 1) return this.base.shift(this);
    for (let i = lanes.length - 1; ; i--) {
      const lane = lanes[i];
      if (lane.live !== 0) return lane.shift(this);
      if (lane !== this.base && i === lanes.length - 1) {
        lanes.pop();
        this.byPriority.delete(lane.priority);
      }
    }
  }

  /** Forgets a job that was cancelled while ready; the caller moves it out of READY. */
  remove(job: Job): void {
    const lane = job.priority === 0 ? this.base : (this.byPriority.get(job.priority) as Lane);
    lane.live--;
    this.length--;
  }

  /** Calls `visit` for every live entry, highest priority first, and empties the queue. */
  drain(
    visit: (job: Job | null, resolve: (value: unknown) => void, promise: Promise<unknown> | null) => void,
  ): void {
    for (let i = this.lanes.length - 1; i >= 0; i--) this.lanes[i].drain(visit);
    this.length = 0;
  }

  private lane(priority: number): Lane {
    let lane = this.byPriority.get(priority);
    if (lane !== undefined) return lane;
    lane = new Lane(priority);
    this.byPriority.set(priority, lane);
    const lanes = this.lanes;
    let low = 0;
    let high = lanes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (lanes[mid].priority < priority) low = mid + 1;
      else high = mid;
    }
    lanes.splice(low, 0, lane);
    return lane;
  }
}
