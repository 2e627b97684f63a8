import { closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkpointWorkerUrl } from '@backchannel/sqlite';
import type Database from 'better-sqlite3';
import type { NewRecord, StoredRecord } from '../record.js';
import { DirectoryLock } from './dir-lock.js';
import { compactRecords } from './sqlite/compaction.js';
import { SqliteDeadLetters } from './sqlite/dead-letters.js';
import { type Durability, GroupCommit } from './sqlite/group-commit.js';
import { SqliteLanes } from './sqlite/lanes.js';
import { lastRememberedSeq, openQueueDatabase, openSyncedWal } from './sqlite/schema.js';
import type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store.js';

export type { Durability } from './sqlite/group-commit.js';

export interface SqliteStoreOptions {
  /** Directory holding `reflektor.db` (created if missing). */
  dir: string;
  durability: Durability;
}

const PROGRESS_INTERVAL_MS = 100;
const CHECKPOINT_INTERVAL_MS = 200;

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
 *
 * The parts, in `store/sqlite/`: `group-commit.ts` (the write path), `lanes.ts` (reads,
 * completions and watermarks), `dead-letters.ts`, `compaction.ts`, `schema.ts`.
 */
export class SqliteStore implements QueueStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #walFd: number;
  readonly #commits: GroupCommit;
  readonly #lanes: SqliteLanes;
  readonly #dead: SqliteDeadLetters;
  #listeners: Array<(records: readonly StoredRecord[]) => void> = [];
  #progressTimer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #checkpointer: Worker;
  readonly #lock: DirectoryLock;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.#lock = new DirectoryLock(options.dir);
    try {
      const file = join(options.dir, 'reflektor.db');
      this.#db = openQueueDatabase(file);
      this.#walFd = openSyncedWal(file, options.dir);
      // Checkpoints run on a worker thread (@backchannel/sqlite), never inside an ingest commit.
      this.#checkpointer = new Worker(checkpointWorkerUrl, {
        workerData: { path: file, intervalMs: CHECKPOINT_INTERVAL_MS },
      });
      this.#checkpointer.unref();
      const lastSeq = lastRememberedSeq(this.#db);
      this.#lanes = new SqliteLanes(this.#db, lastSeq);
      this.#dead = new SqliteDeadLetters(this.#db);
      this.#commits = new GroupCommit(this.#db, this.#walFd, options.durability, lastSeq, this.#announce);
    } catch (error) {
      this.#lock.release();
      throw error;
    }
  }

  async open(lanes: readonly LaneSpec[]): Promise<void> {
    this.#lanes.load(lanes);
    this.#progressTimer = setInterval(() => this.#persistProgress(), PROGRESS_INTERVAL_MS);
    this.#progressTimer.unref();
  }

  append(record: NewRecord): Promise<StoredRecord> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return this.#commits.append(record);
  }

  onDurable(listener: (records: readonly StoredRecord[]) => void): void {
    this.#listeners.push(listener);
  }

  readonly #announce = (records: StoredRecord[]): void => {
    this.#lanes.recordDurable(records);
    for (const listener of this.#listeners) listener(records);
  };

  async read(laneId: string, max: number): Promise<StoredRecord[]> {
    return this.#lanes.read(laneId, max);
  }

  complete(laneId: string, record: StoredRecord): void {
    this.#lanes.complete(laneId, record);
  }

  #persistProgress(): void {
    if (this.#closed) return;
    this.#lanes.persist();
  }

  async deadLetter(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void> {
    this.#dead.add(laneId, record.seq, info);
    this.#lanes.complete(laneId, record);
  }

  async listDead(filter: DeadFilter): Promise<DeadLetter[]> {
    return this.#dead.select(filter);
  }

  async replayDead(filter: DeadFilter): Promise<number> {
    const letters = this.#dead.select(filter).filter((letter) => this.#lanes.has(letter.laneId));
    // Queue the copies durably first, then drop the dead letters: a crash in between replays twice, never zero times.
    await Promise.all(letters.map((letter) => this.append({ ...letter.record, onlyLane: letter.laneId })));
    this.#dead.remove(letters);
    return letters.length;
  }

  async deleteDead(filter: DeadFilter): Promise<number> {
    const letters = this.#dead.select(filter);
    this.#dead.remove(letters);
    return letters.length;
  }

  depth(laneId: string): Depth {
    return this.#lanes.depth(laneId);
  }

  async oldest(laneId: string): Promise<number> {
    return this.#lanes.oldest(laneId);
  }

  async compact(): Promise<number> {
    if (this.#lanes.size === 0) return 0;
    this.#persistProgress();
    return compactRecords(this.#db, this.#lanes.lowestWatermark(), () => this.#closed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#commits.flushNow();
    while (this.#commits.busy) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.#persistProgress();
    this.#closed = true;
    if (this.#progressTimer) clearInterval(this.#progressTimer);
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.#checkpointer.once('message', done);
      this.#checkpointer.once('error', done);
      this.#checkpointer.once('exit', done);
      this.#checkpointer.postMessage('stop');
    });
    await this.#checkpointer.terminate();
    closeSync(this.#walFd);
    this.#db.close();
    this.#lock.release();
  }
}
