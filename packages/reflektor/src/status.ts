import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkStatusAccess, type LatencyRecorder, StatusRing, sampleProcess } from '@backchannel/stats';
import type { Counter } from 'prom-client';
import type { Delivery } from './delivery.js';
import type { Metrics } from './metrics.js';
import type { QueueStore } from './store/store.js';

/** What reflektor records for the status page when `--status-recording` is on. */
export interface ReflektorStatusOptions {
  metrics: Metrics;
  delivery: Delivery;
  store: QueueStore;
  /** Opens `GET /status/ring` from beyond loopback. */
  token: string | null;
}

/** ms until 0.9 s past the next second boundary but one close at hand. */
function delayToNextSample(): number {
  const delay = (1900 - (Date.now() % 1000)) % 1000;
  return delay < 50 ? delay + 1000 : delay;
}

async function total(counter: Counter): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((sum, value) => sum + value.value, 0);
}

/**
 * reflektor's one-hour ring: ingest latency (and so accepted/s), delivered/s, retries/s, dead
 * letters/s, per lane the queue depth and the age of its oldest undelivered request, and the
 * process samples. Served on the admin port as `GET /status/ring?after=UNIX_SECONDS`.
 */
export class ReflektorStatus {
  readonly ring = new StatusRing('reflektor');
  /** Recorder the ingest path feeds with each accepted request's latency, ms. */
  readonly ingest: LatencyRecorder;
  private readonly options: ReflektorStatusOptions;
  private readonly stopProcessSamples: () => void;
  private sampler: NodeJS.Timeout | undefined;
  private readonly oldestAges = new Map<string, number>();

  constructor(options: ReflektorStatusOptions) {
    this.options = options;
    const ring = this.ring;
    this.ingest = ring.latency('ingest', 'ingest (request to 202)');
    const counted: [string, string, Counter][] = [
      ['delivered', 'delivered', options.metrics.delivered],
      ['retries', 'retries', options.metrics.retried],
      ['dead', 'dead letters', options.metrics.dead],
    ];
    const lastTotals = new Map<string, number>();
    const recorders = counted.map(([name, label, counter]) => ({
      name,
      counter,
      recorder: ring.counter(name, label),
    }));
    for (const lane of options.delivery.lanes()) {
      ring.gauge(`queue.${lane.id}`, 'count', () => options.store.depth(lane.id).entries, {
        label: `queue depth ${lane.id}`,
      });
      ring.gauge(`oldest_age.${lane.id}`, 's', () => this.oldestAges.get(lane.id) ?? 0, {
        merge: 'max',
        label: `oldest undelivered ${lane.id}`,
      });
    }
    this.stopProcessSamples = sampleProcess(ring);
    // prom-client's counters and the store's oldest entry are read asynchronously: sampled just
    // before each second closes, their differences land in the ring's counters.
    this.sample = async () => {
      for (const { name, counter, recorder } of recorders) {
        const now = await total(counter);
        // The counters are this instance's own, created with it: they start at 0.
        const before = lastTotals.get(name) ?? 0;
        lastTotals.set(name, now);
        if (now > before) recorder.add(now - before);
      }
      const now = Date.now();
      for (const lane of options.delivery.lanes()) {
        const oldest = await options.store.oldest(lane.id).catch(() => 0);
        this.oldestAges.set(lane.id, oldest === 0 ? 0 : (now - oldest) / 1000);
      }
    };
  }

  private readonly sample: () => Promise<void>;

  start(): void {
    this.ring.start();
    const schedule = () => {
      this.sampler = setTimeout(() => {
        this.sample().finally(schedule);
      }, delayToNextSample());
      this.sampler.unref();
    };
    schedule();
  }

  stop(): void {
    this.ring.stop();
    if (this.sampler !== undefined) clearTimeout(this.sampler);
    this.sampler = undefined;
    this.stopProcessSamples();
  }

  /** Answers `GET /status/ring`: loopback freely, elsewhere with `Authorization: Bearer <token>`. */
  serveRing(request: IncomingMessage, response: ServerResponse, url: URL, ready: boolean): void {
    const access = checkStatusAccess(
      { clientAddress: request.socket.remoteAddress, authorization: request.headers.authorization },
      this.options.token ?? undefined,
    );
    if (!access.allowed) {
      const body = JSON.stringify({ error: { code: access.code, message: access.message } });
      response.writeHead(401, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
      return;
    }
    const after = Number(url.searchParams.get('after') ?? 0);
    const body = JSON.stringify(this.ring.slice(Number.isFinite(after) ? after : 0, ready));
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }
}
