import { performance } from 'node:perf_hooks';
import type { Balancer } from './balancer.js';
import { NoHealthyHostError, UnknownHostError } from './errors.js';
import type { Host } from './host.js';
import type { HostSet } from './host-set.js';
import { canonicalHostUrl } from './options.js';

/**
 * Chooses the host a request goes to: a probing host free for its trial request first,
 * else the balancer's pick among the healthy ones; or the one host a request names.
 * When none can take it, says why in a `NoHealthyHostError`.
 */
export class HostSelection {
  readonly #hosts: HostSet;
  readonly #balancer: Balancer;
  readonly #poolName: string;

  constructor(hosts: HostSet, balancer: Balancer, poolName: string) {
    this.#hosts = hosts;
    this.#balancer = balancer;
    this.#poolName = poolName;
  }

  /** The next host for a balanced request, skipping those in `exclude`; null when none can take it. */
  pick(exclude: Host[] | null): Host | null {
    const probing = this.#hosts.probing;
    if (probing.length > 0) {
      for (const host of probing) {
        if (host.inFlight === 0 && (exclude === null || !exclude.includes(host))) return host;
      }
    }
    return this.#balancer.pick(this.#hosts.healthy, exclude, performance.now());
  }

  /** The member a pinned request (`request({ host })`) names; throws when it is unknown or cannot take it now. */
  target(url: string): Host {
    const members = this.#hosts.members;
    let host = members.get(url);
    if (host === undefined) {
      try {
        host = members.get(canonicalHostUrl(new URL(url)));
      } catch {
        // not a URL: reported as unknown below
      }
    }
    if (host === undefined) throw new UnknownHostError(url, [...members.keys()]);
    if (host.state === 'ejected' || (host.state === 'probing' && host.inFlight > 0))
      throw this.noHealthyHost(host);
    return host;
  }

  /** The error for a request no host can take: about `host` when the request named one, else about the pool. */
  noHealthyHost(host: Host | null): NoHealthyHostError {
    const now = Date.now();
    if (host !== null) {
      const retryAfter = host.ejectedUntil === null ? null : Math.max(0, host.ejectedUntil - now);
      return new NoHealthyHostError(
        `host ${host.url} in pool "${this.#poolName}" is ${host.state} (${host.ejectionReason ?? 'unknown'}); ` +
          'retry later or check that host',
        host.state === 'probing' ? 0 : retryAfter,
        host.url,
      );
    }
    const members = this.#hosts.members;
    let retryAfter: number | null = null;
    for (const h of members.values()) {
      if (h.state === 'ejected' && h.ejectedUntil !== null) {
        const wait = Math.max(0, h.ejectedUntil - now);
        if (retryAfter === null || wait < retryAfter) retryAfter = wait;
      }
    }
    return new NoHealthyHostError(
      `no healthy host in pool "${this.#poolName}": ${members.size} host(s), none taking requests; ` +
        'check the upstreams (pool.hosts() shows why each was ejected)',
      retryAfter,
      null,
    );
  }
}
