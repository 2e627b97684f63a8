import type Database from 'better-sqlite3';
import type { StoredRecord } from '../../record.js';
import type { Journal } from '../journal/journal.js';
import type { Depth, LaneSpec } from '../store.js';
import { advanceWatermark, type LaneState } from './lane-state.js';

/**
 * Durable records kept in memory for reads: at least the last RING_SIZE, at most twice that.
 * A lane that keeps up reads from here; one further behind reads the journal. Kept small on
 * purpose: every record held here survives the young-generation collections it lives through,
 * and each of those copies it (ingest bench, os, delivery paused, 5 s: GC 1.7 µs per request
 * with 256 against 3.2–4.5 µs with 1,024 to 16,384; bare node:http 1.5 µs).
 */
const RING_SIZE = 256;

/**
 * The read path: each lane's progress through the records. Reads are served from the most
 * recent durable records in memory and from the journal when a lane is further behind;
 * completions move the lane's watermark, which `persist()` writes to SQLite with the seqs done
 * above it.
 */
export class SqliteLanes {
  readonly #db: Database.Database;
  readonly #journal: Journal;
  readonly #lanes = new Map<string, LaneState>();
  readonly #lanesByTarget = new Map<string, LaneState[]>();
  #ring: StoredRecord[] = [];
  /** Highest seq that is durable: reads never go past it. */
  #durableSeq: number;

  constructor(db: Database.Database, journal: Journal, lastSeq: number) {
    this.#db = db;
    this.#journal = journal;
    this.#durableSeq = lastSeq;
  }

  get size(): number {
    return this.#lanes.size;
  }

  has(laneId: string): boolean {
    return this.#lanes.has(laneId);
  }

