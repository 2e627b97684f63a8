import type { EjectionReason, Host } from './host.js';
import type { ResolvedOutlierDetection } from './options.js';

/** What one finished request says about its host. */
export type Outcome = 'success' | 'server-error' | 'failure' | 'timeout';

/**
 * Updates the host's consecutive-outcome counters and says whether they now cross an
 * ejection threshold (Envoy's consecutive_5xx / consecutive_local_origin_failure idea).
 * A response of any status proves the host reachable, so it clears the failure and
 * timeout runs; only a non-5xx response clears the 5xx run.
 */
export function recordOutcome(
  host: Host,
  outcome: Outcome,
  settings: ResolvedOutlierDetection,
): EjectionReason | null {
  switch (outcome) {
    case 'success':
      host.consecutiveFailures = 0;
      host.consecutiveTimeouts = 0;
      host.consecutive5xx = 0;
      return null;
    case 'server-error':
      host.consecutiveFailures = 0;
      host.consecutiveTimeouts = 0;
      return ++host.consecutive5xx >= settings.consecutive5xx ? 'consecutive-5xx' : null;
    case 'failure':
      return ++host.consecutiveFailures >= settings.consecutiveFailures ? 'consecutive-failures' : null;
    case 'timeout':
      return ++host.consecutiveTimeouts >= settings.consecutiveTimeouts ? 'consecutive-timeouts' : null;
  }
}

/**
 * How long the next ejection lasts: baseEjectionTime × multiplier, capped at maxEjectionTime.
 * The multiplier grows by one per ejection and shrinks by one per baseEjectionTime the host
 * has since stayed healthy, so a host that keeps relapsing stays out longer each time.
 */
export function nextEjectionTime(host: Host, settings: ResolvedOutlierDetection, now: number): number {
  // Only time spent healthy earns the multiplier down; a failed trial after probing does not.
  const healthyFor = host.state === 'healthy' ? Math.max(0, now - host.healthySince) : 0;
  const decay = Math.floor(healthyFor / settings.baseEjectionTime);
  host.ejectionMultiplier = Math.max(0, host.ejectionMultiplier - decay) + 1;
  return Math.min(settings.baseEjectionTime * host.ejectionMultiplier, settings.maxEjectionTime);
}

export function resetCounters(host: Host): void {
  host.consecutiveFailures = 0;
  host.consecutiveTimeouts = 0;
  host.consecutive5xx = 0;
}
