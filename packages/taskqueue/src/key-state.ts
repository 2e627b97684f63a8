import { type Job, JobList } from './job.js';
import type { TaskKey } from './options.js';
import type { TokenBucket } from './token-bucket.js';

/**
 * The state of one ordering key. `head` is the one job of the key that may be ready,
 * running or waiting to retry; the others wait in `waiting`, in push order.
 */
export class KeyState {
  readonly key: TaskKey;
  head: Job | null = null;
  readonly waiting = new JobList();
  /** True while the key holds one of the `maxActiveKeys` slots. */
  active = false;
  bucket: TokenBucket | null = null;

  constructor(key: TaskKey) {
    this.key = key;
  }
}
