import type { Counter, Histogram } from 'prom-client';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { StoredRecord } from './record.js';
import type { Lane } from './routing.js';
import type { AttemptOutcome, Sender } from './sender.js';
import type { QueueStore } from './store/store.js';

export interface RetryPolicy {
  /** First backoff step in milliseconds; step n waits a random time in [0, min(max, base·2^(n-1))]. */
  baseMs: number;
  maxMs: number;
  /** Give up after this many attempts; 0 means no limit (only maxAgeMs applies). */
  maxAttempts: number;
  /** Give up on a request this long after it was accepted. */
  maxAgeMs: number;
}

export interface LaneRunnerOptions {
  lane: Lane;
  store: QueueStore;
  sender: Sender;
  metrics: Metrics;
  log: Logger;
  /** Requests in flight at once on this lane (across all keys). */
  concurrency: number;
  /** Records read from the store and not yet finished, at most. */
  window: number;
  retry: RetryPolicy;
}

interface HostState {
  origin: string;
  paused: boolean;
  /** Consecutive connection failures; > 0 means the circuit is open or half-open. */
  failures: number;
  ejectedUntil: number;
  probing: boolean;
}

interface KeyChain {
  items: StoredRecord[];
  head: number;
}

/** A host's delivery state, as `/stats` shows it. */
export interface HostStats {
  host: string;
  paused: boolean;
  failures: number;
  ejectedForMs: number;
}

export interface LaneStats {
  lane: string;
  target: string;
  mode: string;
  hosts: HostStats[];
  inFlight: number;
  inMemory: number;
  queued: number;
  queuedBytes: number;
}

/** Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function fullJitter(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

/**
 * Delivers one lane's records: in acceptance order per ordering key, one request per key at a
 * time, up to `concurrency` keys at once. A failing head holds back its own key only. When a
 * host stops answering, its circuit opens: nothing is sent to it until a backoff has passed,
 * then one probe request, and on success everything flows again.
 */
export class LaneRunner {
  readonly lane: Lane;
  private readonly options: LaneRunnerOptions;
  private readonly store: QueueStore;
  private readonly hosts: HostState[];
  private nextHost = 0;
  private ready: StoredRecord[] = [];
  private readyHead = 0;
  private urgent: StoredRecord[] = [];
  private readonly chains = new Map<string, KeyChain>();
  private readonly attempts = new Map<StoredRecord, number>();
  private inMemory = 0;
  private inFlight = 0;
  private filling = false;
  private fillAgain = false;
  /** False once a read came back short and no new record has been announced since. */
  private storeHasMore = true;
  private stopping = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly delivered: Counter.Internal;
  private readonly retried: Counter.Internal;
  private readonly dead: Counter.Internal;
  private readonly deliveryLatency: Histogram.Internal<string>;
  private readonly attemptLatency: Histogram.Internal<string>;

  constructor(options: LaneRunnerOptions) {
    this.options = options;
    this.lane = options.lane;
    this.store = options.store;
    this.hosts = options.lane.hosts.map((origin) => ({
      origin,
      paused: false,
      failures: 0,
      ejectedUntil: 0,
      probing: false,
    }));
    const m = options.metrics;
    this.delivered = m.delivered.labels(this.lane.id);
    this.retried = m.retried.labels(this.lane.id);
    this.dead = m.dead.labels(this.lane.id);
    this.deliveryLatency = m.deliveryLatency.labels(this.lane.id);
    this.attemptLatency = m.attemptLatency.labels(this.lane.id);
  }

  /** Tells the lane that new records may be in the store. */
  kick(): void {
    this.storeHasMore = true;
    this.fill();
  }

  private fill(): void {
    if (this.stopping) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    const room = this.options.window - this.inMemory;
    if (room <= 0) return;
    const want = Math.min(room, 1024);
    this.filling = true;
    this.fillAgain = false;
    this.store.read(this.lane.id, want).then(
      (records) => {
        this.filling = false;
        if (records.length < want && !this.fillAgain) this.storeHasMore = false;
        for (const record of records) this.enqueue(record);
        this.pump();
      },
      (error: Error) => {
        this.filling = false;
        this.options.log.error('reading the queue failed, retrying in 1 s', {
          lane: this.lane.id,
          error: error.message,
        });
        setTimeout(() => this.fill(), 1000).unref();
      },
    );
  }

  private enqueue(record: StoredRecord): void {
    this.inMemory++;
    const key = record.orderingKey;
    if (key === null) {
      this.ready.push(record);
      return;
    }
    const chain = this.chains.get(key);
    if (chain === undefined) {
      this.chains.set(key, { items: [record], head: 0 });
      this.ready.push(record);
    } else {
      chain.items.push(record);
    }
  }

  private nextReady(): StoredRecord | undefined {
    if (this.urgent.length > 0) return this.urgent.shift();
    if (this.readyHead < this.ready.length) {
      const record = this.ready[this.readyHead++];
      if (this.readyHead === this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      } else if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      return record;
    }
    return undefined;
  }

  private pickHost(now: number): HostState | null {
    const n = this.hosts.length;
    for (let i = 0; i < n; i++) {
      const host = this.hosts[(this.nextHost + i) % n];
      if (host.paused || host.ejectedUntil > now) continue;
      if (host.failures > 0 && host.probing) continue;
      this.nextHost = (this.nextHost + i + 1) % n;
      return host;
    }
    return null;
  }