  /**
   * Loads each lane's cursor and the seqs it finished above it; lanes not listed lose theirs.
   * A new lane starts at the end of the queue: it receives what is accepted from now on.
   */
  load(lanes: readonly LaneSpec[]): void {
    const db = this.#db;
    const known = new Set(lanes.map((l) => l.id));
    for (const row of db.prepare('SELECT lane FROM cursors').all() as Array<{ lane: string }>) {
      if (!known.has(row.lane)) {
        db.prepare('DELETE FROM cursors WHERE lane = ?').run(row.lane);
        db.prepare('DELETE FROM done WHERE lane = ?').run(row.lane);
      }
    }
    const getCursor = db.prepare('SELECT watermark FROM cursors WHERE lane = ?');
    const getDone = db.prepare('SELECT seq FROM done WHERE lane = ? AND seq > ?');
    const loaded: LaneState[] = [];
    for (const spec of lanes) {
      const cursor = getCursor.get(spec.id) as { watermark: number } | undefined;
      const watermark = cursor?.watermark ?? this.#durableSeq;
      if (!cursor) db.prepare('INSERT INTO cursors (lane, watermark) VALUES (?, ?)').run(spec.id, watermark);
      const done = new Set((getDone.all(spec.id, watermark) as Array<{ seq: number }>).map((r) => r.seq));
      const state: LaneState = {
        spec,
        watermark,
        readCursor: watermark,
        out: [],
        outHead: 0,
        completedAhead: new Set(),
        newlyCompleted: [],
        doneBeforeStart: done,
        entries: 0,
        bytes: 0,
        dirty: false,
      };
      loaded.push(state);
      this.#lanes.set(spec.id, state);
      const list = this.#lanesByTarget.get(spec.target) ?? [];
      list.push(state);
      this.#lanesByTarget.set(spec.target, list);
    }
    // Each lane's backlog, from one pass over the journal after the lowest watermark.
    if (loaded.length === 0) return;
    const from = Math.min(...loaded.map((l) => l.watermark));
    this.#journal.scan(from, (record) => {
      const targetLanes = this.#lanesByTarget.get(record.target);
      if (!targetLanes) return true;
      for (const lane of targetLanes) {
        if (record.seq <= lane.watermark || lane.doneBeforeStart.has(record.seq)) continue;
        if (record.onlyLane !== null && record.onlyLane !== lane.spec.id) continue;
        lane.entries++;
        lane.bytes += record.body.length;
      }
      return true;
    });
  }

  /** Takes in a group of records that just became durable, in seq order. */
  recordDurable(records: readonly StoredRecord[]): void {
    const ring = this.#ring;
    for (let i = 0; i < records.length; i++) {
      const stored = records[i];
      ring.push(stored);
      const lanes = this.#lanesByTarget.get(stored.target);
      if (lanes) {
        for (const lane of lanes) {
          if (stored.onlyLane !== null && stored.onlyLane !== lane.spec.id) continue;
          lane.entries++;
          lane.bytes += stored.body.length;
        }
      }
    }
    this.#durableSeq = records[records.length - 1].seq;
    if (ring.length > 2 * RING_SIZE) this.#ring = ring.slice(ring.length - RING_SIZE);
  }

  read(laneId: string, max: number): StoredRecord[] {
    const lane = this.#lanes.get(laneId);
    if (!lane) throw new Error(`unknown lane ${laneId}`);
    const result: StoredRecord[] = [];
    const ring = this.#ring;
    const ringStart = ring.length > 0 ? ring[0].seq : this.#durableSeq + 1;
    if (lane.readCursor + 1 >= ringStart) {
      let i = lane.readCursor + 1 - ringStart;
      while (i < ring.length && result.length < max) {
        const record = ring[i++];
        lane.readCursor = record.seq;
        take(lane, record, result);
      }
    } else {
      const { records, through } = this.#journal.read(lane.readCursor, this.#durableSeq, max, (record) =>
        belongs(lane, record),
      );
      for (const record of records) take(lane, record, result);
      lane.readCursor = Math.max(lane.readCursor, through);
    }
    if (lane.outHead === lane.out.length) advanceWatermark(lane);
    return result;
  }

  complete(laneId: string, record: StoredRecord): void {
    const lane = this.#lanes.get(laneId);
    if (!lane) return;
    lane.entries--;
    lane.bytes -= record.body.length;
    lane.completedAhead.add(record.seq);
    lane.newlyCompleted.push(record.seq);
    advanceWatermark(lane);
  }

  /** Writes the watermarks and done seqs of lanes that moved since the last call, in one transaction. */
  persist(): void {
    const dirty = [...this.#lanes.values()].filter((l) => l.dirty);
    if (dirty.length === 0) return;
    const db = this.#db;
    const setCursor = db.prepare('UPDATE cursors SET watermark = ? WHERE lane = ?');
    const clearDone = db.prepare('DELETE FROM done WHERE lane = ? AND seq <= ?');
    const addDone = db.prepare('INSERT OR IGNORE INTO done (lane, seq) VALUES (?, ?)');
    db.transaction(() => {
      for (const lane of dirty) {
        lane.dirty = false;
        setCursor.run(lane.watermark, lane.spec.id);
        clearDone.run(lane.spec.id, lane.watermark);
        for (const seq of lane.newlyCompleted) if (seq > lane.watermark) addDone.run(lane.spec.id, seq);
        lane.newlyCompleted = [];
      }
    })();
  }

  /** The lowest watermark of all lanes: every record at or below it is done for every lane. */
  lowestWatermark(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.values()) min = Math.min(min, lane.watermark);
    return min;
  }

  depth(laneId: string): Depth {
    const lane = this.#lanes.get(laneId);
    if (!lane || lane.entries <= 0) return { entries: 0, bytes: 0 };
    return { entries: lane.entries, bytes: lane.bytes };
  }

  oldest(laneId: string): number {
    const lane = this.#lanes.get(laneId);
    if (!lane || lane.entries <= 0) return 0;
    const ring = this.#ring;
    if (ring.length > 0 && lane.watermark + 1 >= ring[0].seq) {
      for (let i = lane.watermark + 1 - ring[0].seq; i < ring.length; i++) {
        if (belongs(lane, ring[i])) return ring[i].acceptedAt;
      }
      return 0;
    }
    let oldest = 0;
    this.#journal.scan(lane.watermark, (record) => {
      if (!belongs(lane, record)) return true;
      oldest = record.acceptedAt;
      return false;
    });
    return oldest;
  }
}

function belongs(lane: LaneState, record: StoredRecord): boolean {
  return record.target === lane.spec.target && (record.onlyLane === null || record.onlyLane === lane.spec.id);
}

/** Hands `record` to the lane unless it belongs to another lane or was done before a restart. */
function take(lane: LaneState, record: StoredRecord, result: StoredRecord[]): void {
  if (!belongs(lane, record)) return;
  if (lane.doneBeforeStart.size > 0 && lane.doneBeforeStart.delete(record.seq)) return;
  lane.out.push(record.seq);
  result.push(record);
}
