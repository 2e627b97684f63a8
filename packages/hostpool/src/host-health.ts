import type { EjectionReason, Host } from './host.js';
import type { StateChangeReason } from './host-pool-events.js';
import type { HostSet } from './host-set.js';
import type { ResolvedOptions } from './options.js';
import { nextEjectionTime, type Outcome, recordOutcome } from './outlier-detection.js';

/**
 * Decides when a host leaves and rejoins the rotation: passive outlier detection on the
 * outcomes of real requests, the verdicts of active health checks, trial requests of a
 * probing host, and timed ejections that end in probing.
 */
export class HostHealth {
  readonly #hosts: HostSet;
  readonly #settings: ResolvedOptions;

  constructor(hosts: HostSet, settings: ResolvedOptions) {
    this.#hosts = hosts;
    this.#settings = settings;
  }

  /** The outcome of one request to `host`: a probing host's trial decides its state; a healthy one feeds outlier detection. */
  observe(host: Host, outcome: Outcome): void {
    if (host.state === 'probing') {
      if (outcome === 'success') this.#hosts.setState(host, 'healthy', 'trial-succeeded', null);
      else this.#eject(host, 'trial-failed', true);
      return;
    }
    const od = this.#settings.outlierDetection;
    if (od === null || host.state !== 'healthy') return;
    const reason = recordOutcome(host, outcome, od);
    if (reason !== null && this.#mayEjectAnother()) this.#eject(host, reason, true);
  }

  /** A passing active health check; brings an ejected or probing host back. */
  checkPassed(host: Host): void {
    host.healthChecks++;
    host.consecutiveCheckFailures = 0;
    host.consecutiveCheckPasses++;
    if (
      (host.state === 'ejected' || host.state === 'probing') &&
      host.consecutiveCheckPasses >= this.#settings.healthCheck!.healthyThreshold
    ) {
      this.#hosts.setState(host, 'healthy', 'health-check-passed', null);
    }
  }

  /** A failing active health check; ejects a healthy host after `unhealthyThreshold` in a row. */
  checkFailed(host: Host, error: Error): void {
    host.healthChecks++;
    host.healthCheckFailures++;
    host.consecutiveCheckPasses = 0;
    host.lastError = error.message;
    const failures = ++host.consecutiveCheckFailures;
    if (
      host.state === 'healthy' &&
      failures >= this.#settings.healthCheck!.unhealthyThreshold &&
      this.#mayEjectAnother()
    ) {
      this.#eject(host, 'health-check', false);
    } else if (host.state === 'probing') {
      this.#eject(host, 'trial-failed', true);
    }
  }

  /**
   * Envoy's max_ejection_percent, applied to health-check ejections too: in balance mode keep
   * enough hosts to carry the load (a CPU-starved fleet failing its checks must not eject
   * itself whole). Ejecting the only host left to take traffic gains nothing, so with the
   * default 50 % a single-host pool never ejects; set 100 to allow every host to go.
   */
  #mayEjectAnother(): boolean {
    if (this.#settings.mode === 'broadcast') return true;
    const members = this.#hosts.members;
    let out = 0;
    for (const host of members.values()) if (host.state !== 'healthy') out++;
    return (out + 1) * 100 <= this.#settings.maxEjectionPercent * members.size;
  }

  /** Ejects `host`; `timed` ejections end in probing after the (growing) ejection time. */
  #eject(host: Host, reason: StateChangeReason, timed: boolean): void {
    const od = this.#settings.outlierDetection;
    const now = Date.now();
    host.clearEjectionTimer();
    host.ejections++;
    if (reason !== 'trial-failed' && reason !== 'ejection-expired')
      host.ejectionReason = reason as EjectionReason;
    let ejectionTime: number | null = null;
    if (timed && od !== null) {
      ejectionTime = nextEjectionTime(host, od, now);
      host.ejectedUntil = now + ejectionTime;
      host.ejectionTimer = setTimeout(() => this.#ejectionExpired(host), ejectionTime);
      host.ejectionTimer.unref();
    } else {
      host.ejectedUntil = null;
    }
    this.#hosts.setState(host, 'ejected', reason, ejectionTime);
  }

  #ejectionExpired(host: Host): void {
    host.ejectionTimer = null;
    if (host.state === 'ejected' && !this.#hosts.closed) {
      this.#hosts.setState(host, 'probing', 'ejection-expired', null);
    }
  }
}
