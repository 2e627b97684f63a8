import { createRequire } from 'node:module';
import type { Counter, Gauge, Registry } from 'prom-client';
import type { HostInfo, HostState } from './host.js';

/** Anything that can report its hosts: a HostPool. */
export interface MetricsSource {
  readonly name: string;
  hosts(): HostInfo[];
}

type PromClient = typeof import('prom-client');
type Labels = 'pool' | 'host';

const STATES: readonly HostState[] = ['healthy', 'ejected', 'probing', 'draining'];
const sourcesByRegistry = new WeakMap<Registry, Set<MetricsSource>>();

/**
 * Exposes per-host metrics of `source` in `registry`, read from `hosts()` at scrape time
 * (nothing is added to the request path). Several pools may share a registry: they are
 * told apart by the `pool` label. Returns a function that detaches the source.
 */
export function exposeMetrics(registry: Registry, source: MetricsSource): () => void {
  let sources = sourcesByRegistry.get(registry);
  if (sources === undefined) {
    sources = new Set();
    sourcesByRegistry.set(registry, sources);
    registerCollectors(registry, sources);
  }
  sources.add(source);
  const registered = sources;
  return () => {
    registered.delete(source);
  };
}

function registerCollectors(registry: Registry, sources: Set<MetricsSource>): void {
  // prom-client is an optional peer dependency: load it only when a registry is given.
  const prom = createRequire(import.meta.url)('prom-client') as PromClient;
  const gauge = (name: string, help: string, read: (h: HostInfo) => number): void => {
    new prom.Gauge<Labels>({
      name,
      help,
      labelNames: ['pool', 'host'],
      registers: [registry],
      collect(this: Gauge<Labels>) {
        this.reset();
        for (const source of sources) {
          for (const h of source.hosts()) this.set({ pool: source.name, host: h.url }, read(h));
        }
      },
    });
  };
  const counter = (name: string, help: string, read: (h: HostInfo) => number): void => {
    new prom.Counter<Labels>({
      name,
      help,
      labelNames: ['pool', 'host'],
      registers: [registry],
      collect(this: Counter<Labels>) {
        this.reset();
        for (const source of sources) {
          for (const h of source.hosts()) this.inc({ pool: source.name, host: h.url }, read(h));
        }
      },
    });
  };

  gauge('hostpool_host_in_flight', 'Requests sent to the host and not yet finished.', (h) => h.inFlight);
  gauge(
    'hostpool_host_latency_ewma_seconds',
    'Latency EWMA of complete responses.',
    (h) => h.latencyEwmaMs / 1000,
  );
  counter('hostpool_host_requests_total', 'Requests sent to the host, retries included.', (h) => h.requests);
  counter(
    'hostpool_host_errors_total',
    'Requests that got no response (refused, reset, closed).',
    (h) => h.errors,
  );
  counter(
    'hostpool_host_timeouts_total',
    'Requests that timed out waiting for headers or body.',
    (h) => h.timeouts,
  );
  counter('hostpool_host_server_errors_total', 'Responses with status 500-599.', (h) => h.serverErrors);
  counter('hostpool_host_ejections_total', 'Times the host was ejected.', (h) => h.ejections);
  counter(
    'hostpool_host_health_check_failures_total',
    'Active health checks that failed.',
    (h) => h.healthCheckFailures,
  );
  new prom.Gauge<Labels | 'state'>({
    name: 'hostpool_host_state',
    help: '1 for the state the host is in (healthy, ejected, probing, draining), 0 for the others.',
    labelNames: ['pool', 'host', 'state'],
    registers: [registry],
    collect(this: Gauge<Labels | 'state'>) {
      this.reset();
      for (const source of sources) {
        for (const h of source.hosts()) {
          for (const state of STATES)
            this.set({ pool: source.name, host: h.url, state }, h.state === state ? 1 : 0);
        }
      }
    },
  });
}
