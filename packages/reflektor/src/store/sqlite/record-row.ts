import type { StoredRecord } from '../../record.js';
import { decodeHeaderText } from '../header-text.js';

/** A row of the `records` table. */
export interface RecordRow {
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

export function recordFromRow(row: RecordRow): StoredRecord {
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
