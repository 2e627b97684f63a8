import type Database from 'better-sqlite3';
import type { StoredRecord } from '../../record.js';
import type { Journal } from '../journal/journal.js';
import { type RecordRow, recordFromRow } from './record-row.js';

const FRAME_RECORDS = 256;

/**
 * Brings a queue written by a version before the journal up to date, once, at open:
 *
 * 1. dead letters (`dead`, which pointed into `records`) get their own copy of the record in
 *    `dead_letters`, and `dead` is dropped, in one transaction;
 * 2. the rows of `records` that the journal does not hold yet are written to it, in seq order,
 *    and synced; only then is `records` emptied. A crash in between leaves rows the journal
 *    already holds, which the next open skips.
 *
 * Returns how many records moved to the journal.
 */
export function migrateLegacyQueue(db: Database.Database, journal: Journal): number {
  const hasDead = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dead'").get();
  if (hasDead) {
    db.transaction(() => {
      db.exec(`
        INSERT OR REPLACE INTO dead_letters (lane, seq, attempts, reason, status, dead_at,
          id, target, only_lane, method, url, headers, body, ordering_key, accepted_at)
        SELECT d.lane, d.seq, d.attempts, d.reason, d.status, d.dead_at,
          r.id, r.target, r.only_lane, r.method, r.url, r.headers, r.body, r.ordering_key, r.accepted_at
        FROM dead d JOIN records r ON r.seq = d.seq;
        DROP TABLE dead;
      `);
    })();
  }
  const first = db.prepare('SELECT seq FROM records LIMIT 1').get();
  if (first === undefined) return 0;
  let moved = 0;
  let frame: StoredRecord[] = [];
  const flush = (): void => {
    journal.write(frame);
    moved += frame.length;
    frame = [];
  };
  const rows = db.prepare('SELECT * FROM records WHERE seq > ? ORDER BY seq').iterate(journal.lastSeq);
  for (const row of rows as Iterable<RecordRow>) {
    const record = recordFromRow(row);
    // A frame holds consecutive seqs; compaction left gaps between the rows of earlier versions.
    if (
      frame.length > 0 &&
      (frame.length >= FRAME_RECORDS || record.seq !== frame[frame.length - 1].seq + 1)
    ) {
      flush();
    }
    frame.push(record);
  }
  if (frame.length > 0) flush();
  journal.syncNow();
  db.exec('DELETE FROM records');
  return moved;
}
