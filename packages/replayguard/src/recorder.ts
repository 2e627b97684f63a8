import { MemoryReplayStore } from './store/memory.js';
import type { ReplayState, ReplayStore } from './store/store.js';

/** Default lifetime of a record: 3 days, the longest that Stripe keeps retrying an event. */
export const DEFAULT_REPLAY_TTL_MS = 3 * 24 * 60 * 60 * 1000;

/** Options of {@link ReplayRecorder}. */
export interface ReplayRecorderOptions {
  /** Where records live. Default: a {@link MemoryReplayStore} (this process only). */
  store?: ReplayStore;
  /** Lifetime of a record when `claim` gives none, in ms. Default 3 days. */
  defaultTtlMs?: number;
  /** The clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Options of {@link ReplayRecorder.claim}. */
export interface ClaimOptions {
  /** How long the record lives, in ms; while it lives, the same event is a duplicate. */
  ttl?: number;
}

/** Options of {@link ReplayRecorder.complete}. */
export interface CompleteOptions {
  /** A new lifetime from now, in ms. Default: keep the claim's expiry. */
  ttl?: number;
}

const MAX_KEY_LENGTH = 1024;

function checkKey(source: string, eventId: string): void {
  if (typeof source !== 'string' || source === '' || source.length > MAX_KEY_LENGTH) {
    throw new TypeError(`source must be a non-empty string of at most ${MAX_KEY_LENGTH} characters.`);
  }
  if (typeof eventId !== 'string' || eventId === '' || eventId.length > MAX_KEY_LENGTH) {
    throw new TypeError(`eventId must be a non-empty string of at most ${MAX_KEY_LENGTH} characters.`);
  }
}

function checkTtl(ttl: number): number {
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw new TypeError(`ttl must be a positive number of ms, got ${ttl}.`);
  return Math.ceil(ttl);
}

/**
 * Records which events were seen so that each is processed once. The usual flow:
 * `if (await claim(source, id)) { try { process(); await complete(source, id) } catch { await release(source, id) } }`
 * so a failed handler lets the provider's retry through.
 */
export class ReplayRecorder {
  readonly #store: ReplayStore;
  readonly #defaultTtlMs: number;
  readonly #now: () => number;

  constructor(options: ReplayRecorderOptions = {}) {
    this.#store = options.store ?? new MemoryReplayStore();
    this.#defaultTtlMs = checkTtl(options.defaultTtlMs ?? DEFAULT_REPLAY_TTL_MS);
    this.#now = options.now ?? Date.now;
  }

  /**
   * True exactly once per (source, eventId) while its record lives: atomic against concurrent
   * duplicates, across processes when the store is shared (SQLite file, Redis, PostgreSQL).
   * After the record expires or is released, the next claim succeeds again.
   * @throws TypeError on an empty or over-long source or id, or a non-positive ttl.
   */
  claim(source: string, eventId: string, options: ClaimOptions = {}): Promise<boolean> {
    checkKey(source, eventId);
    const ttl = options.ttl === undefined ? this.#defaultTtlMs : checkTtl(options.ttl);
    return this.#store.claim(source, eventId, ttl, this.#now());
  }

  /** Marks a claimed event processed (and optionally sets a new lifetime). False if no live record. */
  complete(source: string, eventId: string, options: CompleteOptions = {}): Promise<boolean> {
    checkKey(source, eventId);
    const ttl = options.ttl === undefined ? undefined : checkTtl(options.ttl);
    return this.#store.complete(source, eventId, ttl, this.#now());
  }

  /** Forgets the event, so that its next delivery is claimed and processed again. */
  release(source: string, eventId: string): Promise<void> {
    checkKey(source, eventId);
    return this.#store.release(source, eventId);
  }

  /** `claimed`, `completed`, or undefined when there is no live record. */
  state(source: string, eventId: string): Promise<ReplayState | undefined> {
    checkKey(source, eventId);
    return this.#store.state(source, eventId, this.#now());
  }

  /** Closes the store (connections it opened itself). */
  close(): Promise<void> {
    return this.#store.close();
  }
}
