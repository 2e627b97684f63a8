import type { ReplayState, ReplayStore } from './store.js';

interface MemoryRecord {
  state: ReplayState;
  expiresAt: number;
}

/**
 * Replay records in this process's memory: atomic within one process only, lost on restart.
 * Expired records are swept as new claims arrive.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #records = new Map<string, MemoryRecord>();
  #claimsSinceSweep = 0;

  async claim(source: string, eventId: string, ttlMs: number, now: number): Promise<boolean> {
    const key = `${source}\u0000${eventId}`;
    const existing = this.#records.get(key);
    if (existing !== undefined && existing.expiresAt > now) return false;
    this.#records.set(key, { state: 'claimed', expiresAt: now + ttlMs });
    if (++this.#claimsSinceSweep >= 1024) this.#sweep(now);
    return true;
  }

  async complete(source: string, eventId: string, ttlMs: number | undefined, now: number): Promise<boolean> {
    const record = this.#records.get(`${source}\u0000${eventId}`);
    if (record === undefined || record.expiresAt <= now) return false;
    record.state = 'completed';
    if (ttlMs !== undefined) record.expiresAt = now + ttlMs;
    return true;
  }

  async release(source: string, eventId: string): Promise<void> {
    this.#records.delete(`${source}\u0000${eventId}`);
  }

  async state(source: string, eventId: string, now: number): Promise<ReplayState | undefined> {
    const record = this.#records.get(`${source}\u0000${eventId}`);
    return record !== undefined && record.expiresAt > now ? record.state : undefined;
  }

  async close(): Promise<void> {
    this.#records.clear();
  }

  #sweep(now: number): void {
    this.#claimsSinceSweep = 0;
    for (const [key, record] of this.#records) if (record.expiresAt <= now) this.#records.delete(key);
  }
}
