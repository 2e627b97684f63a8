import { type CompactHistogram, LatencyHistogram } from './latency-histogram.js';
import type { RingSecond, SeriesSpec } from './status-ring.js';

/**
 * Combines the seconds of several hosts of one service into one second per `t`, oldest first:
 * latency histograms merge bin by bin, counters add, gauges add or take the largest as their
 * spec says. Seconds only one host has pass through unchanged.
 */
export function mergeSeconds(
  hosts: readonly (readonly RingSecond[])[],
  specs: readonly SeriesSpec[],
): RingSecond[] {
  if (hosts.length === 1) return [...hosts[0]];
  const byTime = new Map<number, RingSecond[]>();
  for (const seconds of hosts) {
    for (const second of seconds) {
      const same = byTime.get(second.t);
      if (same === undefined) byTime.set(second.t, [second]);
      else same.push(second);
    }
  }
  const maxGauges = new Set(specs.filter((s) => s.kind === 'gauge' && s.merge === 'max').map((s) => s.name));
  const merged: RingSecond[] = [];
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
    const same = byTime.get(t)!;
    if (same.length === 1) {
      merged.push(same[0]);
      continue;
    }
    const out: RingSecond = { t, latency: {}, counters: {}, gauges: {} };
    const histograms = new Map<string, CompactHistogram[]>();
    for (const second of same) {
      for (const [name, histogram] of Object.entries(second.latency)) {
        const list = histograms.get(name);
        if (list === undefined) histograms.set(name, [histogram]);
        else list.push(histogram);
      }
      for (const [name, count] of Object.entries(second.counters)) {
        out.counters[name] = (out.counters[name] ?? 0) + count;
      }
      for (const [name, value] of Object.entries(second.gauges)) {
        const previous = out.gauges[name];
        out.gauges[name] =
          previous === undefined ? value : maxGauges.has(name) ? Math.max(previous, value) : previous + value;
      }
    }
    for (const [name, list] of histograms) out.latency[name] = mergeCompact(list);
    merged.push(out);
  }
  return merged;
}

/** One compact histogram holding the counts of all of `histograms`. */
export function mergeCompact(histograms: readonly CompactHistogram[]): CompactHistogram {
  if (histograms.length === 1) return histograms[0];
  const sum = new LatencyHistogram();
  for (const histogram of histograms) sum.merge(histogram);
  return sum.toCompact();
}
