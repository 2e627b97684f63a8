import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { createBalancer } from './balancer.js';
import { broadcastToEach } from './broadcast.js';
import { DnsRefresh } from './dns-refresh.js';
import { HostPoolClosedError, HostPoolConfigError } from './errors.js';
import { HealthChecker } from './health-check.js';
import type { Host, HostInfo } from './host.js';
import { HostHealth } from './host-health.js';
import type { EmitPoolEvent, HostPoolEvents } from './host-pool-events.js';
import { HostSelection } from './host-selection.js';
import { HostSet } from './host-set.js';
import {
  canonicalHostUrl,
  type HostPoolOptions,
  parseHostUrl,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { exposeMetrics } from './prometheus.js';
import type { BroadcastResult, HostRequest, HostResponse } from './request.js';
import { RequestAttempt } from './request-attempt.js';
import { RequestRouting } from './request-routing.js';

/**
 * A pool of HTTP hosts: each request goes to one healthy host (balance) or to every
 * host (broadcast). Failing hosts are ejected and probed back; see the README for the
 * state machine and every option.
 *
 * Everything but the methods below (and `EventEmitter`'s) is held in private (`#`)
 * fields, out of reach from JavaScript as well as TypeScript.
 */
export class HostPool extends EventEmitter<HostPoolEvents> {
  readonly #settings: ResolvedOptions;
  readonly #hosts: HostSet;
  readonly #selection: HostSelection;
  readonly #routing: RequestRouting;
  readonly #healthChecker: HealthChecker | null;
  readonly #dns: DnsRefresh | null;
  #unregisterMetrics: (() => void) | null = null;

  /** Validates every option; throws {@link HostPoolConfigError} naming the first bad one. */
  constructor(options: HostPoolOptions) {
    super();
    const settings = resolveOptions(options);
    this.#settings = settings;
    const emit = this.emit.bind(this) as EmitPoolEvent;
    const hosts = new HostSet(settings, emit);
    this.#hosts = hosts;
    const health = new HostHealth(hosts, settings);
    this.#selection = new HostSelection(hosts, createBalancer(settings.balance), settings.name);
    this.#routing = new RequestRouting(settings, hosts, health, this.#selection);
    for (const url of settings.hosts) hosts.addSeed(url);
    this.#healthChecker =
      settings.healthCheck === null
        ? null
        : new HealthChecker(settings.healthCheck, {
            checkTargets: () => hosts.members.values(),
            checkPassed: (host) => health.checkPassed(host),
            checkFailed: (host, error) => health.checkFailed(host, error),
          });
    this.#healthChecker?.start();
    if (settings.registry !== null) this.#unregisterMetrics = exposeMetrics(settings.registry, this);
    this.#dns = settings.dns === null ? null : new DnsRefresh(settings.dns, hosts, emit);
    void this.#dns?.refresh();
  }

  /** The pool's name (the `name` option). */
  get name(): string {
    return this.#settings.name;
  }

  /**
   * Sends one request and resolves with the complete response (body read in full),
   * whatever its status. Balance: to one healthy host, retried on up to `retries` other
   * hosts when the connection fails before sending, or at any point for idempotent or
   * `retryable` requests. With `host`: to that host only.
   * Rejects with {@link NoHealthyHostError} when no host can take it, {@link UnknownHostError}
   * for a `host` not in the pool, {@link HostPoolClosedError} after `close()`, `signal.reason`
   * on abort, or the host's last connection or timeout error (undici's `code`s).
   */
  request(request: HostRequest): Promise<HostResponse> {
    if (this.#hosts.closed) return Promise.reject(new HostPoolClosedError());
    if (typeof request?.path !== 'string' || request.path.charCodeAt(0) !== 47 /* / */) {
      return Promise.reject(
        new HostPoolConfigError(
          'request.path',
          `expected a path starting with "/", got ${String(request?.path)}`,
        ),
      );
    }
    let host: Host | null;
    if (request.host !== undefined) {
      try {
        host = this.#selection.target(request.host);
      } catch (error) {
        return Promise.reject(error);
      }
    } else {
      if (this.#settings.mode === 'broadcast') {
        return Promise.reject(
          new HostPoolConfigError(
            'request.host',
            'a broadcast-mode pool sends with broadcast() or request({ host })',
          ),
        );
      }
      host = this.#selection.pick(null);
      if (host === null) return Promise.reject(this.#selection.noHealthyHost(null));
    }
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const attempt = new RequestAttempt(
      this.#routing,
      request,
      request.method ?? 'GET',
      this.#settings.maxResponseSize,
    );
    const promise = new Promise<HostResponse>((resolve, reject) => {
      attempt.resolve = resolve;
      attempt.reject = reject;
    });
    if (signal !== undefined) signal.addEventListener('abort', attempt, { once: true });
    this.#routing.send(attempt, host);
    return promise;
  }

  /**
   * Sends the request to every member host at once and resolves with one result per host,
   * in `hosts()` order; it never rejects. An ejected host is skipped with a
   * {@link NoHealthyHostError} as its `error`. No retries: each host's outcome is its own.
   */
  broadcast(request: Omit<HostRequest, 'host'>): Promise<BroadcastResult[]> {
    if (this.#hosts.closed) return Promise.reject(new HostPoolClosedError());
    return broadcastToEach(this.#hosts.members.keys(), request, (pinned) => this.request(pinned));
  }

  /** A snapshot of every member (and every host still draining), with state and counters. */
  hosts(): HostInfo[] {
    return this.#hosts.snapshot();
  }

  /**
   * Adds a host (a base URL). Returns false if it is already a member. With `dns`, a host
   * name is re-resolved into one member per address. Throws {@link HostPoolConfigError} on a bad URL.
   */
  add(url: string): boolean {
    this.#assertOpen();
    const canonical = canonicalHostUrl(parseHostUrl('add(url)', url));
    if (this.#hosts.seeds.includes(canonical)) return false;
    this.#hosts.addSeed(canonical);
    if (this.#dns !== null && isIP(new URL(canonical).hostname.replace(/^\[|\]$/g, '')) === 0) {
      void this.#dns.refresh();
    }
    return true;
  }

  /**
   * Removes a host (as given to `hosts` or `add`): it gets no new requests at once, and the
   * promise resolves after its in-flight requests finished and its connections closed.
   * Resolves false if the URL was not a member.
   */
  async remove(url: string): Promise<boolean> {
    this.#assertOpen();
    const canonical = canonicalHostUrl(parseHostUrl('remove(url)', url));
    const hosts = this.#hosts;
    const index = hosts.seeds.indexOf(canonical);
    if (index === -1) return false;
    hosts.seeds.splice(index, 1);
    const drains: Promise<void>[] = [];
    for (const host of [...hosts.members.values()]) {
      if (host.seed === canonical) drains.push(hosts.drain(host));
    }
    await Promise.all(drains);
    return true;
  }

  /** Makes the member list equal to `urls`: adds the new ones, removes (draining) the others. */
  async replace(urls: readonly string[]): Promise<void> {
    this.#assertOpen();
    if (!Array.isArray(urls))
      throw new HostPoolConfigError('replace(urls)', 'expected an array of base URLs');
    const wanted = urls.map((u, i) => canonicalHostUrl(parseHostUrl(`replace(urls)[${i}]`, u)));
    for (const url of wanted) this.add(url);
    await Promise.all(this.#hosts.seeds.filter((s) => !wanted.includes(s)).map((s) => this.remove(s)));
  }

  /**
   * Stops health checks and DNS refreshes, lets in-flight requests finish, then closes every
   * connection. Later calls reject with {@link HostPoolClosedError}. Safe to call twice.
   */
  async close(): Promise<void> {
    const hosts = this.#shutDown();
    await Promise.all([this.#healthChecker?.close(), ...hosts.map((h) => h.dispatcher.close())]);
  }

  /**
   * Like `close()`, but does not wait: in-flight requests reject at once (undici's
   * `UND_ERR_DESTROYED`) and every connection is torn down. For a shutdown deadline.
   */
  async destroy(): Promise<void> {
    const hosts = this.#shutDown();
    await Promise.all([this.#healthChecker?.close(), ...hosts.map((h) => h.dispatcher.destroy())]);
  }

  /**
   * Re-resolves every configured host name now (with `dns` on; otherwise does nothing) and
   * resolves once members are updated. Runs on its own every `dns.interval`; one at a time.
   */
  refreshDns(): Promise<void> {
    if (this.#dns === null) return Promise.resolve();
    return this.#dns.refresh();
  }

  /** Marks the pool closed and stops its timers; returns the hosts whose connections to end. */
  #shutDown(): Host[] {
    if (this.#hosts.closed) return [];
    this.#dns?.stop();
    this.#unregisterMetrics?.();
    return this.#hosts.close();
  }

  #assertOpen(): void {
    if (this.#hosts.closed) throw new HostPoolClosedError();
  }
}
