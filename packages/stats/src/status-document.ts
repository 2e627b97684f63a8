import { compactQuantile } from './latency-histogram.js';
import type { RingSecond, SeriesSpec } from './status-ring.js';

/** One plotted series of `/status.json`: `points` are `[unix seconds, value]`, oldest first. */
export interface StatusSeries {
  /** Stable name: `<series>.p50|p90|p99|rate` for latencies, the series' own name otherwise. */
  name: string;
  unit: string;
  label?: string;
  points: [number, number][];
}

/** One service of `/status.json`. */
export interface StatusService {
  name: string;
  /** Every host of the service answered within the last few seconds and is ready. */
  healthy: boolean;
  hosts?: { url: string; healthy: boolean; error?: string }[];
  series: StatusSeries[];
}

/** The `/status.json` document. */
export interface StatusDocument {
  /** When it was built, ISO 8601. */
  generatedAt: string;
  /** Points are those of seconds after this unix second. */
  after: number;
  services: StatusService[];
}

/** What {@link buildStatusDocument} takes for one service. */
export interface ServiceSeconds {
  name: string;
  healthy: boolean;
  hosts?: { url: string; healthy: boolean; error?: string }[];
  series: readonly SeriesSpec[];
  /** Closed seconds, oldest first (merged across hosts already). */
  seconds: readonly RingSecond[];
}

/** Quantiles every latency series is plotted at. */
export const PLOTTED_QUANTILES = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
] as const;

function rounded(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Turns seconds into plotted series: a latency series becomes `.p50`, `.p90`, `.p99` (ms, from
 * each second's histogram, so never an average of percentiles) and `.rate` (values per second);
 * a counter its count per second; a gauge its sampled value. A second without values for a series
 * has no point in it (a latency with no requests that second has no percentile).
 */
export function buildStatusDocument(services: readonly ServiceSeconds[], after: number): StatusDocument {
  return {
    generatedAt: new Date().toISOString(),
    after,
    services: services.map((service) => ({
      name: service.name,
      healthy: service.healthy,
      ...(service.hosts ? { hosts: service.hosts } : {}),
      series: service.series.flatMap((spec) => seriesOf(spec, service.seconds, after)),
    })),
  };
}

function seriesOf(spec: SeriesSpec, seconds: readonly RingSecond[], after: number): StatusSeries[] {
  const label = spec.label ? { label: spec.label } : {};
  if (spec.kind === 'latency') {
    const quantiles: StatusSeries[] = PLOTTED_QUANTILES.map(([suffix]) => ({
      name: `${spec.name}.${suffix}`,
      unit: 'ms',
      ...label,
      points: [],
    }));
    const rate: StatusSeries = { name: `${spec.name}.rate`, unit: '/s', ...label, points: [] };
    for (const second of seconds) {
      if (second.t <= after) continue;
      const histogram = second.latency[spec.name];
      if (histogram === undefined || histogram.n === 0) {
        rate.points.push([second.t, 0]);
        continue;
      }
      PLOTTED_QUANTILES.forEach(([, q], i) => {
        quantiles[i].points.push([second.t, rounded(compactQuantile(histogram, q)!)]);
      });
      rate.points.push([second.t, histogram.n]);
    }
    return [...quantiles, rate];
  }
  const series: StatusSeries = { name: spec.name, unit: spec.unit, ...label, points: [] };
  for (const second of seconds) {
    if (second.t <= after) continue;
    const value = spec.kind === 'counter' ? second.counters[spec.name] : second.gauges[spec.name];
    if (value !== undefined) series.points.push([second.t, rounded(value)]);
  }
  return [series];
}
