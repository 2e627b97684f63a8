import { Host, type HostInfo, type HostState } from './host.js';
import type { EmitPoolEvent, StateChangeReason } from './host-pool-events.js';
import type { ResolvedOptions } from './options.js';
import { resetCounters } from './outlier-detection.js';

/**
 * The pool's hosts and their states: the members (by URL), the lists the balancer and
 * the trial requests read (`healthy`, `probing`), the hosts still draining after removal,
 * and the seeds (base URLs as configured, one or more members each). Every state change
 * goes through `setState`, which keeps the lists right and reports the change.
 */
export class HostSet {
  readonly members = new Map<string, Host>();
  /** Members in state `healthy`, the balancer's candidates. */
  healthy: Host[] = [];
  /** Members in state `probing`: each takes one trial request at a time. */
  probing: Host[] = [];
  readonly draining = new Set<Host>();
  /** Base URLs as added, in order. */
  readonly seeds: string[] = [];
  /** True once the pool is closed: no timer brings a host back, no retry is sent. */
  closed = false;
  readonly #settings: ResolvedOptions;
  readonly #emit: EmitPoolEvent;

  constructor(settings: ResolvedOptions, emit: EmitPoolEvent) {
    this.#settings = settings;
    this.#emit = emit;
  }

  /** Adds a seed and its one member (more come from DNS, when on). */
  addSeed(seed: string): void {
    this.seeds.push(seed);
    this.addHost(new URL(seed), seed, null);
  }

  /** Adds a member for `url` (healthy at once), unless one with that URL exists. */
  addHost(url: URL, seed: string, hostHeader: string | null): void {
    const host = new Host(url, seed, hostHeader, this.#settings);
    if (this.members.has(host.url)) {
      void host.dispatcher.close();
      return;
    }
    this.members.set(host.url, host);
    this.healthy = [...this.healthy, host];
    this.#emit('hostAdded', { host: host.url, seed });
  }

  /** Takes `host` out of the members at once; resolves once its requests ended and its connections closed. */
  async drain(host: Host): Promise<void> {
    this.members.delete(host.url);
    this.setState(host, 'draining', 'removed', null);
    host.clearEjectionTimer();
    this.draining.add(host);
    if (host.inFlight > 0) {
      await new Promise<void>((resolve) => {
        host.onDrained = resolve;
      });
    }
    await host.dispatcher.close();
    this.draining.delete(host);
    this.#emit('hostRemoved', { host: host.url, seed: host.seed });
  }

  /** Moves `host` to state `to` and emits `hostStateChange`; a host that turns healthy is judged afresh. */
  setState(host: Host, to: HostState, reason: StateChangeReason, ejectionTime: number | null): void {
    const from = host.state;
    if (from === to) return;
    if (from === 'healthy') this.healthy = this.healthy.filter((h) => h !== host);
    else if (from === 'probing') this.probing = this.probing.filter((h) => h !== host);
    host.state = to;
    if (to === 'healthy') {
      host.clearEjectionTimer();
      host.ejectedUntil = null;
      host.healthySince = Date.now();
      host.latencyEwmaMs = 0; // judged afresh, not by the failures that got it ejected
      resetCounters(host);
      this.healthy = [...this.healthy, host];
    } else if (to === 'probing') {
      this.probing = [...this.probing, host];
    }
    this.#emit('hostStateChange', { host: host.url, from, to, reason, ejectionTime });
  }

  /** A snapshot of every member, then every host still draining. */
  snapshot(): HostInfo[] {
    const out: HostInfo[] = [];
    for (const host of this.members.values()) out.push(host.snapshot());
    for (const host of this.draining) out.push(host.snapshot());
    return out;
  }

  /** Marks the set closed and stops every ejection timer; returns every host whose connections to end. */
  close(): Host[] {
    this.closed = true;
    const hosts = [...this.members.values(), ...this.draining];
    for (const host of hosts) host.clearEjectionTimer();
    return hosts;
  }
}
