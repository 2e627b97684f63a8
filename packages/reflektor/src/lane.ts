import { type HostPool, NoHealthyHostError } from '@backchannel/hostpool';
import { TaskQueue } from '@backchannel/taskqueue';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { StoredRecord } from './record.js';
import { classifyStatus, parseRetryAfter, replayHeaders } from './replay.js';
import type { Lane } from './routing.js';
import type { QueueStore } from './store/store.js';

export interface RetryPolicy {
  /** Smallest backoff delay; retry n waits a random time in [base, min(max, base·2^n)] (full jitter). */
  baseMs: number;
  maxMs: number;
  /** Give up after this many attempts; 0 means no limit (only maxAgeMs applies). */
  maxAttempts: number;
  /** Give up on a request this long after it was accepted. */
  maxAgeMs: number;
}

export interface LaneRunnerOptions {
  lane: Lane;
  /** The target's host pool (@backchannel/hostpool): connections, balancing, ejection. */
  pool: HostPool;
  store: QueueStore;
  metrics: Metrics;
  log: Logger;
  /** Requests in flight at once on this lane (across all keys). */
  concurrency: number;
  /** Records read from the store and not yet finished, at most. */
  window: number;
  retry: RetryPolicy;
  timeoutMs: number;
  signSecret: string | null;
}

/** A host's delivery state, as `/stats` shows it. */
export interface HostStats {
  host: string;
  state: string;
  ejectedForMs: number;
}

export interface LaneStats {
  lane: string;
  target: string;
  mode: string;
  paused: boolean;
  hosts: HostStats[];
  inFlight: number;
  inMemory: number;
  queued: number;
  queuedBytes: number;
}

/** Thrown inside a task to have @backchannel/taskqueue retry it, after `retryAfterMs` when known. */
class RetryLater extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Delivers one lane's records through a @backchannel/taskqueue: in acceptance order per
 * ordering key, one request per key at a time, up to `concurrency` keys at once; a failing
 * head holds back its own key only (the queue keeps its retry at the head of the key).
 * Hosts that stop answering are ejected by the @backchannel/hostpool outlier detection:
 * requests to them then fail fast, without a connection, until the ejection ends and one
 * trial request decides.
 */
export class LaneRunner {
  readonly lane: Lane;
  private readonly options: LaneRunnerOptions;
  private readonly store: QueueStore;
  private readonly pool: HostPool;
  private readonly queue: TaskQueue;
  /** Broadcast lanes pin every request to their one host; balanced lanes let the pool choose. */
  private readonly pinnedHost: string | undefined;
  private readonly sent = new Map<StoredRecord, number>();
  private readonly pausedHosts = new Set<string>();
  private inMemory = 0;
  private filling = false;
  private fillAgain = false;
  /** False once a read came back short and no new record has been announced since. */
  private storeHasMore = true;
  private stopping = false;
  private adminPaused = false;
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly delivered: Counter.Internal;
  private readonly retried: Counter.Internal;
  private readonly dead: Counter.Internal;
  private readonly deliveryLatency: Histogram.Internal<string>;
  private readonly attemptLatency: Histogram.Internal<string>;

  constructor(options: LaneRunnerOptions) {
    this.options = options;
    this.lane = options.lane;
    this.store = options.store;
    this.pool = options.pool;
    this.pinnedHost = options.lane.mode === 'broadcast' ? options.lane.hosts[0] : undefined;
    this.queue = new TaskQueue({
      concurrency: options.concurrency,
      retries: Number.POSITIVE_INFINITY,
      minDelay: options.retry.baseMs,
      maxDelay: options.retry.maxMs,
    });
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
    // A lane paused from the admin port reads nothing: what arrives waits in the store, not in memory.
    if (this.stopping || this.adminPaused) return;
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
        if (this.storeHasMore && this.inMemory < this.options.window / 2) this.fill();
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
    const task = (signal: AbortSignal): Promise<void> => this.deliver(record, signal);
    if (record.orderingKey === null) this.queue.pushDetached(task);
    else this.queue.pushDetached(task, { key: record.orderingKey });
  }

