import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FramedEvent } from './frame.js';
import type { FlushObserver } from './room.js';

/** ekg's Prometheus metrics, on a registry of their own (never the global one). */
export class EkgMetrics implements FlushObserver {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'ekg_connections',
    help: 'Open subscriber connections, by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly rooms = new Gauge({
    name: 'ekg_rooms',
    help: 'Rooms held in memory.',
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'ekg_published_events_total',
    help: 'Events accepted on POST /publish (duplicates excluded).',
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'ekg_duplicate_events_total',
    help: 'Published events dropped because their room had already seen the seq.',
    registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: 'ekg_delivered_events_total',
    help: 'Event writes to subscriber connections as events are published (replays not counted).',
    registers: [this.registry],
  });
  readonly droppedSlow = new Counter({
    name: 'ekg_dropped_slow_clients_total',
    help: 'Connections closed because their unsent data passed the --max-buffered limit.',
    registers: [this.registry],
  });
  readonly rejectedConnections = new Counter({
    name: 'ekg_rejected_connections_total',
    help: 'Subscriber connections refused, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rejectedPublishes = new Counter({
    name: 'ekg_rejected_publishes_total',
    help: 'POST /publish requests refused, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly publishToWrite = new Histogram({
    name: 'ekg_publish_to_write_seconds',
    help: 'From a publish request arriving to its event being written to the last subscriber of the room.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  readonly endToEnd = new Histogram({
    name: 'ekg_end_to_end_seconds',
    help: "From the api's Backchannel-Published-At stamp on a publish to its event written to the room's subscribers.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Told of every flush for the status page, when status recording is on. */
  status: { flushed(events: readonly FramedEvent[]): void } | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ekg_' });
  }

  flushed(events: readonly FramedEvent[], delivered: number): void {
    const now = performance.now();
    const wallNow = Date.now();
    for (const event of events) {
      this.publishToWrite.observe((now - event.receivedAt) / 1000);
      if (event.publishedAt > 0) this.endToEnd.observe((wallNow - event.publishedAt) / 1000);
    }
    if (delivered > 0) this.delivered.inc(delivered);
    this.status?.flushed(events);
  }
}
