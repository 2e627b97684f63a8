import type { NewRecord, StoredRecord } from '../record.js';

/** One independent delivery sequence: a host of a broadcast target, or a whole balanced target. */
export interface LaneSpec {
  id: string;
  target: string;
}

/** Why a record left its lane without being delivered. */
export interface DeadInfo {
  attempts: number;
  reason: string;
  /** Last HTTP status seen, 0 when there was none (connection error, timeout, expiry). */
  status: number;
}

/** A request a lane gave up on, with the stored request itself. */
export interface DeadLetter extends DeadInfo {
  laneId: string;
  deadAt: number;
  record: StoredRecord;
}

/** Which dead letters an admin call applies to; every given field must match. */
export interface DeadFilter {
  laneId?: string;
  id?: string;
  limit?: number;
}

/** A lane's backlog: requests not yet delivered or dead, and their body bytes. */
export interface Depth {
  entries: number;
  bytes: number;
}

/**
 * The durable queue behind reflektor. Records are appended once and read by every lane of
 * their target in acceptance order; progress is kept per lane.
 */
export interface QueueStore {
  readonly kind: string;
  /** Opens the store for these lanes; lanes not listed lose their progress. */
  open(lanes: readonly LaneSpec[]): Promise<void>;
  /** Resolves once the record is durable (per the store's durability setting). */
  append(record: NewRecord): Promise<StoredRecord>;
  /**
   * `append` with a callback instead of a promise, where the store has it: told `(null, stored)`
   * once durable or `(error, null)`; the callback must not throw. The ingest path uses it.
   */
  appendWithCallback?(
    record: NewRecord,
    done: (error: Error | null, stored: StoredRecord | null) => void,
  ): void;
  /** Called with records once they are durable, in acceptance order. */
  onDurable(listener: (records: readonly StoredRecord[]) => void): void;
  /**
   * Hands out up to `max` records of the lane not yet handed out since open, in acceptance
   * order; fewer (or none) when caught up.
   */
  read(laneId: string, max: number): Promise<StoredRecord[]>;
  /** Marks a record delivered for the lane. Persisted lazily: after a crash it may be sent again. */
  complete(laneId: string, record: StoredRecord): void;
  /** Moves a record to the lane's dead letters (durably) and counts it as done for the lane. */
  deadLetter(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void>;
  listDead(filter: DeadFilter): Promise<DeadLetter[]>;
  /** Queues matching dead letters again for their lane (durably) and removes them from the list. */
  replayDead(filter: DeadFilter): Promise<number>;
  deleteDead(filter: DeadFilter): Promise<number>;
  /** Records (and body bytes) of the lane not yet delivered or dead; cheap, from memory. */
  depth(laneId: string): Depth;
  /** acceptedAt of the lane's oldest undelivered record, or 0 when it has none. */
  oldest(laneId: string): Promise<number>;
  /** Removes records every lane is done with. Returns how many were removed. */
  compact(): Promise<number>;
  close(): Promise<void>;
}
