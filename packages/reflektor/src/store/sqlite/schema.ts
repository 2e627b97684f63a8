import { closeSync, fsyncSync, openSync } from 'node:fs';
import { loadBetterSqlite3 } from '@backchannel/sqlite';
import type Database from 'better-sqlite3';

const SqliteDatabase = loadBetterSqlite3();

/**
 * Opens `file` in WAL mode with `synchronous=NORMAL` and no automatic checkpoints (a worker
 * thread checkpoints, never an ingest commit), and creates the queue's tables:
 *
 * - `cursors`: per lane, the watermark (every seq at or below it is done for the lane);
 * - `done`: per lane, seqs done above its watermark;
 * - `dead_letters`: per lane, the records it gave up on, each with a copy of the record;
 * - `records`: where versions before the journal kept every accepted request; emptied into the
 *   journal at open (see legacy.ts).
 */
export function openQueueDatabase(file: string): Database.Database {
  const db = new SqliteDatabase(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(`
      CREATE TABLE IF NOT EXISTS records (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL, target TEXT NOT NULL, only_lane TEXT,
        method TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
        ordering_key TEXT, accepted_at INTEGER NOT NULL);
      DROP INDEX IF EXISTS records_target_seq;
      CREATE TABLE IF NOT EXISTS cursors (lane TEXT PRIMARY KEY, watermark INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS done (lane TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (lane, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dead_letters (
        lane TEXT NOT NULL, seq INTEGER NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL,
        status INTEGER NOT NULL, dead_at INTEGER NOT NULL,
        id TEXT NOT NULL, target TEXT NOT NULL, only_lane TEXT, method TEXT NOT NULL, url TEXT NOT NULL,
        headers TEXT NOT NULL, body BLOB NOT NULL, ordering_key TEXT, accepted_at INTEGER NOT NULL,
        UNIQUE (lane, seq));
      CREATE INDEX IF NOT EXISTS dead_letters_id ON dead_letters (id);
    `);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Syncs the WAL file and its directory entry once (it exists once the connection has
 * written) and returns the WAL's descriptor for the per-group fdatasync.
 */
export function openSyncedWal(file: string, dir: string): number {
  const walFd = openSync(`${file}-wal`, 'r+');
  fsyncSync(walFd);
  const dirFd = openSync(dir, 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
  return walFd;
}

/**
 * The highest seq anything in the database remembers. Compaction deletes the journal's
 * segments every lane has passed, so the journal alone can be empty while cursors still point
 * past its seqs: new records continue after this one (or the journal's, if higher), or they
 * would get seqs the lanes think they are done with.
 */
export function lastRememberedSeq(db: Database.Database): number {
  const last = db
    .prepare(
      `SELECT MAX(seq) AS seq FROM (
         SELECT MAX(seq) AS seq FROM records UNION ALL SELECT MAX(watermark) FROM cursors
         UNION ALL SELECT MAX(seq) FROM done UNION ALL SELECT MAX(seq) FROM dead_letters)`,
    )
    .get() as { seq: number | null };
  return last.seq ?? 0;
}
