import { ADMISSION, type Job, JobList, KEY_WAIT, READY } from './job.js';
import { KeyState } from './key-state.js';
import type { TaskKey } from './options.js';
import type { ReadyQueue } from './ready-queue.js';

/**
 * Per-key ordering: tasks with the same key run one at a time, in push order. Only a
 * key's head job is ever ready, running or delayed; the others wait in the key's list.
 * At most `maxActiveKeys` keys have their head past admission; the rest queue for a slot
 * in the order they arrived.
 */
export class KeyOrdering {
  /** Keys with a job pushed and not finished. */
  readonly keys = new Map<TaskKey, KeyState>();
  /** Key heads waiting for an active-key slot. */
  readonly admission = new JobList();
  /** Keys whose head holds a slot. */
  activeKeys = 0;
  readonly #maxActiveKeys: number;
  readonly #ready: ReadyQueue;

  constructor(maxActiveKeys: number, ready: ReadyQueue) {
    this.#maxActiveKeys = maxActiveKeys;
    this.#ready = ready;
  }

  /**
   * Queues a keyed job: it becomes its key's head (ready, or waiting for admission) when
   * the key is free, else waits behind the key. Returns true when it became ready.
   */
  push(job: Job, key: TaskKey): boolean {
    const keyState = this.keys.get(key);
    if (keyState === undefined) {
      const fresh = new KeyState(key);
      this.keys.set(key, fresh);
      job.keyState = fresh;
      fresh.head = job;
      this.#admitHead(fresh, job);
      return true;
    }
    job.keyState = keyState;
    job.state = KEY_WAIT;
    keyState.waiting.push(job);
    return false;
  }

  /** The key's head is done: admit waiting keys to freed slots, then the key's next job. */
  release(keyState: KeyState): void {
    if (keyState.active) {
      keyState.active = false;
      this.activeKeys--;
    }
    const admission = this.admission;
    while (admission.length !== 0 && this.activeKeys < this.#maxActiveKeys) {
      const job = admission.shift() as Job;
      (job.keyState as KeyState).active = true;
      this.activeKeys++;
      job.state = READY;
      this.#ready.push(job, job.priority);
    }
    const next = keyState.waiting.shift();
    if (next === null) {
      keyState.head = null;
      this.keys.delete(keyState.key);
      return;
    }
    keyState.head = next;
    this.#admitHead(keyState, next);
  }

  /** Every job waiting behind a key head, then every head waiting for admission. */
  waitingJobs(): Job[] {
    const jobs: Job[] = [];
    for (const keyState of this.keys.values()) jobs.push(...keyState.waiting.toArray());
    jobs.push(...this.admission.toArray());
    return jobs;
  }

  #admitHead(keyState: KeyState, job: Job): void {
    if (this.activeKeys < this.#maxActiveKeys) {
      keyState.active = true;
      this.activeKeys++;
      job.state = READY;
      this.#ready.push(job, job.priority);
    } else {
      job.state = ADMISSION;
      this.admission.push(job);
    }
  }
}
