import { Redis } from 'ioredis';
import type { NewRecord, StoredRecord } from '../record.js';
import { AckBatcher } from './redis/acks.js';
import { StreamAppender } from './redis/appender.js';
import { trimStreams } from './redis/compaction.js';
import { RedisDeadLetters } from './redis/dead-letters.js';
import { RedisKeys } from './redis/keys.js';
import { RedisLanes } from './redis/lanes.js';
import { PartitionLeases } from './redis/leases.js';
import { LocalSeq } from './redis/local-seq.js';
import type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store.js';

export interface RedisStoreOptions {
  /** `redis://…` */
  url: string;
  /** Key prefix shared by every instance of one queue. Default `reflektor`. */
  prefix?: string;
  /** Streams per target; requests with one ordering key always go to the same one. Default 16. */
  partitions?: number;
  /** How long a partition lease lasts without renewal (ms). Default 10 s. */
  leaseMs?: number;
  /** How often to look for records appended by other instances (ms). Default 50. */
  pollMs?: number;
}

/**
 * Redis Streams queue for several reflektor instances. Each target has `partitions` streams;
 * a request goes to the stream of its ordering key (any stream without a key). Each lane is a
 * consumer group on every stream. An instance reads a stream only while it holds that
 * stream's lease, so one instance at a time delivers a given key: per-key order holds across
 * instances. A stream's consumer is named after the stream, not the instance, so an instance
 * that takes over a lease first re-reads what the previous holder had read but not
 * acknowledged (duplicates across a crash, never loss).
 *
 * Durability is Redis's: a 202 means Redis has the entry; whether that survives a power loss
 * depends on its `appendonly` / `appendfsync` settings.
 *
 * The parts, in `store/redis/`: `appender.ts` (the write path), `lanes.ts` (reads, completions,
 * depth), `acks.ts`, `leases.ts`, `dead-letters.ts`, `compaction.ts`, and the key names and
 * entry format in `keys.ts` and `stream-entry.ts`.
 */
export class RedisStore implements QueueStore {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #partitions: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #acks: AckBatcher;
  readonly #leases: PartitionLeases;
  readonly #lanes: RedisLanes;
  readonly #appender: StreamAppender;
  readonly #dead: RedisDeadLetters;
  #listeners: Array<(records: readonly StoredRecord[]) => void> = [];
  #leaseTimer: NodeJS.Timeout | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true });
    this.#keys = new RedisKeys(options.prefix ?? 'reflektor');
    this.#partitions = options.partitions ?? 16;
    this.#leaseMs = options.leaseMs ?? 10_000;
    this.#pollMs = options.pollMs ?? 50;
    const seq = new LocalSeq();
    this.#acks = new AckBatcher(this.#redis);
    this.#leases = new PartitionLeases(
      this.#redis,
      this.#keys,
      this.#acks,
      { partitions: this.#partitions, leaseMs: this.#leaseMs },
      (target, partition) => this.#lanes.recover(target, partition),
    );
    this.#lanes = new RedisLanes(this.#redis, this.#keys, this.#partitions, seq, this.#acks, this.#leases);
    this.#appender = new StreamAppender(this.#redis, this.#keys, this.#partitions, seq, (records) => {
      this.#lanes.countAppended(records);
      this.#notify(records);
    });
    this.#dead = new RedisDeadLetters(this.#redis, this.#keys.dead);
  }

  async open(lanes: readonly LaneSpec[]): Promise<void> {
    await this.#redis.connect();
    await this.#lanes.open(lanes);
    this.#leases.track(this.#lanes.targets);
    await this.#refreshLeases();
    await this.#refreshDepth();
    this.#leaseTimer = setInterval(
      () => {
        this.#refreshLeases().catch(() => {});
        this.#refreshDepth().catch(() => {});
      },
      Math.max(200, Math.floor(this.#leaseMs / 3)),
    );
    this.#leaseTimer.unref();
    this.#pollTimer = setInterval(() => this.#poll(), this.#pollMs);
    this.#pollTimer.unref();
  }

  async #refreshLeases(): Promise<void> {
    if (this.#closed) return;
    await this.#leases.refresh();
  }

  async #refreshDepth(): Promise<void> {
    if (this.#closed) return;
    await this.#lanes.refreshDepth();
  }

  /** The streams (partition numbers) this instance delivers from now, per target. */
  leases(): Record<string, number[]> {
    return this.#leases.held();
  }

  #poll(): void {
    if (this.#closed || this.#listeners.length === 0) return;
    // Wake lanes for entries other instances appended; read() with nothing new is cheap.
    this.#notify([]);
  }

  #notify(records: readonly StoredRecord[]): void {
    for (const listener of this.#listeners) listener(records);
  }

  append(record: NewRecord): Promise<StoredRecord> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return this.#appender.append(record);
  }

  onDurable(listener: (records: readonly StoredRecord[]) => void): void {
    this.#listeners.push(listener);
  }

  read(laneId: string, max: number): Promise<StoredRecord[]> {
    return this.#lanes.read(laneId, max);
  }

  complete(laneId: string, record: StoredRecord): void {
    this.#lanes.complete(laneId, record);
  }

  async deadLetter(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void> {
    await this.#dead.add(laneId, record, info);
    this.#lanes.complete(laneId, record);
  }

  listDead(filter: DeadFilter): Promise<DeadLetter[]> {
    return this.#dead.select(filter);
  }

  async replayDead(filter: DeadFilter): Promise<number> {
    const letters = (await this.#dead.select(filter)).filter((l) => this.#lanes.has(l.laneId));
    // Queue the copies first, then drop the dead letters: a crash in between replays twice, never zero times.
    await Promise.all(
      letters.map((l) => {
        const { seq: _seq, ref: _ref, ...record } = l.record;
        return this.append({ ...record, onlyLane: l.laneId });
      }),
    );
    await this.#dead.remove(letters);
    return letters.length;
  }

  async deleteDead(filter: DeadFilter): Promise<number> {
    return this.#dead.remove(await this.#dead.select(filter));
  }

  depth(laneId: string): Depth {
    return this.#lanes.depth(laneId);
  }

  oldest(laneId: string): Promise<number> {
    return this.#lanes.oldest(laneId);
  }

  /** Trims each stream below the oldest entry some lane still needs. */
  async compact(): Promise<number> {
    if (this.#closed) return 0;
    let removed = 0;
    for (const target of this.#lanes.targets) {
      removed += await trimStreams(
        this.#redis,
        this.#keys,
        target,
        this.#partitions,
        this.#lanes.idsOf(target),
      );
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#appender.flush();
    this.#acks.flush();
    this.#closed = true;
    if (this.#leaseTimer) clearInterval(this.#leaseTimer);
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    try {
      await this.#leases.leave();
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
