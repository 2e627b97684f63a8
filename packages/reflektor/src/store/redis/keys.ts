/**
 * The names of a queue's Redis keys. A target's streams and leases share a hash tag (`{target}`),
 * so in a cluster they live on one slot.
 */
export class RedisKeys {
  readonly #prefix: string;
  /** Sorted set of live instances, scored by their last lease refresh. */
  readonly instances: string;
  /** Hash of dead letters, field `lane id`. */
  readonly dead: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
    this.instances = `${prefix}:instances`;
    this.dead = `${prefix}:dead`;
  }

  /** One partition's stream of a target. */
  stream(target: string, partition: number): string {
    return `${this.#prefix}:{${target}}:${partition}`;
  }

  /** The lease on one partition's stream: the holder's instance id, with an expiry. */
  lease(target: string, partition: number): string {
    return `${this.#prefix}:lease:{${target}}:${partition}`;
  }
}
