import { isCompactHistogram } from './latency-histogram.js';
import { mergeSeconds } from './merge-seconds.js';
import type { RingSecond, RingSlice, SeriesSpec } from './status-ring.js';

export interface RingMirrorOptions {
  /** The service's name in the status document, e.g. `reflektor`. */
  service: string;
  /** Base URLs of its hosts; each is asked for `GET <url>/status/ring?after=T`. */
  urls: readonly string[];
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Seconds kept per host. Default 3600. */
  seconds?: number;
  /** Deadline of one pull, ms. Default 900. */
  timeoutMs?: number;
  /** A host whose last good answer is older than this is unhealthy, ms. Default 3000. */
  staleAfterMs?: number;
}

interface HostState {
  url: string;
  seconds: RingSecond[];
  ready: boolean;
  lastOkAt: number;
  lastError: string | undefined;
}

/** What a mirror reports of one host. */
export interface MirroredHost {
  url: string;
  healthy: boolean;
  error?: string;
}

/**
 * A copy of another service's rings, kept by pulling only the seconds it does not have yet from
 * every host of the service (`GET /status/ring?after=T`) once a second. Seconds of several hosts
 * are merged when read ({@link seconds}), so percentiles are those of all the hosts' requests.
 */
export class RingMirror {
  readonly service: string;
  private readonly options: RingMirrorOptions;
  private readonly hosts: HostState[];
  private specs: SeriesSpec[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pulling: Promise<void> | undefined;

  constructor(options: RingMirrorOptions) {
    this.service = options.service;
    this.options = options;
    this.hosts = options.urls.map((url) => ({
      url: url.replace(/\/+$/, ''),
      seconds: [],
      ready: false,
      lastOkAt: 0,
      lastError: 'not asked yet',
    }));
  }

  /** The series the service declared (from its last answer). */
  get series(): readonly SeriesSpec[] {
    return this.specs;
  }

  /** True when every host answered within the stale limit and said it is ready. */
  get healthy(): boolean {
    return this.hostStates().every((host) => host.healthy);
  }

  hostStates(): MirroredHost[] {
    const stale = Date.now() - (this.options.staleAfterMs ?? 3000);
    return this.hosts.map((host) => {
      const healthy = host.ready && host.lastError === undefined && host.lastOkAt >= stale;
      const error = healthy ? undefined : (host.lastError ?? 'not ready');
      return { url: host.url, healthy, ...(error ? { error } : {}) };
    });
  }

  /** Merged seconds of every host with `t > after`, oldest first. */
  seconds(after = 0): RingSecond[] {
    return mergeSeconds(
      this.hosts.map((host) => host.seconds.filter((second) => second.t > after)),
      this.specs,
    );
  }

  /** Pulls once from every host; never rejects (a failing host is marked, not thrown). */
  pull(): Promise<void> {
    this.pulling ??= Promise.all(this.hosts.map((host) => this.pullHost(host))).then(() => {
      this.pulling = undefined;
    });
    return this.pulling;
  }

  private async pullHost(host: HostState): Promise<void> {
    const after = host.seconds.length === 0 ? 0 : host.seconds[host.seconds.length - 1].t;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      const response = await fetch(`${host.url}/status/ring?after=${after}`, {
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 900),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`answered ${response.status}`);
      }
      const slice = parseRingSlice(await response.json());
      this.specs = slice.series;
      for (const second of slice.seconds) if (second.t > after) host.seconds.push(second);
      const keep = this.options.seconds ?? 3600;
      if (host.seconds.length > keep) host.seconds.splice(0, host.seconds.length - keep);
      host.ready = slice.ready;
      host.lastOkAt = Date.now();
      host.lastError = slice.ready ? undefined : 'not ready';
    } catch (error) {
      host.lastError =
        error instanceof Error
          ? error.cause instanceof Error
            ? `${error.message}: ${error.cause.message}`
            : error.message
          : String(error);
    }
  }

  /** Pulls once a second until {@link stop}; the timer does not keep the process alive. */
  start(intervalMs = 1000): void {
    if (this.timer !== undefined) return;
    void this.pull();
    this.timer = setInterval(() => void this.pull(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.pulling;
  }
}

/** Checks the shape of a `GET /status/ring` answer; throws `Error` naming what is wrong. */
export function parseRingSlice(value: unknown): RingSlice {
  if (typeof value !== 'object' || value === null) throw new Error('ring answer is not an object');
  const slice = value as Record<string, unknown>;
  if (!Array.isArray(slice.series) || !Array.isArray(slice.seconds)) {
    throw new Error('ring answer lacks "series" or "seconds"');
  }
  for (const spec of slice.series as unknown[]) {
    const s = spec as Record<string, unknown>;
    if (typeof s?.name !== 'string' || typeof s.unit !== 'string' || typeof s.kind !== 'string') {
      throw new Error('ring answer has a series without name, unit or kind');
    }
  }
  for (const entry of slice.seconds as unknown[]) {
    const second = entry as Record<string, unknown>;
    if (typeof second?.t !== 'number' || typeof second.latency !== 'object' || second.latency === null) {
      throw new Error('ring answer has a second without "t" or "latency"');
    }
    for (const histogram of Object.values(second.latency as object)) {
      if (!isCompactHistogram(histogram)) throw new Error('ring answer has a malformed histogram');
    }
    if (typeof second.counters !== 'object' || typeof second.gauges !== 'object') {
      throw new Error('ring answer has a second without "counters" or "gauges"');
    }
  }
  return {
    service: typeof slice.service === 'string' ? slice.service : '',
    ready: slice.ready === true,
    series: slice.series as SeriesSpec[],
    seconds: slice.seconds as RingSecond[],
  };
}
