import { fdatasync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { NewRecord, StoredRecord } from '../../record.js';
import { encodeHeaderText } from '../header-text.js';

/** `fsync`: a 202 survives power loss. `os`: a 202 survives a crash of the process, not of the machine. */
export type Durability = 'fsync' | 'os';

interface PendingAppend {
  record: NewRecord;
  resolve: (stored: StoredRecord) => void;
  reject: (error: Error) => void;
  stored: StoredRecord | null;
}

interface SyncGroup {
  items: PendingAppend[];
  done: boolean;
  error: Error | null;
}

const ROWS_PER_INSERT = 32;
/** Appends written in one transaction at most, when they arrive faster than the turn ends (see append). */
const MAX_GROUP = 256;
/**
 * fdatasyncs of the WAL in flight at once. One: appends that arrive while it runs wait (uncommitted)
 * and are then committed and synced together. Overlapping syncs of the same file were slower on
 * this disk, each waiting on the other's flush (ingest bench, 64 connections: 10.7–23.3k req/s
 * with three in flight against 15.9–28.5k with one, interleaved runs).
 */
const MAX_SYNCS_IN_FLIGHT = 1;

/**
 * The write path: group commit. All appends that arrive within one turn of the event loop are
 * written in one transaction; with `fsync` durability the WAL is then fdatasynced (on the
 * libuv thread pool, so the event loop keeps reading requests) and the group settles when it
 * returns. Groups become durable in acceptance order, and each is announced once, with its
 * records in seq order.
 */
export class GroupCommit {
  readonly #durability: Durability;
  readonly #walFd: number;
  readonly #db: Database.Database;
  readonly #inserts: Database.Statement[] = [];
  readonly #insertMany: (batch: PendingAppend[]) => void;
  readonly #durable: (records: StoredRecord[]) => void;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  /** fdatasyncs in flight, in start order; each covers its own group and every earlier one. */
  #syncs: SyncGroup[] = [];
  #nextSeq: number;

  /**
   * `lastSeq`: the highest seq already used; `durable` is called with each group once it is
   * durable, after its appends are resolved.
   */
  constructor(
    db: Database.Database,
    walFd: number,
    durability: Durability,
    lastSeq: number,
    durable: (records: StoredRecord[]) => void,
  ) {
    this.#db = db;
    this.#walFd = walFd;
    this.#durability = durability;
    this.#nextSeq = lastSeq + 1;
    this.#durable = durable;
    this.#insertMany = db.transaction((batch: PendingAppend[]) => {
      // Multi-row INSERTs of up to ROWS_PER_INSERT rows: one statement step per chunk.
      for (let start = 0; start < batch.length; start += ROWS_PER_INSERT) {
        const rows = Math.min(ROWS_PER_INSERT, batch.length - start);
        const params: unknown[] = new Array(rows * 10);
        for (let i = 0; i < rows; i++) {
          const item = batch[start + i];
          const r = item.record;
          const seq = this.#nextSeq++;
          const o = i * 10;
          params[o] = seq;
          params[o + 1] = r.id;
          params[o + 2] = r.target;
          params[o + 3] = r.onlyLane;
          params[o + 4] = r.method;
          params[o + 5] = r.url;
          params[o + 6] = encodeHeaderText(r.headers);
          params[o + 7] = r.body;
          params[o + 8] = r.orderingKey;
          params[o + 9] = r.acceptedAt;
          item.stored = {
            seq,
            ref: String(seq),
            id: r.id,
            target: r.target,
            onlyLane: r.onlyLane,
            method: r.method,
            url: r.url,
            headers: r.headers,
            body: r.body,
            orderingKey: r.orderingKey,
            acceptedAt: r.acceptedAt,
          };
        }
        this.#insertStatement(rows).run(params);
      }
    });
  }

  /** True while appends are queued or a group's fdatasync is in flight. */
  get busy(): boolean {
    return this.#pending.length > 0 || this.#syncs.length > 0;
  }

  append(record: NewRecord): Promise<StoredRecord> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject, stored: null });
      // A burst read in one turn (thousands of pipelined requests) is written in groups of
      // MAX_GROUP as it is read, not in one transaction at the end of the turn: the first
      // requests are answered while later ones are still being parsed.
      if (this.#pending.length >= MAX_GROUP) this.#writePending();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /** Writes what is queued now, without waiting for the end of the turn. */
  flushNow(): void {
    if (this.#pending.length > 0) this.#flush();
  }

  #insertStatement(rows: number): Database.Statement {
    let statement = this.#inserts[rows];
    if (statement === undefined) {
      const values = new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.#db.prepare(
        `INSERT INTO records (seq, id, target, only_lane, method, url, headers, body, ordering_key, accepted_at) VALUES ${values}`,
      );
      this.#inserts[rows] = statement;
    }
    return statement;
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#writePending();
  };

  #writePending(): void {
    // With fsync durability, appends that arrive while the fdatasyncs in flight run wait for one
    // of them to return and are then written in one transaction and synced together: fewer,
    // larger groups, and no commit whose sync could not start yet anyway.
    if (this.#durability === 'fsync' && this.#syncs.length >= MAX_SYNCS_IN_FLIGHT) return;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      this.#insertMany(batch);
    } catch (error) {
      for (const item of batch) item.reject(error as Error);
      return;
    }
    if (this.#durability === 'os') {
      this.#settle(batch);
      return;
    }
    this.#startSync(batch);
  }

  /** Starts the fdatasync that makes `items` (just committed) durable; a slot is free (see writePending). */
  #startSync(items: PendingAppend[]): void {
    const sync: SyncGroup = { items, done: false, error: null };
    this.#syncs.push(sync);
    fdatasync(this.#walFd, (error) => {
      sync.done = true;
      sync.error = error;
      this.#finishSyncs();
      // The next group is written at the end of this event-loop turn, not now: requests whose
      // bytes arrived during the sync are read later in this same turn and join it.
      if (this.#pending.length > 0 && !this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /**
   * Settles groups in acceptance order. A successful fdatasync also covers every group whose
   * sync started before it (their writes came first), so those settle with it; a failed one
   * rejects its own group only.
   */
  #finishSyncs(): void {
    const syncs = this.#syncs;
    let covered = -1;
    for (let i = syncs.length - 1; i >= 0; i--) {
      if (syncs[i].done && syncs[i].error === null) {
        covered = i;
        break;
      }
    }
    for (let i = 0; i <= covered; i++) this.#settle(syncs[i].items);
    this.#syncs = syncs.slice(covered + 1);
    while (this.#syncs.length > 0 && this.#syncs[0].done) {
      const failed = this.#syncs.shift()!;
      for (const item of failed.items) item.reject(failed.error!);
    }
  }

  #settle(group: PendingAppend[]): void {
    const records: StoredRecord[] = new Array(group.length);
    for (let i = 0; i < group.length; i++) {
      const item = group[i];
      const stored = item.stored!;
      records[i] = stored;
      item.resolve(stored);
    }
    this.#durable(records);
  }
}
