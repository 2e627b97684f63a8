import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { StatusRing } from './status-ring.js';

/** Sampling interval of the event-loop delay monitor, ms. */
const RESOLUTION_MS = 10;

/**
 * Declares three gauges on `ring`, sampled every second: `process.cpu` (% of one core used since
 * the last sample), `process.rss` (resident memory, MB) and `process.loop_delay_p99` (event-loop
 * delay p99 over the last second, ms, from `perf_hooks.monitorEventLoopDelay`). Returns a function
 * that stops the delay monitor.
 */
export function sampleProcess(ring: StatusRing): () => void {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  ring.gauge(
    'process.cpu',
    '%',
    () => {
      const cpu = process.cpuUsage();
      const at = process.hrtime.bigint();
      const usedMicros = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
      const elapsedMicros = Number(at - lastAt) / 1000;
      lastCpu = cpu;
      lastAt = at;
      return elapsedMicros > 0 ? (100 * usedMicros) / elapsedMicros : 0;
    },
    { label: 'CPU' },
  );
  ring.gauge('process.rss', 'MB', () => process.memoryUsage.rss() / 1_048_576, { label: 'memory (RSS)' });
  ring.gauge(
    'process.loop_delay_p99',
    'ms',
    () => {
      // The monitor records the time between its timer's runs, the interval included: the delay
      // is what passes beyond it.
      const p99 = delay.count === 0 ? 0 : Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS);
      delay.reset();
      return p99;
    },
    { merge: 'max', label: 'event-loop delay p99' },
  );
  return () => delay.disable();
}
