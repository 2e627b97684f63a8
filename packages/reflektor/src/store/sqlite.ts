import { closeSync, fdatasync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkpointWorkerUrl } from '@backchannel/sqlite';
import type Database from 'better-sqlite3';
import type { NewRecord, StoredRecord } from '../record.js';
import { DirectoryLock } from './dir-lock.js';
import { type AppendCallback, type Durability, GroupCommit } from './journal/group-commit.js';
import { Journal } from './journal/journal.js';
import { SqliteDeadLetters } from './sqlite/dead-letters.js';
import { SqliteLanes } from './sqlite/lanes.js';
import { migrateLegacyQueue } from './sqlite/legacy.js';
import { lastRememberedSeq, openQueueDatabase, openSyncedWal } from './sqlite/schema.js';
import type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store.js';

export type { Durability } from './journal/group-commit.js';

export interface SqliteStoreOptions {
  /** Directory holding `reflektor.db` and the `journal/` of segment files (created if missing). */
  dir: string;
  durability: Durability;
  /** Size at which a journal segment is sealed and a new one started. Default 32 MiB. */
  segmentBytes?: number;
}

const PROGRESS_INTERVAL_MS = 100;
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * The embedded queue: accepted records go to an append-only journal (segment files under
 * `journal/`), one frame and one `write` per group of appends that arrive within one turn of
 * the event loop; each lane's progress and the dead letters live in SQLite (`reflektor.db`, WAL
 * mode), written off the ingest path.
 *
 * Durability: with `durability: 'fsync'` each group's frame is fdatasynced (on the libuv
 * thread pool, so the event loop keeps reading requests) before its appends resolve, and the
 * journal's directory with it when a segment was created; with `'os'` the frame is written to
 * the file (a crash of the process loses nothing, a crash of the machine may). Progress is
 * saved every 100 ms, so a crash may send a record again, never lose one. Dead letters are
 * fdatasynced before `deadLetter` resolves under `fsync`.
 *
 * Segments are deleted whole once every lane is past their last record (compaction); a segment
 * is sealed at `segmentBytes`, or early when everything in it is done.
 *
 * The parts: `journal/` (frames, segments, group commit), `sqlite/` (`lanes.ts`: reads,
 * completions and watermarks; `dead-letters.ts`; `schema.ts`; `legacy.ts`: queues written
 * before the journal).
 */
export class SqliteStore implements QueueStore {
  readonly kind = 'sqlite';
  /** What opening the queue had to repair or move (a journal frame cut short by a crash, records of an earlier version), for the log. */
  readonly repairs: string[] = [];
  readonly #db: Database.Database;
  readonly #walFd: number;
  readonly #durability: Durability;
  readonly #journal: Journal;
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
    let db: Database.Database | undefined;
    let journal: Journal | undefined;
    let walFd = -1;
    try {
      const file = join(options.dir, 'reflektor.db');
      db = openQueueDatabase(file);
      this.#db = db;
      walFd = openSyncedWal(file, options.dir);
      this.#walFd = walFd;
      this.#durability = options.durability;
      journal = new Journal({
        dir: join(options.dir, 'journal'),
        syncDirectory: options.durability === 'fsync',
        segmentBytes: options.segmentBytes,
      });
      this.#journal = journal;
      this.repairs = [...this.#journal.repairs];
      const moved = migrateLegacyQueue(this.#db, this.#journal);
      if (moved > 0) this.repairs.push(`moved ${moved} queued records from reflektor.db into the journal`);
      const lastSeq = Math.max(lastRememberedSeq(this.#db), this.#journal.lastSeq);
      this.#journal.continueAfter(lastSeq);
      // Checkpoints run on a worker thread (@backchannel/sqlite), never inside a progress write.
      this.#checkpointer = new Worker(checkpointWorkerUrl, {
        workerData: { path: file, intervalMs: CHECKPOINT_INTERVAL_MS },
      });
      this.#checkpointer.unref();
      this.#lanes = new SqliteLanes(this.#db, this.#journal, lastSeq);
      this.#dead = new SqliteDeadLetters(this.#db);
      this.#commits = new GroupCommit(this.#journal, options.durability, lastSeq, this.#announce);
    } catch (error) {
      journal?.close();
      if (walFd >= 0) closeSync(walFd);
      db?.close();
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

  appendWithCallback(record: NewRecord, done: AppendCallback): void {
    if (this.#closed) done(new Error('store is closed'), null);
    else this.#commits.appendWithCallback(record, done);
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
    this.#dead.add(laneId, record, info);
    // The lane moves past the record (and compaction may delete its segment) only once the copy is durable.
    if (this.#durability === 'fsync') {
      await new Promise<void>((resolve, reject) =>
        fdatasync(this.#walFd, (error) => (error ? reject(error) : resolve())),
      );
    }
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
    return this.#journal.removeThrough(this.#lanes.lowestWatermark());
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
    this.#journal.close();
    this.#db.close();
    this.#lock.release();
  }
}
