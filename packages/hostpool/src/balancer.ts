import type { Host } from './host.js';
import type { BalanceStrategy } from './options.js';

/** Picks one host out of the healthy ones, skipping any in `exclude` (hosts already tried). */
export interface Balancer {
  /** `now` is `performance.now()`, for strategies that age their samples. */
  pick(hosts: readonly Host[], exclude: readonly Host[] | null, now: number): Host | null;
}

/** Latency samples lose weight with this time constant (ms) while a host gets no traffic. */
const LATENCY_DECAY_MS = 1000;

export function createBalancer(strategy: BalanceStrategy): Balancer {
  switch (strategy) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'least-pending':
      return new LeastPendingBalancer();
    default:
      return new PowerOfTwoChoicesBalancer();
  }
}

function candidates(hosts: readonly Host[], exclude: readonly Host[] | null): readonly Host[] {
  return exclude === null ? hosts : hosts.filter((h) => !exclude.includes(h));
}

/**
 * Power of two choices: sample two hosts at random and take the cheaper, where
 * cost = (in-flight + 1) × latency EWMA (Finagle/Linkerd's peak-EWMA idea). An idle
 * host's EWMA decays toward zero, as Finagle's does, so a host that was once slow (a
 * cold connection, a failure) is tried again; a busy host keeps its estimate. When either
 * host has no latency sample yet, the in-flight counts alone decide.
 */
class PowerOfTwoChoicesBalancer implements Balancer {
  pick(hosts: readonly Host[], exclude: readonly Host[] | null, now: number): Host | null {
    const list = candidates(hosts, exclude);
    const n = list.length;
    if (n < 2) return n === 1 ? list[0] : null;
    const i = (Math.random() * n) | 0;
    let j = (Math.random() * (n - 1)) | 0;
    if (j >= i) j++;
    const a = list[i];
    const b = list[j];
    const latencyA = latency(a, now);
    const latencyB = latency(b, now);
    if (latencyA === 0 || latencyB === 0) return a.inFlight <= b.inFlight ? a : b;
    return (a.inFlight + 1) * latencyA <= (b.inFlight + 1) * latencyB ? a : b;
  }
}

function latency(host: Host, now: number): number {
  if (host.inFlight > 0) return host.latencyEwmaMs;
  const age = now - host.latencyStamp;
  return age < 50 ? host.latencyEwmaMs : host.latencyEwmaMs * Math.exp(-age / LATENCY_DECAY_MS);
}

class RoundRobinBalancer implements Balancer {
  private cursor = 0;

  pick(hosts: readonly Host[], exclude: readonly Host[] | null): Host | null {
    const list = candidates(hosts, exclude);
    if (list.length === 0) return null;
    this.cursor = (this.cursor + 1) % list.length;
    return list[this.cursor];
  }
}

/** Fewest in-flight requests; ties go round the list so equal hosts share the load. */
class LeastPendingBalancer implements Balancer {
  private cursor = 0;

  pick(hosts: readonly Host[], exclude: readonly Host[] | null): Host | null {
    const list = candidates(hosts, exclude);
    const n = list.length;
    if (n === 0) return null;
    this.cursor = (this.cursor + 1) % n;
    let best = list[this.cursor];
    for (let k = 1; k < n; k++) {
      const h = list[(this.cursor + k) % n];
      if (h.inFlight < best.inFlight) best = h;
    }
    return best;
  }
}
