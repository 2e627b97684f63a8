/**
 * Relative accuracy of every quantile a {@link LatencyHistogram} reports: the answer is within 1%
 * of a value that was recorded at that rank (DDSketch's guarantee, Masson et al., VLDB 2019).
 */
export const RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const INVERSE_LOG_GAMMA = 1 / Math.log(GAMMA);

/** Smallest value told apart from zero, ms (1 µs); smaller ones count in the lowest bin. */
export const MIN_TRACKED_MS = 0.001;
/** Largest value told apart, ms (about 2.8 hours); larger ones count in the highest bin. */
export const MAX_TRACKED_MS = 10_000_000;

const MIN_INDEX = Math.ceil(Math.log(MIN_TRACKED_MS) * INVERSE_LOG_GAMMA);
const MAX_INDEX = Math.ceil(Math.log(MAX_TRACKED_MS) * INVERSE_LOG_GAMMA);
/** Number of bins; bin `b` holds values in (γ^(b+MIN_INDEX-1), γ^(b+MIN_INDEX)]. */
export const BIN_COUNT = MAX_INDEX - MIN_INDEX + 1;

/** A histogram in the compact form rings keep and services send: only non-empty bins. */
export interface CompactHistogram {
  /** Values recorded. */
  n: number;
  /** Sum of the values, ms. */
  sum: number;
  /** Smallest and largest value recorded, ms (exact). */
  min: number;
  max: number;
  /** Non-empty bins as pairs: bin, count, bin, count, … in ascending bin order. */
  bins: number[];
}

function binOf(value: number): number {
  if (!(value > MIN_TRACKED_MS)) return 0;
  if (value >= MAX_TRACKED_MS) return BIN_COUNT - 1;
  return Math.ceil(Math.log(value) * INVERSE_LOG_GAMMA) - MIN_INDEX;
}

/** The value reported for bin `bin`: within {@link RELATIVE_ACCURACY} of every value in it. */
function valueOfBin(bin: number): number {
  return (2 * GAMMA ** (bin + MIN_INDEX)) / (GAMMA + 1);
}

/**
 * A DDSketch-style latency histogram over milliseconds: logarithmic bins γ = 1.01/0.99 apart, so
 * every quantile is within 1% (relative) of a recorded value at that rank, from 1 µs to ~2.8 h.
 * `record` is one logarithm and one array increment. Histograms merge exactly (bin counts add),
 * so percentiles of several seconds or several hosts are computed from their merged counts, never
 * averaged.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BIN_COUNT);
  /** Values recorded. */
  count = 0;
  /** Sum of the values, ms. */
  sum = 0;
  /** Smallest value recorded, ms; `Infinity` when empty. */
  min = Number.POSITIVE_INFINITY;
  /** Largest value recorded, ms; 0 when empty. */
  max = 0;

  /** Records one value in milliseconds; negative and NaN values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    this.counts[binOf(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Adds every count of `other` (a histogram or its compact form) to this one. */
  merge(other: LatencyHistogram | CompactHistogram): void {
    if (other instanceof LatencyHistogram) {
      if (other.count === 0) return;
      const from = other.counts;
      for (let bin = 0; bin < BIN_COUNT; bin++) if (from[bin] !== 0) this.counts[bin] += from[bin];
      this.count += other.count;
    } else {
      if (other.n === 0) return;
      const bins = other.bins;
      for (let i = 0; i < bins.length; i += 2) this.counts[bins[i]] += bins[i + 1];
      this.count += other.n;
    }
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The value at quantile `q` (0 ≤ q ≤ 1), ms, within 1% of the recorded value of rank
   * ⌊q·(n−1)⌋; undefined when the histogram is empty. q = 0 and q = 1 answer the exact min and max.
   */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.floor(q * (this.count - 1));
    let seen = 0;
    for (let bin = 0; bin < BIN_COUNT; bin++) {
      seen += this.counts[bin];
      if (seen > rank) return clamp(valueOfBin(bin), this.min, this.max);
    }
    return this.max;
  }

  /** The compact form: what a ring stores and a service sends. */
  toCompact(): CompactHistogram {
    const bins: number[] = [];
    if (this.count > 0) {
      for (let bin = 0; bin < BIN_COUNT; bin++) {
        if (this.counts[bin] !== 0) bins.push(bin, this.counts[bin]);
      }
    }
    return { n: this.count, sum: this.sum, min: this.count === 0 ? 0 : this.min, max: this.max, bins };
  }

  /** Empties the histogram for reuse. */
  reset(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** Quantile `q` of a compact histogram without expanding it; undefined when empty. */
export function compactQuantile(histogram: CompactHistogram, q: number): number | undefined {
  if (histogram.n === 0) return undefined;
  if (q <= 0) return histogram.min;
  if (q >= 1) return histogram.max;
  const rank = Math.floor(q * (histogram.n - 1));
  const bins = histogram.bins;
  let seen = 0;
  for (let i = 0; i < bins.length; i += 2) {
    seen += bins[i + 1];
    if (seen > rank) return clamp(valueOfBin(bins[i]), histogram.min, histogram.max);
  }
  return histogram.max;
}

/** Whether `value` has the shape of a {@link CompactHistogram} with bins in range. */
export function isCompactHistogram(value: unknown): value is CompactHistogram {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  if (typeof h.n !== 'number' || typeof h.sum !== 'number') return false;
  if (typeof h.min !== 'number' || typeof h.max !== 'number' || !Array.isArray(h.bins)) return false;
  const bins = h.bins as unknown[];
  if (bins.length % 2 !== 0) return false;
  for (let i = 0; i < bins.length; i += 2) {
    const bin = bins[i];
    if (typeof bin !== 'number' || !Number.isInteger(bin) || bin < 0 || bin >= BIN_COUNT) return false;
    if (typeof bins[i + 1] !== 'number') return false;
  }
  return true;
}
