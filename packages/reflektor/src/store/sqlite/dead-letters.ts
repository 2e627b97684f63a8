import type Database from 'better-sqlite3';
import type { DeadFilter, DeadInfo, DeadLetter } from '../store.js';
import { type RecordRow, recordFromRow } from './record-row.js';

/** A row of `dead` joined with its record. */
interface DeadRow extends RecordRow {
  lane: string;
  attempts: number;
  reason: string;
  status: number;
  dead_at: number;
}

/** The `dead` table: records a lane gave up on. The record itself stays in `records` while listed. */
export class SqliteDeadLetters {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  add(laneId: string, seq: number, info: DeadInfo): void {
    this.#db
      .prepare(
        'INSERT OR REPLACE INTO dead (lane, seq, attempts, reason, status, dead_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(laneId, seq, info.attempts, info.reason, info.status, Date.now());
  }

  /** Matching dead letters in acceptance order. */
  select(filter: DeadFilter): DeadLetter[] {
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
    const rows = this.#db
      .prepare(
        `SELECT d.lane, d.attempts, d.reason, d.status, d.dead_at, r.* FROM dead d JOIN records r ON r.seq = d.seq
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.seq LIMIT ?`,
      )
      .all(...params) as DeadRow[];
    return rows.map((row) => ({
      laneId: row.lane,
      attempts: row.attempts,
      reason: row.reason,
      status: row.status,
      deadAt: row.dead_at,
      record: recordFromRow(row),
    }));
  }

  /** Removes these dead letters in one transaction. */
  remove(letters: readonly DeadLetter[]): void {
    const del = this.#db.prepare('DELETE FROM dead WHERE lane = ? AND seq = ?');
    this.#db.transaction(() => {
      for (const letter of letters) del.run(letter.laneId, letter.record.seq);
    })();
  }
}
