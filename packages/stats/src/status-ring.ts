import { type CompactHistogram, LatencyHistogram } from './latency-histogram.js';

/** How a series is kept per second and how seconds of several hosts combine. */
export type SeriesKind = 'latency' | 'counter' | 'gauge';

/** One series a service records: its stable name, unit and kind. */
export interface SeriesSpec {
  /** Stable identifier, e.g. `post` or `connections.sse`. */
  name: string;
  /** Unit of the values: `ms` for latency, `/s` for counters, else e.g. `count`, `%`, `MB`. */
  unit: string;
  kind: SeriesKind;
  /** How gauges of several hosts combine: added (connections) or the largest (delays). Default sum. */
  merge?: 'sum' | 'max';
  /** Words for people, e.g. "post a message". */
  label?: string;
}

/** One closed second of a ring, as kept and as sent on `GET /status/ring`. */
export interface RingSecond {
  /** Unix time of the second, in seconds. */
  t: number;
  latency: Record<string, CompactHistogram>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

/** What `GET /status/ring` answers: the series a service records and its closed seconds. */
export interface RingSlice {
  service: string;
  ready: boolean;
  series: SeriesSpec[];
  seconds: RingSecond[];
}

/** Records values into one series' current second. */
export interface LatencyRecorder {
  /** Records one latency in milliseconds. */
  record(ms: number): void;
}

/** Counts events in one series' current second. */
export interface CounterRecorder {
  add(count?: number): void;
}

export interface StatusRingOptions {
  /** Seconds kept. Default 3600 (one hour). */
  seconds?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

class LatencySeries implements LatencyRecorder {
  readonly current = new LatencyHistogram();
  record(ms: number): void {
    this.current.record(ms);
  }
}

class CounterSeries implements CounterRecorder {
  current = 0;
  add(count = 1): void {
    this.current += count;
  }
}

/**
 * A ring of one-second buckets for one service: latency histograms, counters and sampled gauges.
 * Recording touches only the current second; {@link tick} (once a second, from {@link start})
 * closes it into the ring, whose oldest second falls out after `seconds`. Nothing allocates on
 * the recording path.
 */
export class StatusRing {
  readonly service: string;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly specs: SeriesSpec[] = [];
  private readonly latencies = new Map<string, LatencySeries>();
  private readonly counters = new Map<string, CounterSeries>();
  private readonly gauges = new Map<string, () => number>();
  private readonly ring: (RingSecond | undefined)[];
  private head = 0;
  private size = 0;
  private lastClosed = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Called after each tick with the second just closed. */
  onTick: ((second: RingSecond) => void) | undefined;

  constructor(service: string, options: StatusRingOptions = {}) {
    this.service = service;
    this.capacity = options.seconds ?? 3600;
    this.now = options.now ?? Date.now;
    this.ring = new Array(this.capacity);
  }

  /** The series declared so far, in declaration order. */
  get series(): readonly SeriesSpec[] {
    return this.specs;
  }

  private declare(spec: SeriesSpec): void {
    if (this.specs.some((existing) => existing.name === spec.name)) {
      throw new Error(`series "${spec.name}" is declared twice`);
    }
    this.specs.push(spec);
  }

  /** Declares a latency series (ms) and returns its recorder. */
  latency(name: string, label?: string): LatencyRecorder {
    this.declare({ name, unit: 'ms', kind: 'latency', ...(label ? { label } : {}) });
    const series = new LatencySeries();
    this.latencies.set(name, series);
    return series;
  }

  /** Declares a counter series (events per second) and returns its recorder. */
  counter(name: string, label?: string): CounterRecorder {
    this.declare({ name, unit: '/s', kind: 'counter', ...(label ? { label } : {}) });
    const series = new CounterSeries();
    this.counters.set(name, series);
    return series;
  }

  /** Declares a gauge read once a second by `read`; a read that throws or is not finite is skipped. */
  gauge(
    name: string,
    unit: string,
    read: () => number,
    options: { merge?: 'sum' | 'max'; label?: string } = {},
  ): void {
    this.declare({
      name,
      unit,
      kind: 'gauge',
      merge: options.merge ?? 'sum',
      ...(options.label ? { label: options.label } : {}),
    });
    this.gauges.set(name, read);
  }

  /** Closes the current second into the ring, labelled with the second that just ended. */
  tick(): RingSecond {
    let t = Math.floor(this.now() / 1000) - 1;
    if (t <= this.lastClosed) t = this.lastClosed + 1;
    this.lastClosed = t;
    const second: RingSecond = { t, latency: {}, counters: {}, gauges: {} };
    for (const [name, series] of this.latencies) {
      if (series.current.count > 0) second.latency[name] = series.current.toCompact();
      series.current.reset();
    }
    for (const [name, series] of this.counters) {
      second.counters[name] = series.current;
      series.current = 0;
    }
    for (const [name, read] of this.gauges) {
      try {
        const value = read();
        if (Number.isFinite(value)) second.gauges[name] = value;
      } catch {
        // A gauge whose source is gone (closing) has no value this second.
      }
    }
    this.ring[this.head] = second;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    this.onTick?.(second);
    return second;
  }

  /** Closed seconds with `t > after`, oldest first. */
  secondsAfter(after = 0): RingSecond[] {
    const out: RingSecond[] = [];
    for (let i = this.size; i > 0; i--) {
      const second = this.ring[(this.head - i + this.capacity) % this.capacity]!;
      if (second.t > after) out.push(second);
    }
    return out;
  }

  /** What `GET /status/ring?after=T` answers. */
  slice(after: number, ready: boolean): RingSlice {
    return { service: this.service, ready, series: [...this.specs], seconds: this.secondsAfter(after) };
  }

  /** Ticks at every second boundary until {@link stop}; the timer does not keep the process alive. */
  start(): void {
    if (this.timer !== undefined) return;
    const schedule = () => {
      const delay = 1000 - (this.now() % 1000) + 2;
      this.timer = setTimeout(() => {
        this.tick();
        schedule();
      }, delay);
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
