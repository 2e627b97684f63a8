import type { Redis } from 'ioredis';
import type { StoredRecord } from '../../record.js';
import type { DeadFilter, DeadInfo, DeadLetter } from '../store.js';

/** A dead letter as stored: JSON, the body in base64. */
type StoredDeadLetter = Omit<DeadLetter, 'record'> & {
  record: Omit<StoredRecord, 'body'> & { body: string };
};

/** Dead letters in one hash, field `lane id`, value the letter with its record (JSON). */
export class RedisDeadLetters {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async add(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void> {
    const letter = {
      laneId,
      deadAt: Date.now(),
      ...info,
      record: { ...record, body: record.body.toString('base64') },
    };
    await this.#redis.hset(this.#key, `${laneId} ${record.id}`, JSON.stringify(letter));
  }

  /** Matching dead letters in acceptance order. */
  async select(filter: DeadFilter): Promise<DeadLetter[]> {
    const all = await this.#redis.hgetall(this.#key);
    const letters: DeadLetter[] = [];
    for (const value of Object.values(all)) {
      const parsed = JSON.parse(value) as StoredDeadLetter;
      if (filter.laneId !== undefined && parsed.laneId !== filter.laneId) continue;
      if (filter.id !== undefined && parsed.record.id !== filter.id) continue;
      letters.push({
        ...parsed,
        record: { ...parsed.record, body: Buffer.from(parsed.record.body, 'base64') },
      });
    }
    letters.sort((a, b) => a.record.acceptedAt - b.record.acceptedAt || a.deadAt - b.deadAt);
    return filter.limit !== undefined ? letters.slice(0, filter.limit) : letters;
  }

  /** Removes these dead letters; returns how many were there. */
  async remove(letters: readonly DeadLetter[]): Promise<number> {
    if (letters.length === 0) return 0;
    return this.#redis.hdel(this.#key, ...letters.map((l) => `${l.laneId} ${l.record.id}`));
  }
}
