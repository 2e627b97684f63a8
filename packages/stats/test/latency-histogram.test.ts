import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactQuantile, LatencyHistogram, RELATIVE_ACCURACY } from '../src/index.js';

/** A seeded generator, so a failure can be rerun (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

const QUANTILES = [0.01, 0.1, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

function assertWithinAccuracy(estimate: number | undefined, exact: number, context: string): void {
  assert.ok(estimate !== undefined, context);
  const error = Math.abs(estimate - exact) / exact;
  assert.ok(
    error <= RELATIVE_ACCURACY + 1e-9,
    `${context}: estimate ${estimate} vs exact ${exact} (${(error * 100).toFixed(3)}%)`,
  );
}

describe('LatencyHistogram', () => {
  for (const [shape, draw] of [
    [
      'log-normal latencies',
      (r: () => number) =>
        Math.exp(Math.log(2) + 1.2 * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r())),
    ],
    ['uniform 0.01-500 ms', (r: () => number) => 0.01 + r() * 500],
    ['heavy tail (Pareto)', (r: () => number) => 0.5 / (1 - r()) ** 0.8],
  ] as const) {
    it(`answers every quantile within 1% of the exact value on ${shape}`, () => {
      const seed = 0x5eed + shape.length;
      const next = random(seed);
      const histogram = new LatencyHistogram();
      const values: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const value = draw(next);
        values.push(value);
        histogram.record(value);
      }
      values.sort((a, b) => a - b);
      for (const q of QUANTILES) {
        assertWithinAccuracy(histogram.quantile(q), exactQuantile(values, q), `seed ${seed} q=${q}`);
        assertWithinAccuracy(
          compactQuantile(histogram.toCompact(), q),
          exactQuantile(values, q),
          `compact q=${q}`,
        );
      }
      assert.equal(histogram.quantile(0), values[0]);
      assert.equal(histogram.quantile(1), values[values.length - 1]);
      assert.equal(histogram.count, values.length);
    });
  }

  it('merging histograms gives the percentiles of all their values together', () => {
    const next = random(42);
    const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    const all: number[] = [];
    parts.forEach((part, i) => {
      // Each part has a different range, so an average of their percentiles would be far off.
      for (let n = 0; n < 5000; n++) {
        const value = (i + 1) ** 3 * (0.2 + next() * 2);
        all.push(value);
        part.record(value);
      }
    });
    const merged = new LatencyHistogram();
    merged.merge(parts[0]);
    merged.merge(parts[1].toCompact());
    merged.merge(parts[2]);
    all.sort((a, b) => a - b);
    assert.equal(merged.count, all.length);
    for (const q of QUANTILES)
      assertWithinAccuracy(merged.quantile(q), exactQuantile(all, q), `merged q=${q}`);
    const averaged = parts.reduce((sum, part) => sum + part.quantile(0.9)!, 0) / parts.length;
    assert.ok(Math.abs(averaged - exactQuantile(all, 0.9)) / exactQuantile(all, 0.9) > 0.05);
  });

  it('is empty after reset and ignores negative and NaN values', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-1);
    histogram.record(Number.NaN);
    assert.equal(histogram.quantile(0.5), undefined);
    histogram.record(3);
    histogram.reset();
    assert.equal(histogram.count, 0);
    assert.deepEqual(histogram.toCompact().bins, []);
  });

  it('keeps values below 1 µs and above the top of the range in its edge bins', () => {
    const histogram = new LatencyHistogram();
    histogram.record(0);
    histogram.record(1e9);
    assert.equal(histogram.quantile(0), 0);
    assert.equal(histogram.quantile(1), 1e9);
    assert.equal(histogram.toCompact().bins.length, 4);
  });
});
