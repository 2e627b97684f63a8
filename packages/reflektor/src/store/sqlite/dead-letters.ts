import type Database from 'better-sqlite3';
import type { StoredRecord } from '../../record.js';
import { encodeHeaderText } from '../header-text.js';
import type { DeadFilter, DeadInfo, DeadLetter } from '../store.js';
import { type RecordRow, recordFromRow } from './record-row.js';

/** A row of `dead_letters`: why, and the record itself. */
interface DeadRow extends RecordRow {
  lane: string;
  attempts: number;
  reason: string;
  status: number;
  dead_at: number;
}

/**
 * The `dead_letters` table: records a lane gave up on, each with its own copy of the record, so
 * that the journal's segments can go once every lane is past them.
 */
export class SqliteDeadLetters {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR REPLACE INTO dead_letters (lane, seq, attempts, reason, status, dead_at,
         id, target, only_lane, method, url, headers, body, ordering_key, accepted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  add(laneId: string, record: StoredRecord, info: DeadInfo): void {
    this.#insert.run(
      laneId,
      record.seq,
      info.attempts,
      info.reason,
      info.status,
      Date.now(),
      record.id,
      record.target,
      record.onlyLane,
      record.method,
      record.url,
      encodeHeaderText(record.headers),
      record.body,
      record.orderingKey,
      record.acceptedAt,
    );
  }

  /** Matching dead letters in acceptance order. */
  select(filter: DeadFilter): DeadLetter[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.laneId !== undefined) {
      where.push('lane = ?');
      params.push(filter.laneId);
    }
    if (filter.id !== undefined) {
      where.push('id = ?');
      params.push(filter.id);
    }
    params.push(filter.limit ?? -1);
    const rows = this.#db
      .prepare(
        `SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq, lane LIMIT ?`,
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
    const del = this.#db.prepare('DELETE FROM dead_letters WHERE lane = ? AND seq = ?');
    this.#db.transaction(() => {
      for (const letter of letters) del.run(letter.laneId, letter.record.seq);
    })();
  }
}
