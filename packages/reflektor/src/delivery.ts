import { HostPool } from '@backchannel/hostpool';
import { LaneRunner, type LaneStats, type RetryPolicy } from './lane.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { StoredRecord } from './record.js';
import { type Lane, lanesOf, type Target } from './routing.js';
import type { QueueStore } from './store/store.js';

export interface DeliveryOptions {
  targets: readonly Target[];
  store: QueueStore;
  metrics: Metrics;
  log: Logger;
  concurrency: number;
  window: number;
  retry: RetryPolicy;
  /** Per-attempt timeout (connect, response headers, body gaps). */
  timeoutMs: number;
  /** Keep-alive connections per host. */
  connections: number;
  signSecret: string | null;
}

/** Requests in flight on one keep-alive connection (HTTP/1.1 pipelining). */
const PIPELINING = 16;

/**
 * Replays stored records to every lane of their target: each broadcast host (or each balanced
 * target) has its own runner and its own progress, so a host that is away holds back nobody else.
 */
export class Delivery {
  private readonly runners: LaneRunner[];
  private readonly byTarget = new Map<string, LaneRunner[]>();
  private readonly store: QueueStore;

  private readonly pools: HostPool[] = [];

  constructor(options: DeliveryOptions) {
    this.store = options.store;
    this.runners = [];
    for (const target of options.targets) {
      const pool = new HostPool({
        hosts: target.hosts,
        mode: target.mode,
        name: target.name,
        connections: options.connections,
        // Replays are `retryable` (receivers dedupe by Reflektor-Id), so they may share a
        // connection: up to PIPELINING per connection, and each connection's writes of one
        // event-loop turn leave in one system call. A key still has one request in flight.
        pipelining: PIPELINING,
        coalesceWrites: true,
        connectTimeout: Math.min(options.timeoutMs, 5000),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        outlierDetection: {
          consecutiveFailures: 3,
          consecutive5xx: 10,
          consecutiveTimeouts: 3,
          baseEjectionTime: Math.min(1000, options.retry.maxMs),
          maxEjectionTime: options.retry.maxMs,
        },
        registry: options.metrics.registry,
      });
      pool.on('hostStateChange', ({ host, from, to, reason }) => {
        const fields = { target: target.name, host, from, to, reason };
        // Leaving and coming back are worth a line each; the probes in between are detail.
        if (from === 'healthy' && to === 'ejected')
          options.log.warning('host ejected, holding its deliveries', fields);
        else if (to === 'healthy') options.log.info('host is back', fields);
        else options.log.debug('host state changed', fields);
      });
      this.pools.push(pool);
      for (const lane of lanesOf([target])) {
        this.runners.push(new LaneRunner({ ...options, lane, pool }));
      }
    }
    for (const runner of this.runners) {
      const list = this.byTarget.get(runner.lane.target) ?? [];
      list.push(runner);
      this.byTarget.set(runner.lane.target, list);
    }
    options.store.onDurable(this.onDurable);
  }

  private readonly onDurable = (records: readonly StoredRecord[]): void => {
    if (records.length === 0) {
      // A store shared with other instances announces "maybe something new" without records.
      for (const runner of this.runners) runner.kick();
      return;
    }
    let last = '';
    for (let i = 0; i < records.length; i++) {
      const target = records[i].target;
      if (target === last) continue;
      last = target;
      const runners = this.byTarget.get(target);
      if (runners) for (let r = 0; r < runners.length; r++) runners[r].kick();
    }
  };

  /** Starts delivering what the store already holds. */
  start(): void {
    for (const runner of this.runners) runner.kick();
  }

  /** The deepest lane of `target`, to refuse new requests when it is full. */
  deepest(target: string): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    const runners = this.byTarget.get(target);
    if (runners) {
      for (const runner of runners) {
        const depth = this.store.depth(runner.lane.id);
        if (depth.entries > entries) entries = depth.entries;
        if (depth.bytes > bytes) bytes = depth.bytes;
      }
    }
    return { entries, bytes };
  }

  /** Pauses or resumes delivery to a host (all hosts when null). Returns false if no lane has it. */
  setPaused(host: string | null, paused: boolean): boolean {
    let found = false;
    for (const runner of this.runners) if (runner.setPaused(host, paused)) found = true;
    return found;
  }

  stats(): LaneStats[] {
    return this.runners.map((r) => r.stats());
  }

  lanes(): Lane[] {
    return this.runners.map((r) => r.lane);
  }

  /** Stops sending and waits up to `timeoutMs` for requests in flight; the rest stays queued. */
  async drain(timeoutMs: number): Promise<number> {
    const left = await Promise.all(this.runners.map((r) => r.drain(timeoutMs)));
    await Promise.all(this.pools.map((pool) => pool.close()));
    return left.reduce((a, b) => a + b, 0);
  }
}
