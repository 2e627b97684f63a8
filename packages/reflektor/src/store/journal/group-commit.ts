import type { NewRecord, StoredRecord } from '../../record.js';
import type { Journal } from './journal.js';

/** `fsync`: a 202 survives power loss. `os`: a 202 survives a crash of the process, not of the machine. */
export type Durability = 'fsync' | 'os';

/** Told once whether an append is durable: `(null, stored)`, or `(error, null)` when it was not stored. */
export type AppendCallback = (error: Error | null, stored: StoredRecord | null) => void;

interface PendingAppend {
  record: NewRecord;
  done: AppendCallback;
  stored: StoredRecord | null;
}

interface SyncGroup {
  items: PendingAppend[];
  done: boolean;
  error: Error | null;
}

/** Appends written in one frame at most, when they arrive faster than the turn ends (see append). */
const MAX_GROUP = 256;
/**
 * With `os` durability, a group smaller than this waits up to GATHER_TURNS more turns of the event
 * loop for company before its write (ingest, 50 connections, interleaved 2 s slices: best
 * 33,920 against 31,592 req/s, server CPU 28.7 against 30.1 µs per request; bare node:http
 * 35,168 and 26.2). With `fsync` the appends that arrive during a sync already form the group.
 */
const GATHER_UP_TO = 16;
const GATHER_TURNS = 2;
/**
 * fdatasyncs of the journal in flight at once. One: appends that arrive while it runs wait
 * (unwritten) and are then written and synced together. Overlapping syncs of the same file were
 * slower on this disk, each waiting on the other's flush (ingest bench, 64 connections:
 * 10.7–23.3k req/s with three in flight against 15.9–28.5k with one, interleaved runs).
 */
const MAX_SYNCS_IN_FLIGHT = 1;

/**
 * The write path: group commit. All appends that arrive within one turn of the event loop are
 * written to the journal as one frame (one `write`); with `fsync` durability the journal is
 * then fdatasynced (on the libuv thread pool, so the event loop keeps reading requests) and the
 * group settles when it returns. Groups become durable in acceptance order, and each is
 * announced once, with its records in seq order.
 */
export class GroupCommit {
  readonly #durability: Durability;
  readonly #journal: Journal;
  readonly #durable: (records: StoredRecord[]) => void;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  /** Turns the scheduled flush has waited for more appends. */
  #deferred = 0;
  /** fdatasyncs in flight, in start order; each covers its own group and every earlier one. */
  #syncs: SyncGroup[] = [];
  #nextSeq: number;

  /**
   * `lastSeq`: the highest seq already used; `durable` is called with each group once it is
   * durable, after its appends are resolved.
   */
  constructor(
    journal: Journal,
    durability: Durability,
    lastSeq: number,
    durable: (records: StoredRecord[]) => void,
  ) {
    this.#journal = journal;
    this.#durability = durability;
    this.#nextSeq = lastSeq + 1;
    this.#durable = durable;
  }

  /** True while appends are queued or a group's fdatasync is in flight. */
  get busy(): boolean {
    return this.#pending.length > 0 || this.#syncs.length > 0;
  }

  append(record: NewRecord): Promise<StoredRecord> {
    return new Promise((resolve, reject) => {
      this.appendWithCallback(record, (error, stored) => (error ? reject(error) : resolve(stored!)));
    });
  }

  /** `append` without a promise: the ingest path's form, one closure per request fewer. */
  appendWithCallback(record: NewRecord, done: AppendCallback): void {
    this.#pending.push({ record, done, stored: null });
    // A burst read in one turn (thousands of pipelined requests) is written in groups of
    // MAX_GROUP as it is read, not in one frame at the end of the turn: the first requests
    // are answered while later ones are still being parsed.
    if (this.#pending.length >= MAX_GROUP) this.#writePending();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Writes what is queued now, without waiting for the end of the turn. */
  flushNow(): void {
    if (this.#pending.length > 0) this.#writePending();
  }

  readonly #flush = (): void => {
    // Under load each turn of the event loop reads a few requests; waiting a turn or two more (a
    // poll that does not block, since an immediate is pending) lets the next ones share this
    // group's write instead of paying for their own.
    if (this.#durability === 'os' && this.#pending.length < GATHER_UP_TO && this.#deferred < GATHER_TURNS) {
      this.#deferred++;
      setImmediate(this.#flush);
      return;
    }
    this.#deferred = 0;
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
    const records: StoredRecord[] = new Array(batch.length);
    const firstSeq = this.#nextSeq;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i].record;
      const seq = firstSeq + i;
      const stored: StoredRecord = {
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
      batch[i].stored = stored;
      records[i] = stored;
    }
    try {
      this.#journal.write(records);
    } catch (error) {
      for (const item of batch) item.done(error as Error, null);
      return;
    }
    this.#nextSeq = firstSeq + batch.length;
    if (this.#durability === 'os') {
      this.#settle(batch);
      return;
    }
    this.#startSync(batch);
  }

  /** Starts the fdatasync that makes `items` (just written) durable; a slot is free (see writePending). */
  #startSync(items: PendingAppend[]): void {
    const sync: SyncGroup = { items, done: false, error: null };
    this.#syncs.push(sync);
    this.#journal.sync((error) => {
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
      for (const item of failed.items) item.done(failed.error, null);
    }
  }

  #settle(group: PendingAppend[]): void {
    const records: StoredRecord[] = new Array(group.length);
    for (let i = 0; i < group.length; i++) {
      const item = group[i];
      const stored = item.stored!;
      records[i] = stored;
      item.done(null, stored);
    }
    this.#durable(records);
  }
}
