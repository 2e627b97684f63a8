import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkpointWorkerUrl, loadBetterSqlite3 } from '@backchannel/sqlite';
import type Database from 'better-sqlite3';
import type { NewRecord, StoredRecord } from '../record.js';
import { DirectoryLock } from './dir-lock.js';
import { decodeHeaderText, encodeHeaderText } from './header-text.js';
import type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store.js';

const SqliteDatabase = loadBetterSqlite3();

/** `fsync`: a 202 survives power loss. `os`: a 202 survives a crash of the process, not of the machine. */
export type Durability = 'fsync' | 'os';

export interface SqliteStoreOptions {
  /** Directory holding `reflektor.db` (created if missing). */
  dir: string;
  durability: Durability;
}

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

interface LaneState {
  spec: LaneSpec;
  /** Every record with seq <= watermark is done for this lane. */
  watermark: number;
  /** Highest seq considered by read(). */
  readCursor: number;
  /** Seqs handed out and not yet passed by the watermark, in order, from `outHead`. */
  out: number[];
  outHead: number;
  completedAhead: Set<number>;
  newlyCompleted: number[];
  /** Records done before a restart, above the persisted watermark: skipped by read(). */
  doneBeforeStart: Set<number>;
  entries: number;
  bytes: number;
  dirty: boolean;
}

interface RecordRow {
  seq: number;
  id: string;
  target: string;
  only_lane: string | null;
  method: string;
  url: string;
  headers: string;
  body: Buffer;
  ordering_key: string | null;
  accepted_at: number;
}

interface DeadRow extends RecordRow {
  lane: string;
  attempts: number;
  reason: string;
  status: number;
  dead_at: number;
}

const RING_SIZE = 16384;
const ROWS_PER_INSERT = 32;
/** Appends written in one transaction at most, when they arrive faster than the turn ends (see append). */
const MAX_GROUP = 256;
const PROGRESS_INTERVAL_MS = 100;
/**
 * fdatasyncs of the WAL in flight at once. One: appends that arrive while it runs wait (uncommitted)
 * and are then committed and synced together. Overlapping syncs of the same file were slower on
 * this disk, each waiting on the other's flush (ingest bench, 64 connections: 10.7–23.3k req/s
 * with three in flight against 15.9–28.5k with one, interleaved runs).
 */
const MAX_SYNCS_IN_FLIGHT = 1;
const CHECKPOINT_INTERVAL_MS = 200;

function toStored(row: RecordRow): StoredRecord {
  return {
    seq: row.seq,
    ref: String(row.seq),
    id: row.id,
    target: row.target,
    onlyLane: row.only_lane,
    method: row.method,
    url: row.url,
    headers: decodeHeaderText(row.headers),
    body: row.body,
    orderingKey: row.ordering_key,
    acceptedAt: row.accepted_at,
  };
}

/**
 * SQLite queue in WAL mode with group commit: all appends that arrive within one turn of the
 * event loop are written in one transaction.
 *
 * Durability: the database runs with `synchronous=NORMAL`, where SQLite itself syncs the WAL
 * before every checkpoint and the database file after it, but not on commit. With
 * `durability: 'fsync'` the store then calls `fdatasync` on the WAL file after each group's
 * commit (on the libuv thread pool, so the event loop keeps reading requests) and resolves
 * the appends only when it returns. That is what `synchronous=FULL` does on commit, shared by
 * the whole group; the WAL file and its directory entry are synced once at open.
 */
