import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** reflektor's Prometheus metrics, in a Registry of their own. */
export class Metrics {
  readonly registry = new Registry();
  readonly accepted = new Counter({
    name: 'reflektor_accepted_total',
    help: 'Requests accepted (202) on the ingest port, by target.',
    labelNames: ['target'],
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'reflektor_refused_total',
    help: 'Requests refused on the ingest port, by error code.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: 'reflektor_delivered_total',
    help: 'Requests delivered (2xx), by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'reflektor_retried_total',
    help: 'Delivery attempts that will be retried, by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly dead = new Counter({
    name: 'reflektor_dead_total',
    help: 'Requests moved to the dead-letter list, by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'reflektor_queue_depth',
    help: 'Requests waiting for delivery, by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly queueBytes = new Gauge({
    name: 'reflektor_queue_bytes',
    help: 'Body bytes waiting for delivery, by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly oldestAge = new Gauge({
    name: 'reflektor_queue_oldest_age_seconds',
    help: 'Age of the oldest request waiting for delivery, by lane.',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly ingestLatency = new Histogram({
    name: 'reflektor_ingest_seconds',
    help: 'From the end of the request body to the 202 (includes the durable write).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly deliveryLatency = new Histogram({
    name: 'reflektor_delivery_seconds',
    help: 'From acceptance to delivery (2xx), by lane.',
    labelNames: ['lane'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly attemptLatency = new Histogram({
    name: 'reflektor_attempt_seconds',
    help: 'Duration of one delivery attempt, by lane.',
    labelNames: ['lane'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
}
