// The status page's data: every series of every service, by second, merged from the first
// /status.json and each live push, and laid out on one time axis for the charts.

/** One series as `/status.json` sends it. */
export interface StatusSeries {
  name: string;
  unit: string;
  label?: string;
  points: [number, number][];
}

/** One service as `/status.json` sends it. */
export interface StatusService {
  name: string;
  healthy: boolean;
  series: StatusSeries[];
}

export interface StatusDocument {
  generatedAt: string;
  after: number;
  services: StatusService[];
}

/** Seconds kept: the server's ring is one hour. */
const KEEP_SECONDS = 3600;

/** Values of every series by `service/name`, then by unix second. */
export class StatusStore {
  private readonly values = new Map<string, Map<number, number>>();
  readonly health = new Map<string, boolean>();
  /** Series names each service has, in the server's order. */
  readonly names = new Map<string, string[]>();
  latest = 0;

  /** Takes in a document: points replace those of the same second (a late second can be revised). */
  add(document: StatusDocument): void {
    for (const service of document.services) {
      this.health.set(service.name, service.healthy);
      this.names.set(
        service.name,
        service.series.map((s) => s.name),
      );
      for (const series of service.series) {
        const key = `${service.name}/${series.name}`;
        let byTime = this.values.get(key);
        if (byTime === undefined) {
          byTime = new Map();
          this.values.set(key, byTime);
        }
        for (const [t, value] of series.points) {
          byTime.set(t, value);
          if (t > this.latest) this.latest = t;
        }
      }
    }
    const oldest = this.latest - KEEP_SECONDS;
    for (const byTime of this.values.values()) {
      for (const t of byTime.keys()) {
        if (t > oldest) break;
        byTime.delete(t);
      }
    }
  }

  /** Series keys of `service` whose names match `pattern`. */
  keysMatching(service: string, pattern: RegExp): string[] {
    return (this.names.get(service) ?? [])
      .filter((name) => pattern.test(name))
      .map((name) => `${service}/${name}`);
  }

  /** The values of `key` on the seconds `times`, null where it has none. */
  column(key: string, times: readonly number[]): (number | null)[] {
    const byTime = this.values.get(key);
    return times.map((t) => byTime?.get(t) ?? null);
  }

  /** The latest value of `key` within the last `seconds`, if any. */
  last(key: string, seconds = 15): number | undefined {
    const byTime = this.values.get(key);
    if (byTime === undefined) return undefined;
    for (let t = this.latest; t > this.latest - seconds; t--) {
      const value = byTime.get(t);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}

/** Every second of the last `window` seconds up to `latest`. */
export function timeAxis(latest: number, window: number): number[] {
  const times: number[] = [];
  for (let t = latest - window + 1; t <= latest; t++) times.push(t);
  return times;
}
