import type { Redis } from 'ioredis';
import type { NewRecord, StoredRecord } from '../../record.js';
import type { RedisKeys } from './keys.js';
import type { LocalSeq } from './local-seq.js';
import { entryFields } from './stream-entry.js';

interface PendingAppend {
  record: NewRecord;
  partition: number;
  resolve: (stored: StoredRecord) => void;
  reject: (error: Error) => void;
}

/** FNV-1a: a stable partition for an ordering key, the same in every instance. */
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * The write path: every append of one event-loop turn goes to Redis in one pipeline of XADDs,
 * each to the stream of its ordering key's partition (round robin without a key). Each append
 * resolves once Redis has its entry; the appended records are then announced in order.
 */
export class StreamAppender {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #partitions: number;
  readonly #seq: LocalSeq;
  readonly #appended: (records: StoredRecord[]) => void;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  #nextPartition = 0;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    partitions: number,
    seq: LocalSeq,
    appended: (records: StoredRecord[]) => void,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#partitions = partitions;
    this.#seq = seq;
    this.#appended = appended;
  }

  append(record: NewRecord): Promise<StoredRecord> {
    const partition =
      record.orderingKey === null
        ? this.#nextPartition++ % this.#partitions
        : partitionOf(record.orderingKey, this.#partitions);
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, partition, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Sends the appends queued so far (at the end of the turn, or at close). */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const pipeline = this.#redis.pipeline();
    for (const item of batch) {
      pipeline.xadd(this.#keys.stream(item.record.target, item.partition), '*', ...entryFields(item.record));
    }
    pipeline.exec().then(
      (results) => {
        const stored: StoredRecord[] = [];
        for (let i = 0; i < batch.length; i++) {
          const [error, id] = results![i];
          const item = batch[i];
          if (error) {
            item.reject(error);
            continue;
          }
          const record: StoredRecord = {
            ...item.record,
            seq: this.#seq.next(),
            ref: `${item.partition} ${id as string}`,
          };
          stored.push(record);
          item.resolve(record);
        }
        if (stored.length > 0) this.#appended(stored);
      },
      (error: Error) => {
        for (const item of batch) item.reject(error);
      },
    );
  };
}
