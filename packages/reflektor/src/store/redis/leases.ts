import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AckBatcher } from './acks.js';
import type { RedisKeys } from './keys.js';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Which partitions' streams this instance delivers from. An instance reads a stream only while
 * it holds that stream's lease, so one instance at a time delivers a given ordering key; the
 * live instances share the partitions of each target fairly.
 */
export class PartitionLeases {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #acks: AckBatcher;
  readonly #partitions: number;
  readonly #leaseMs: number;
  readonly #instance = randomBytes(8).toString('hex');
  readonly #acquired: (target: string, partition: number) => void;
  /** Leases held: partition numbers, per target. */
  readonly #owned = new Map<string, Set<number>>();
  /** Leases being given back to other instances: no new reads; released once nothing is in flight. */
  readonly #releasing = new Map<string, Set<number>>();
  /** Records read and not yet completed, and reads in progress, per `target partition`. */
  readonly #busy = new Map<string, number>();

  /** `acquired` is called for each lease taken: its stream may hold entries a crashed holder read. */
  constructor(
    redis: Redis,
    keys: RedisKeys,
    acks: AckBatcher,
    options: { partitions: number; leaseMs: number },
    acquired: (target: string, partition: number) => void,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#acks = acks;
    this.#partitions = options.partitions;
    this.#leaseMs = options.leaseMs;
    this.#acquired = acquired;
  }

  /** Starts with no lease on any partition of these targets. */
  track(targets: Iterable<string>): void {
    for (const target of targets) {
      this.#owned.set(target, new Set());
      this.#releasing.set(target, new Set());
    }
  }

  /** The target's partitions held now (a copy), or null when the target is not tracked. */
  heldOf(target: string): number[] | null {
    const owned = this.#owned.get(target);
    return owned ? [...owned] : null;
  }

  /** True while the partition is being given back: no new reads from it. */
  isReleasing(target: string, partition: number): boolean {
    return this.#releasing.get(target)?.has(partition) ?? false;
  }

  /** The streams (partition numbers) this instance delivers from now, per target. */
  held(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [target, owned] of this.#owned) out[target] = [...owned].sort((a, b) => a - b);
    return out;
  }

  /** Counts a read in progress or a record handed out from the partition. */
  addInFlight(target: string, partition: number | string): void {
    const key = `${target} ${partition}`;
    this.#busy.set(key, (this.#busy.get(key) ?? 0) + 1);
  }

  /** Ends what addInFlight counted. */
  removeInFlight(target: string, partition: number | string): void {
    const key = `${target} ${partition}`;
    this.#busy.set(key, (this.#busy.get(key) ?? 1) - 1);
  }

  /** Renews held leases and takes free ones, up to a fair share of the live instances. */
  async refresh(): Promise<void> {
    const now = Date.now();
    const members = this.#keys.instances;
    await this.#redis.zadd(members, now, this.#instance);
    await this.#redis.zremrangebyscore(members, '-inf', now - this.#leaseMs);
    const live = Math.max(1, await this.#redis.zcard(members));
    const share = Math.ceil(this.#partitions / live);
    for (const [target, owned] of this.#owned) {
      for (const p of [...owned]) {
        const kept = await this.#redis.eval(
          RENEW,
          1,
          this.#keys.lease(target, p),
          this.#instance,
          this.#leaseMs,
        );
        if (kept !== 1) owned.delete(p);
      }
      await this.#giveBackExtra(target, owned, share);
      for (let p = 0; p < this.#partitions && owned.size < share; p++) {
        if (owned.has(p)) continue;
        const got = await this.#redis.set(
          this.#keys.lease(target, p),
          this.#instance,
          'PX',
          this.#leaseMs,
          'NX',
        );
        if (got === 'OK') {
          owned.add(p);
          this.#acquired(target, p);
        }
      }
    }
  }

  /**
   * Over its fair share (another instance has joined), an instance gives streams back, each one
   * only once every record it read from it is acknowledged: the next holder then starts exactly
   * where this one stopped, so per-key order holds across the handover.
   */
  async #giveBackExtra(target: string, owned: Set<number>, share: number): Promise<void> {
    const releasing = this.#releasing.get(target)!;
    const extra = owned.size - share - releasing.size;
    if (extra > 0) {
      const candidates = [...owned].filter((p) => !releasing.has(p)).sort((a, b) => b - a);
      for (const p of candidates.slice(0, extra)) releasing.add(p);
    }
    for (const p of [...releasing]) {
      if ((this.#busy.get(`${target} ${p}`) ?? 0) > 0) continue;
      await this.#acks.flushed();
      await this.#redis.eval(RELEASE, 1, this.#keys.lease(target, p), this.#instance);
      owned.delete(p);
      releasing.delete(p);
    }
  }

  /** Releases every lease held and leaves the set of live instances. */
  async leave(): Promise<void> {
    for (const [target, owned] of this.#owned) {
      for (const p of owned) await this.#redis.eval(RELEASE, 1, this.#keys.lease(target, p), this.#instance);
    }
    await this.#redis.zrem(this.#keys.instances, this.#instance);
  }
}
