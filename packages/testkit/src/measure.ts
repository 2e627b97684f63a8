/**
 * The `p`-th percentile (0–100) of `values` by nearest rank; `values` need not be sorted (a
 * sorted copy is made). NaN for no values.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** CPU time (user + system) this process spent since `start()`, in ms. */
export function cpuTime(): { elapsedMs(): number } {
  const start = process.cpuUsage();
  return {
    elapsedMs() {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    },
  };
}