  private wakeAt(at: number): void {
    if (this.wakeTimer !== null) return;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.pump();
      },
      Math.max(1, at - Date.now()),
    );
    this.wakeTimer.unref();
  }

  private pump(): void {
    const { concurrency, retry } = this.options;
    const now = Date.now();
    while (!this.stopping && this.inFlight < concurrency) {
      const record = this.nextReady();
      if (record === undefined) break;
      if (retry.maxAgeMs > 0 && now - record.acceptedAt > retry.maxAgeMs) {
        this.giveUp(record, this.attempts.get(record) ?? 0, 0, 'expired: older than --max-age');
        continue;
      }
      const host = this.pickHost(now);
      if (host === null) {
        this.urgent.unshift(record);
        let soonest = Number.POSITIVE_INFINITY;
        for (const h of this.hosts) if (!h.paused && !h.probing) soonest = Math.min(soonest, h.ejectedUntil);
        if (soonest !== Number.POSITIVE_INFINITY) this.wakeAt(soonest);
        break;
      }
      if (host.failures > 0) host.probing = true;
      this.inFlight++;
      this.attempt(record, host);
    }
    if (this.storeHasMore && this.inMemory < this.options.window / 2) this.fill();
  }

  private attempt(record: StoredRecord, host: HostState): void {
    const attempt = (this.attempts.get(record) ?? 0) + 1;
    const started = performance.now();
    this.options.sender.send(host.origin, record, attempt).then((outcome) => {
      this.inFlight--;
      this.attemptLatency.observe((performance.now() - started) / 1000);
      this.settle(record, host, attempt, outcome);
      this.pump();
    });
  }

  private settle(record: StoredRecord, host: HostState, attempt: number, outcome: AttemptOutcome): void {
    const { retry } = this.options;
    if (outcome.result === 'unreachable') {
      host.failures++;
      host.probing = false;
      host.ejectedUntil = Date.now() + retry.baseMs + fullJitter(host.failures, retry.baseMs, retry.maxMs);
      if (host.failures === 1) {
        this.options.log.warning('host unreachable, holding its deliveries', {
          lane: this.lane.id,
          host: host.origin,
          reason: outcome.reason,
        });
      }
    } else {
      if (host.failures > 0) {
        this.options.log.info('host is back', {
          lane: this.lane.id,
          host: host.origin,
          failures: host.failures,
        });
      }
      host.failures = 0;
      host.probing = false;
      host.ejectedUntil = 0;
    }
    if (outcome.result === 'delivered') {
      this.delivered.inc();
      this.deliveryLatency.observe((Date.now() - record.acceptedAt) / 1000);
      this.store.complete(this.lane.id, record);
      this.finish(record);
      return;
    }
    if (outcome.result === 'rejected') {
      this.giveUp(record, attempt, outcome.status, outcome.reason);
      return;
    }
    const tooMany = retry.maxAttempts > 0 && attempt >= retry.maxAttempts;
    const tooOld = retry.maxAgeMs > 0 && Date.now() - record.acceptedAt >= retry.maxAgeMs;
    if (tooMany || tooOld) {
      const why = tooMany ? `gave up after ${attempt} attempts` : 'expired: older than --max-age';
      this.giveUp(record, attempt, outcome.status, `${why}; last: ${outcome.reason}`);
      return;
    }
    this.retried.inc();
    this.attempts.set(record, attempt);
    if (outcome.result === 'unreachable') {
      // The host's circuit decides when to try again; keep the record first in line.
      this.urgent.push(record);
      return;
    }
    const delay = Math.max(outcome.retryAfterMs, fullJitter(attempt, retry.baseMs, retry.maxMs));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.urgent.push(record);
      this.pump();
    }, delay);
    this.retryTimers.add(timer);
  }

  private giveUp(record: StoredRecord, attempts: number, status: number, reason: string): void {
    // The key stays blocked until the dead letter is stored, so order holds across it.
    this.inFlight++;
    this.store.deadLetter(this.lane.id, record, { attempts, reason, status }).then(
      () => {
        this.inFlight--;
        this.dead.inc();
        this.options.log.warning('request moved to dead letters', {
          lane: this.lane.id,
          id: record.id,
          attempts,
          reason,
        });
        this.finish(record);
        this.pump();
      },
      (error: Error) => {
        this.inFlight--;
        this.options.log.error('storing a dead letter failed, will retry', {
          id: record.id,
          error: error.message,
        });
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.urgent.push(record);
          this.pump();
        }, 1000);
        this.retryTimers.add(timer);
      },
    );
  }

  private finish(record: StoredRecord): void {
    this.attempts.delete(record);
    this.inMemory--;
    const key = record.orderingKey;
    if (key === null) return;
    const chain = this.chains.get(key);
    if (chain === undefined) return;
    chain.head++;
    if (chain.head < chain.items.length) {
      this.ready.push(chain.items[chain.head]);
      if (chain.head > 1024) {
        chain.items = chain.items.slice(chain.head);
        chain.head = 0;
      }
    } else {
      this.chains.delete(key);
    }
  }

  /** Stops or restarts sending to `origin` (if it is one of this lane's hosts). Returns whether it was. */
  setPaused(origin: string | null, paused: boolean): boolean {
    let found = false;
    for (const host of this.hosts) {
      if (origin === null || host.origin === origin) {
        host.paused = paused;
        found = true;
      }
    }
    if (found && !paused) this.pump();
    return found;
  }

  stats(): LaneStats {
    const now = Date.now();
    const depth = this.store.depth(this.lane.id);
    return {
      lane: this.lane.id,
      target: this.lane.target,
      mode: this.lane.mode,
      hosts: this.hosts.map((h) => ({
        host: h.origin,
        paused: h.paused,
        failures: h.failures,
        ejectedForMs: Math.max(0, h.ejectedUntil - now),
      })),
      inFlight: this.inFlight,
      inMemory: this.inMemory,
      queued: depth.entries,
      queuedBytes: depth.bytes,
    };
  }

  /** Stops sending new requests and waits up to `timeoutMs` for those in flight. Returns how many were left. */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.inFlight;
  }
}