export class SqliteStore implements QueueStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly durability: Durability;
  private readonly walFd: number;
  private readonly inserts: Database.Statement[] = [];
  private readonly insertMany: (batch: PendingAppend[]) => void;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  /** fdatasyncs in flight, in start order; each covers its own group and every earlier one. */
  private syncs: SyncGroup[] = [];
  private nextSeq: number;
  private durableSeq: number;
  private ring: StoredRecord[] = [];
  private readonly lanes = new Map<string, LaneState>();
  private readonly lanesByTarget = new Map<string, LaneState[]>();
  private listeners: Array<(records: readonly StoredRecord[]) => void> = [];
  private progressTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly checkpointer: Worker;
  private readonly lock: DirectoryLock;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.lock = new DirectoryLock(options.dir);
    try {
      const file = join(options.dir, 'reflektor.db');
      this.durability = options.durability;
      this.db = new SqliteDatabase(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Checkpoints run on a worker thread (@backchannel/sqlite), never inside an ingest commit.
      this.db.pragma('wal_autocheckpoint = 0');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS records (
          seq INTEGER PRIMARY KEY, id TEXT NOT NULL, target TEXT NOT NULL, only_lane TEXT,
          method TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
          ordering_key TEXT, accepted_at INTEGER NOT NULL);
        DROP INDEX IF EXISTS records_target_seq;
        CREATE TABLE IF NOT EXISTS cursors (lane TEXT PRIMARY KEY, watermark INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS done (lane TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (lane, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS dead (
          lane TEXT NOT NULL, seq INTEGER NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL,
          status INTEGER NOT NULL, dead_at INTEGER NOT NULL, PRIMARY KEY (lane, seq)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dead_seq ON dead (seq);
      `);
      // The WAL file exists once the connection has written; sync it and its directory entry once.
      this.walFd = openSync(`${file}-wal`, 'r+');
      fsyncSync(this.walFd);
      const dirFd = openSync(options.dir, 'r');
      fsyncSync(dirFd);
      closeSync(dirFd);
      this.checkpointer = new Worker(checkpointWorkerUrl, {
        workerData: { path: file, intervalMs: CHECKPOINT_INTERVAL_MS },
      });
      this.checkpointer.unref();
      // Compaction deletes records every lane has passed, so the records table alone can be
      // empty while cursors still point past its seqs: continue after the highest seq anything
      // remembers, or new records would get seqs the lanes think they are done with.
      const last = this.db
        .prepare(
          `SELECT MAX(seq) AS seq FROM (
             SELECT MAX(seq) AS seq FROM records UNION ALL SELECT MAX(watermark) FROM cursors
             UNION ALL SELECT MAX(seq) FROM done UNION ALL SELECT MAX(seq) FROM dead)`,
        )
        .get() as { seq: number | null };
      this.nextSeq = (last.seq ?? 0) + 1;
      this.durableSeq = this.nextSeq - 1;
      this.insertMany = this.db.transaction((batch: PendingAppend[]) => {
        // Multi-row INSERTs of up to ROWS_PER_INSERT rows: one statement step per chunk.
        for (let start = 0; start < batch.length; start += ROWS_PER_INSERT) {
          const rows = Math.min(ROWS_PER_INSERT, batch.length - start);
          const params: unknown[] = new Array(rows * 10);
          for (let i = 0; i < rows; i++) {
            const item = batch[start + i];
            const r = item.record;
            const seq = this.nextSeq++;
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
          this.insertStatement(rows).run(params);
        }
      });
    } catch (error) {
      this.lock.release();
      throw error;
    }
  }

  private insertStatement(rows: number): Database.Statement {
    let statement = this.inserts[rows];
    if (statement === undefined) {
      const values = new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.db.prepare(
        `INSERT INTO records (seq, id, target, only_lane, method, url, headers, body, ordering_key, accepted_at) VALUES ${values}`,
      );
      this.inserts[rows] = statement;
    }
    return statement;
  }

  async open(lanes: readonly LaneSpec[]): Promise<void> {
    const known = new Set(lanes.map((l) => l.id));
    for (const row of this.db.prepare('SELECT lane FROM cursors').all() as Array<{ lane: string }>) {
      if (!known.has(row.lane)) {
        this.db.prepare('DELETE FROM cursors WHERE lane = ?').run(row.lane);
        this.db.prepare('DELETE FROM done WHERE lane = ?').run(row.lane);
      }
    }
    const getCursor = this.db.prepare('SELECT watermark FROM cursors WHERE lane = ?');
    const getDone = this.db.prepare('SELECT seq FROM done WHERE lane = ? AND seq > ?');
    const count = this.db.prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(length(body)), 0) AS b FROM records
       WHERE target = ? AND seq > ? AND (only_lane IS NULL OR only_lane = ?)`,
    );
    for (const spec of lanes) {
      const cursor = getCursor.get(spec.id) as { watermark: number } | undefined;
      // A new lane starts at the end of the queue: it receives what is accepted from now on.
      const watermark = cursor?.watermark ?? this.durableSeq;
      if (!cursor)
        this.db.prepare('INSERT INTO cursors (lane, watermark) VALUES (?, ?)').run(spec.id, watermark);
      const done = new Set((getDone.all(spec.id, watermark) as Array<{ seq: number }>).map((r) => r.seq));
      const totals = count.get(spec.target, watermark, spec.id) as { n: number; b: number };
      const state: LaneState = {
        spec,
        watermark,
        readCursor: watermark,
        out: [],
        outHead: 0,
        completedAhead: new Set(),
        newlyCompleted: [],
        doneBeforeStart: done,
        entries: Math.max(0, totals.n - done.size),
        bytes: totals.b,
        dirty: false,
      };
      this.lanes.set(spec.id, state);
      const list = this.lanesByTarget.get(spec.target) ?? [];
      list.push(state);
      this.lanesByTarget.set(spec.target, list);
    }
    this.progressTimer = setInterval(() => this.flushProgress(), PROGRESS_INTERVAL_MS);
    this.progressTimer.unref();
  }

  append(record: NewRecord): Promise<StoredRecord> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject, stored: null });
      // A burst read in one turn (thousands of pipelined requests) is written in groups of
      // MAX_GROUP as it is read, not in one transaction at the end of the turn: the first
      // requests are answered while later ones are still being parsed.
      if (this.pending.length >= MAX_GROUP) this.writePending();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  onDurable(listener: (records: readonly StoredRecord[]) => void): void {
    this.listeners.push(listener);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    this.writePending();
  };

  private writePending(): void {
    // With fsync durability, appends that arrive while the fdatasyncs in flight run wait for one
    // of them to return and are then written in one transaction and synced together: fewer,
    // larger groups, and no commit whose sync could not start yet anyway.
    if (this.durability === 'fsync' && this.syncs.length >= MAX_SYNCS_IN_FLIGHT) return;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.insertMany(batch);
    } catch (error) {
      for (const item of batch) item.reject(error as Error);
      return;
    }
    if (this.durability === 'os') {
      this.settle(batch);
      return;
    }
    this.startSync(batch);
  }

  /** Starts the fdatasync that makes `items` (just committed) durable; a slot is free (see flush). */
  private startSync(items: PendingAppend[]): void {
    const sync: SyncGroup = { items, done: false, error: null };
    this.syncs.push(sync);
    fdatasync(this.walFd, (error) => {
      sync.done = true;
      sync.error = error;
      this.finishSyncs();
      // The next group is written at the end of this event-loop turn, not now: requests whose
      // bytes arrived during the sync are read later in this same turn and join it.
      if (this.pending.length > 0 && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /**
   * Settles groups in acceptance order. A successful fdatasync also covers every group whose
   * sync started before it (their writes came first), so those settle with it; a failed one
   * rejects its own group only.
   */
  private finishSyncs(): void {
    let covered = -1;
    for (let i = this.syncs.length - 1; i >= 0; i--) {
      if (this.syncs[i].done && this.syncs[i].error === null) {
        covered = i;
        break;
      }
    }
    for (let i = 0; i <= covered; i++) this.settle(this.syncs[i].items);
    this.syncs = this.syncs.slice(covered + 1);
    while (this.syncs.length > 0 && this.syncs[0].done) {
      const failed = this.syncs.shift()!;
      for (const item of failed.items) item.reject(failed.error!);
    }
  }

  private settle(group: PendingAppend[]): void {
    const records: StoredRecord[] = new Array(group.length);
    for (let i = 0; i < group.length; i++) {
      const stored = group[i].stored!;
      records[i] = stored;
      this.ring.push(stored);
      const lanes = this.lanesByTarget.get(stored.target);
      if (lanes) {
        for (const lane of lanes) {
          if (stored.onlyLane !== null && stored.onlyLane !== lane.spec.id) continue;
          lane.entries++;
          lane.bytes += stored.body.length;
        }
      }
    }
    this.durableSeq = records[records.length - 1].seq;
    if (this.ring.length > 2 * RING_SIZE) this.ring = this.ring.slice(this.ring.length - RING_SIZE);
    for (const item of group) item.resolve(item.stored!);
    for (const listener of this.listeners) listener(records);
  }

  async read(laneId: string, max: number): Promise<StoredRecord[]> {
    const lane = this.lanes.get(laneId);
    if (!lane) throw new Error(`unknown lane ${laneId}`);
    const result: StoredRecord[] = [];
    const ringStart = this.ring.length > 0 ? this.ring[0].seq : this.durableSeq + 1;
    if (lane.readCursor + 1 >= ringStart) {
      let i = lane.readCursor + 1 - ringStart;
      while (i < this.ring.length && result.length < max) {
        const record = this.ring[i++];
        lane.readCursor = record.seq;
        this.take(lane, record, result);
      }
    } else {
      const rows = this.db
        .prepare(
          `SELECT * FROM records WHERE target = ? AND seq > ? AND seq <= ? AND (only_lane IS NULL OR only_lane = ?)
           ORDER BY seq LIMIT ?`,
        )
        .all(lane.spec.target, lane.readCursor, this.durableSeq, lane.spec.id, max) as RecordRow[];
      for (const row of rows) this.take(lane, toStored(row), result);
      lane.readCursor =
        rows.length === max ? rows[rows.length - 1].seq : Math.max(lane.readCursor, this.durableSeq);
    }
    if (lane.outHead === lane.out.length) this.advance(lane);
    return result;
  }

  private take(lane: LaneState, record: StoredRecord, result: StoredRecord[]): void {
    if (record.target !== lane.spec.target) return;
    if (record.onlyLane !== null && record.onlyLane !== lane.spec.id) return;
    if (lane.doneBeforeStart.size > 0 && lane.doneBeforeStart.delete(record.seq)) return;
    lane.out.push(record.seq);
    result.push(record);
  }

  complete(laneId: string, record: StoredRecord): void {
    const lane = this.lanes.get(laneId);
    if (!lane) return;
    lane.entries--;
    lane.bytes -= record.body.length;
    lane.completedAhead.add(record.seq);
    lane.newlyCompleted.push(record.seq);
    this.advance(lane);
  }

  private advance(lane: LaneState): void {
    const out = lane.out;
    let head = lane.outHead;
    while (head < out.length && lane.completedAhead.delete(out[head])) {
      lane.watermark = out[head];
      head++;
    }
    if (head === out.length) {
      lane.out = [];
      lane.outHead = 0;
      if (lane.readCursor > lane.watermark) lane.watermark = lane.readCursor;
    } else if (head > 4096 && head * 2 > out.length) {
      lane.out = out.slice(head);
      lane.outHead = 0;
    } else {
      lane.outHead = head;
    }
    lane.dirty = true;
  }

  private flushProgress(): void {
    if (this.closed) return;
    const dirty = [...this.lanes.values()].filter((l) => l.dirty);
    if (dirty.length === 0) return;
    const setCursor = this.db.prepare('UPDATE cursors SET watermark = ? WHERE lane = ?');
    const clearDone = this.db.prepare('DELETE FROM done WHERE lane = ? AND seq <= ?');
    const addDone = this.db.prepare('INSERT OR IGNORE INTO done (lane, seq) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const lane of dirty) {
        lane.dirty = false;
        setCursor.run(lane.watermark, lane.spec.id);
        clearDone.run(lane.spec.id, lane.watermark);
        for (const seq of lane.newlyCompleted) if (seq > lane.watermark) addDone.run(lane.spec.id, seq);
        lane.newlyCompleted = [];
      }
    })();
  }

  async deadLetter(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO dead (lane, seq, attempts, reason, status, dead_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(laneId, record.seq, info.attempts, info.reason, info.status, Date.now());
    this.complete(laneId, record);
  }

  private selectDead(filter: DeadFilter): DeadRow[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.laneId !== undefined) {
      where.push('d.lane = ?');
      params.push(filter.laneId);
    }
    if (filter.id !== undefined) {
      where.push('r.id = ?');
      params.push(filter.id);
    }
    params.push(filter.limit ?? -1);
    return this.db
      .prepare(
        `SELECT d.lane, d.attempts, d.reason, d.status, d.dead_at, r.* FROM dead d JOIN records r ON r.seq = d.seq
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq LIMIT ?`,
      )
      .all(...params) as DeadRow[];
  }

  async listDead(filter: DeadFilter): Promise<DeadLetter[]> {
    return this.selectDead(filter).map((row) => ({
      laneId: row.lane,
      attempts: row.attempts,
      reason: row.reason,
      status: row.status,
      deadAt: row.dead_at,
      record: toStored(row),
    }));
  }

  async replayDead(filter: DeadFilter): Promise<number> {
    const rows = this.selectDead(filter).filter((row) => this.lanes.has(row.lane));
    // Queue the copies durably first, then drop the dead letters: a crash in between replays twice, never zero times.
    await Promise.all(
      rows.map((row) => {
        const r = toStored(row);
        return this.append({ ...r, onlyLane: row.lane });
      }),
    );
    const del = this.db.prepare('DELETE FROM dead WHERE lane = ? AND seq = ?');
    this.db.transaction(() => {
      for (const row of rows) del.run(row.lane, row.seq);
    })();
    return rows.length;
  }

  async deleteDead(filter: DeadFilter): Promise<number> {
    const rows = this.selectDead(filter);
    const del = this.db.prepare('DELETE FROM dead WHERE lane = ? AND seq = ?');
    this.db.transaction(() => {
      for (const row of rows) del.run(row.lane, row.seq);
    })();
    return rows.length;
  }

  depth(laneId: string): Depth {
    const lane = this.lanes.get(laneId);
    if (!lane || lane.entries <= 0) return { entries: 0, bytes: 0 };
    return { entries: lane.entries, bytes: lane.bytes };
  }

  async oldest(laneId: string): Promise<number> {
    const lane = this.lanes.get(laneId);
    if (!lane || lane.entries <= 0) return 0;
    const row = this.db
      .prepare(
        `SELECT accepted_at FROM records WHERE target = ? AND seq > ? AND (only_lane IS NULL OR only_lane = ?)
         ORDER BY seq LIMIT 1`,
      )
      .get(lane.spec.target, lane.watermark, lane.spec.id) as { accepted_at: number } | undefined;
    return row?.accepted_at ?? 0;
  }

  async compact(): Promise<number> {
    if (this.lanes.size === 0) return 0;
    this.flushProgress();
    let min = Number.POSITIVE_INFINITY;
    for (const lane of this.lanes.values()) min = Math.min(min, lane.watermark);
    // Bounded chunks, with a turn of the event loop between them, keep each pause short.
    const remove = this.db.prepare(
      `DELETE FROM records WHERE seq IN (SELECT seq FROM records r WHERE seq <= ?
         AND NOT EXISTS (SELECT 1 FROM dead WHERE dead.seq = r.seq) ORDER BY seq LIMIT 1000)`,
    );
    let removed = 0;
    for (let chunk = 0; chunk < 20 && !this.closed; chunk++) {
      const changes = remove.run(min).changes;
      removed += changes;
      if (changes < 1000) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) this.flush();
    while (this.syncs.length > 0 || this.pending.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.flushProgress();
    this.closed = true;
    if (this.progressTimer) clearInterval(this.progressTimer);
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.checkpointer.once('message', done);
      this.checkpointer.once('error', done);
      this.checkpointer.once('exit', done);
      this.checkpointer.postMessage('stop');
    });
    await this.checkpointer.terminate();
    closeSync(this.walFd);
    this.db.close();
    this.lock.release();
  }
}
