/** The state of a recorded event: being processed, or processed. */
export type ReplayState = 'claimed' | 'completed';

/**
 * Where replay records live. Every method is atomic on its own: `claim` must return true to
 * exactly one caller per (source, eventId) while the record lives, across processes when the
 * store is shared. Times are milliseconds since the epoch from the recorder's clock (Redis
 * uses its own clock for expiry).
 */
export interface ReplayStore {
  /** Records (source, eventId) as claimed until `now + ttlMs`; false if a live record exists. */
  claim(source: string, eventId: string, ttlMs: number, now: number): Promise<boolean>;
  /** Marks a live record completed; with `ttlMs`, it then lives until `now + ttlMs`. False if no live record. */
  complete(source: string, eventId: string, ttlMs: number | undefined, now: number): Promise<boolean>;
  /** Deletes the record, so that the next delivery of the event is claimed again. */
  release(source: string, eventId: string): Promise<void>;
  /** The state of a live record, or undefined. */
  state(source: string, eventId: string, now: number): Promise<ReplayState | undefined>;
  /** Releases what the store opened itself (a connection or file it was given stays open). */
  close(): Promise<void>;
}
