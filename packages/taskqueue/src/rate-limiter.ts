import type { KeyState } from './key-state.js';
import type { RateLimit, TaskKey } from './options.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The per-key half of rate limiting: one token bucket per key that starts tasks, made
 * when the key first starts one and forgotten once it is full again and the key idle,
 * so a stream of distinct keys does not grow memory. (The queue-wide limit is a single
 * `TokenBucket` the scheduler takes from directly.)
 */
export class KeyRateLimiter {
  readonly #limit: RateLimit;
  /** The keys with a job not finished; their buckets are kept. */
  readonly #liveKeys: ReadonlyMap<TaskKey, KeyState>;
  readonly #buckets = new Map<TaskKey, TokenBucket>();
  #sweepAt = 1024;

  constructor(limit: RateLimit, liveKeys: ReadonlyMap<TaskKey, KeyState>) {
    this.#limit = limit;
    this.#liveKeys = liveKeys;
  }

  /** The bucket of `keyState`'s key, made full at `time` if the key has none. */
  bucketOf(keyState: KeyState, time: number): TokenBucket {
    if (keyState.bucket !== null) return keyState.bucket;
    const buckets = this.#buckets;
    let bucket = buckets.get(keyState.key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#limit.limit, this.#limit.interval, time);
      buckets.set(keyState.key, bucket);
      if (buckets.size >= this.#sweepAt) this.#sweep(time);
    }
    keyState.bucket = bucket;
    return bucket;
  }

  /** Forgets full buckets of idle keys. */
  #sweep(time: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (!this.#liveKeys.has(key) && bucket.isFull(time)) this.#buckets.delete(key);
    }
    this.#sweepAt = Math.max(1024, this.#buckets.size * 2);
  }
}

/** One timer that wakes the scheduler when the queue-wide bucket has a token again. */
export class RateWake {
  readonly #wake: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** Calls `wake` after `ms`, unless a wake-up is already due. */
  after(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(this.#fire, ms);
  }

  /** Drops a pending wake-up. */
  cancel(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#wake();
  };
}