  private async deliver(record: StoredRecord, signal: AbortSignal): Promise<void> {
    const { retry } = this.options;
    if (retry.maxAgeMs > 0 && Date.now() - record.acceptedAt > retry.maxAgeMs) {
      return this.giveUp(record, 0, 'expired: older than --max-age');
    }
    const attempt = (this.sent.get(record) ?? 0) + 1;
    const started = performance.now();
    let status = 0;
    let retryAfterMs: number | undefined;
    let reason: string;
    try {
      const response = await this.pool.request({
        host: this.pinnedHost,
        method: record.method,
        path: record.url,
        headers: replayHeaders(record, attempt, this.options.signSecret),
        body: record.body.length > 0 ? record.body : null,
        signal,
        retryable: true,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      this.sent.set(record, attempt);
      this.attemptLatency.observe((performance.now() - started) / 1000);
      status = response.statusCode;
      const verdict = classifyStatus(status);
      if (verdict === 'delivered') {
        this.delivered.inc();
        this.deliveryLatency.observe((Date.now() - record.acceptedAt) / 1000);
        this.store.complete(this.lane.id, record);
        this.finish(record);
        return;
      }
      if (verdict === 'rejected') return this.giveUp(record, attempt, `HTTP ${status}`, status);
      retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      reason = `HTTP ${status}`;
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof NoHealthyHostError) {
        // Nothing was sent: the host is ejected or its one trial request is in flight. Hold the
        // whole lane until then, so its backlog does not spin through fail-fast attempts.
        const wait = error.retryAfterMs ?? retry.baseMs;
        this.hold(wait);
        throw new RetryLater(error.message, wait);
      }
      this.sent.set(record, attempt);
      const e = error as Error & { code?: string };
      reason = `${e.code ?? e.name}: ${e.message}`;
    }
    const tooMany = retry.maxAttempts > 0 && attempt >= retry.maxAttempts;
    const tooOld = retry.maxAgeMs > 0 && Date.now() - record.acceptedAt >= retry.maxAgeMs;
    if (tooMany || tooOld) {
      const why = tooMany ? `gave up after ${attempt} attempts` : 'expired: older than --max-age';
      return this.giveUp(record, attempt, `${why}; last: ${reason}`, status);
    }
    this.retried.inc();
    throw new RetryLater(reason, retryAfterMs);
  }

  /** Stores the dead letter inside the task, so the key's next request waits for it. */
  private async giveUp(record: StoredRecord, attempts: number, reason: string, status = 0): Promise<void> {
    await this.store.deadLetter(this.lane.id, record, { attempts, reason, status });
    this.dead.inc();
    this.options.log.warning('request moved to dead letters', {
      lane: this.lane.id,
      id: record.id,
      attempts,
      reason,
    });
    this.finish(record);
  }

  private finish(record: StoredRecord): void {
    this.sent.delete(record);
    this.inMemory--;
    if (this.storeHasMore && this.inMemory < this.options.window / 2) this.fill();
  }

  /** Starts no request on this lane for `ms` (the lane's circuit is open); requests in flight go on. */
  private hold(ms: number): void {
    if (this.holdTimer !== null || this.stopping) return;
    this.queue.pause();
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      if (!this.adminPaused && !this.stopping) this.queue.resume();
    }, ms);
  }

  /** Stops or restarts sending to `origin` (every host when null). Returns whether this lane has it. */
  setPaused(origin: string | null, paused: boolean): boolean {
    const hosts = origin === null ? this.lane.hosts : this.lane.hosts.filter((h) => h === origin);
    if (hosts.length === 0) return false;
    for (const host of hosts) {
      if (paused) this.pausedHosts.add(host);
      else this.pausedHosts.delete(host);
    }
    if (this.lane.mode === 'balance') {
      // Balanced: a paused host leaves the pool; the lane stops only when every host is paused.
      for (const host of hosts) {
        if (paused) void this.pool.remove(host);
        else this.pool.add(host);
      }
    }
    this.adminPaused = this.pausedHosts.size === this.lane.hosts.length;
    if (this.adminPaused) this.queue.pause();
    else {
      if (this.holdTimer === null) this.queue.resume();
      this.kick();
    }
    return true;
  }

  stats(): LaneStats {
    const now = Date.now();
    const depth = this.store.depth(this.lane.id);
    const info = new Map(this.pool.hosts().map((h) => [h.url, h]));
    return {
      lane: this.lane.id,
      target: this.lane.target,
      mode: this.lane.mode,
      paused: this.adminPaused,
      hosts: this.lane.hosts.map((host) => {
        const h = info.get(host);
        return {
          host,
          state: this.pausedHosts.has(host) ? 'paused' : (h?.state ?? 'removed'),
          ejectedForMs: h?.ejectedUntil ? Math.max(0, h.ejectedUntil - now) : 0,
        };
      }),
      inFlight: this.queue.running,
      inMemory: this.inMemory,
      queued: depth.entries,
      queuedBytes: depth.bytes,
    };
  }

  /** Stops starting requests and waits up to `timeoutMs` for those in flight, then aborts them. Returns how many were cut. */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.queue.pause();
    const deadline = Date.now() + timeoutMs;
    while (this.queue.running > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const cut = this.queue.running;
    await this.queue.close({ drain: false });
    return cut;
  }
}
