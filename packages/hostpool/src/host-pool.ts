import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Balancer, createBalancer } from './balancer.js';
import { HostPoolClosedError, HostPoolConfigError, NoHealthyHostError, UnknownHostError } from './errors.js';
import { failureKind } from './failure-kind.js';
import { HealthChecker } from './health-check.js';
import { type EjectionReason, Host, type HostInfo, type HostState } from './host.js';
import {
  canonicalHostUrl,
  type HostPoolOptions,
  parseHostUrl,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { nextEjectionTime, type Outcome, recordOutcome, resetCounters } from './outlier-detection.js';
import { exposeMetrics } from './prometheus.js';
import { type BroadcastResult, type HostRequest, type HostResponse, mayRepeat } from './request.js';
import { type AttemptOwner, RequestAttempt } from './request-attempt.js';

/** Why a host changed state. */
export type StateChangeReason =
  | EjectionReason
  | 'ejection-expired'
  | 'trial-succeeded'
  | 'trial-failed'
  | 'health-check-passed'
  | 'removed';

/** Payload of the `hostStateChange` event. */
export interface HostStateChange {
  host: string;
  from: HostState;
  to: HostState;
  reason: StateChangeReason;
  /** For `to: 'ejected'`: how long the ejection lasts (ms), or `null` until a health check passes. */
  ejectionTime: number | null;
}

/** Events a {@link HostPool} emits, for `pool.on(name, listener)`. */
export interface HostPoolEvents {
  hostStateChange: [change: HostStateChange];
  hostAdded: [event: { host: string; seed: string }];
  /** After a removed host drained its in-flight requests and closed its connections. */
  hostRemoved: [event: { host: string; seed: string }];
  dnsError: [event: { hostname: string; error: Error }];
}

/**
 * A pool of HTTP hosts: each request goes to one healthy host (balance) or to every
 * host (broadcast). Failing hosts are ejected and probed back; see the README for the
 * state machine and every option.
 */
export class HostPool extends EventEmitter<HostPoolEvents> {
  private readonly settings: ResolvedOptions;
  private readonly balancer: Balancer;
  private readonly members = new Map<string, Host>();
  /** Members in state `healthy`, the balancer's candidates. */
  private healthy: Host[] = [];
  /** Members in state `probing`: each takes one trial request at a time. */
  private probing: Host[] = [];
  private readonly draining = new Set<Host>();
  private seeds: string[] = [];
  private closed = false;
  private readonly healthChecker: HealthChecker | null;
  private dnsTimer: NodeJS.Timeout | null = null;
  private dnsRefresh: Promise<void> | null = null;
  private unregisterMetrics: (() => void) | null = null;
  /** Hands each dispatch's end back to this pool without putting the callback on its public surface. */
  private readonly attemptOwner: AttemptOwner = {
    attemptEnded: (attempt, error) => this.onAttemptEnded(attempt, error),
  };

  /** Validates every option; throws {@link HostPoolConfigError} naming the first bad one. */
  constructor(options: HostPoolOptions) {
    super();
    this.settings = resolveOptions(options);
    this.balancer = createBalancer(this.settings.balance);
    for (const url of this.settings.hosts) this.addSeed(url);
    this.healthChecker =
      this.settings.healthCheck === null
        ? null
        : new HealthChecker(this.settings.healthCheck, {
            checkTargets: () => this.members.values(),
            checkPassed: (host) => this.onCheckPassed(host),
            checkFailed: (host, error) => this.onCheckFailed(host, error),
          });
    this.healthChecker?.start();
    if (this.settings.registry !== null) this.unregisterMetrics = exposeMetrics(this.settings.registry, this);
    if (this.settings.dns !== null) {
      this.dnsTimer = setInterval(() => void this.refreshDns(), this.settings.dns.interval);
      this.dnsTimer.unref();
      void this.refreshDns();
    }
  }

  /** The pool's name (the `name` option). */
  get name(): string {
    return this.settings.name;
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
    if (this.closed) return Promise.reject(new HostPoolClosedError());
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
        host = this.targetHost(request.host);
      } catch (error) {
        return Promise.reject(error);
      }
    } else {
      if (this.settings.mode === 'broadcast') {
        return Promise.reject(
          new HostPoolConfigError(
            'request.host',
            'a broadcast-mode pool sends with broadcast() or request({ host })',
          ),
        );
      }
      host = this.pickHost(null);
      if (host === null) return Promise.reject(this.noHealthyHost(null));
    }
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const attempt = new RequestAttempt(
      this.attemptOwner,
      request,
      request.method ?? 'GET',
      this.settings.maxResponseSize,
    );
    const promise = new Promise<HostResponse>((resolve, reject) => {
      attempt.resolve = resolve;
      attempt.reject = reject;
    });
    if (signal !== undefined) signal.addEventListener('abort', attempt, { once: true });
    this.send(attempt, host);
    return promise;
  }

  /**
   * Sends the request to every member host at once and resolves with one result per host,
   * in `hosts()` order; it never rejects. An ejected host is skipped with a
   * {@link NoHealthyHostError} as its `error`. No retries: each host's outcome is its own.
   */
  broadcast(request: Omit<HostRequest, 'host'>): Promise<BroadcastResult[]> {
    if (this.closed) return Promise.reject(new HostPoolClosedError());
    const results: Promise<BroadcastResult>[] = [];
    for (const host of this.members.values()) {
      const url = host.url;
      results.push(
        this.request({ ...request, host: url }).then(
          (r): BroadcastResult => ({
            host: url,
            ok: r.statusCode < 400,
            statusCode: r.statusCode,
            headers: r.headers,
            body: r.body,
          }),
          (error: Error): BroadcastResult => ({ host: url, ok: false, error }),
        ),
      );
    }
    return Promise.all(results);
  }

  /** A snapshot of every member (and every host still draining), with state and counters. */
  hosts(): HostInfo[] {
    const out: HostInfo[] = [];
    for (const host of this.members.values()) out.push(host.snapshot());
    for (const host of this.draining) out.push(host.snapshot());
    return out;
  }

  /**
   * Adds a host (a base URL). Returns false if it is already a member. With `dns`, a host
   * name is re-resolved into one member per address. Throws {@link HostPoolConfigError} on a bad URL.
   */
  add(url: string): boolean {
    this.assertOpen();
    const canonical = canonicalHostUrl(parseHostUrl('add(url)', url));
    if (this.seeds.includes(canonical)) return false;
    this.addSeed(canonical);
    if (this.settings.dns !== null && isIP(new URL(canonical).hostname.replace(/^\[|\]$/g, '')) === 0) {
      void this.refreshDns();
    }
    return true;
  }

  /**
   * Removes a host (as given to `hosts` or `add`): it gets no new requests at once, and the
   * promise resolves after its in-flight requests finished and its connections closed.
   * Resolves false if the URL was not a member.
   */
  async remove(url: string): Promise<boolean> {
    this.assertOpen();
    const canonical = canonicalHostUrl(parseHostUrl('remove(url)', url));
    const index = this.seeds.indexOf(canonical);
    if (index === -1) return false;
    this.seeds.splice(index, 1);
    const drains: Promise<void>[] = [];
    for (const host of [...this.members.values()]) {
      if (host.seed === canonical) drains.push(this.drain(host));
    }
    await Promise.all(drains);
    return true;
  }

  /** Makes the member list equal to `urls`: adds the new ones, removes (draining) the others. */
  async replace(urls: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(urls))
      throw new HostPoolConfigError('replace(urls)', 'expected an array of base URLs');
    const wanted = urls.map((u, i) => canonicalHostUrl(parseHostUrl(`replace(urls)[${i}]`, u)));
    for (const url of wanted) this.add(url);
    await Promise.all(this.seeds.filter((s) => !wanted.includes(s)).map((s) => this.remove(s)));
  }

  /**
   * Stops health checks and DNS refreshes, lets in-flight requests finish, then closes every
   * connection. Later calls reject with {@link HostPoolClosedError}. Safe to call twice.
   */
  async close(): Promise<void> {
    const hosts = this.shutDown();
    await Promise.all([this.healthChecker?.close(), ...hosts.map((h) => h.dispatcher.close())]);
  }

  /**
   * Like `close()`, but does not wait: in-flight requests reject at once (undici's
   * `UND_ERR_DESTROYED`) and every connection is torn down. For a shutdown deadline.
   */
  async destroy(): Promise<void> {
    const hosts = this.shutDown();
    await Promise.all([this.healthChecker?.close(), ...hosts.map((h) => h.dispatcher.destroy())]);
  }

  /** Marks the pool closed and stops its timers; returns the hosts whose connections to end. */
  private shutDown(): Host[] {
    if (this.closed) return [];
    this.closed = true;
    if (this.dnsTimer !== null) clearInterval(this.dnsTimer);
    this.unregisterMetrics?.();
    const hosts = [...this.members.values(), ...this.draining];
    for (const host of hosts) clearEjectionTimer(host);
    return hosts;
  }

  // --- request path -------------------------------------------------------------------

  private send(attempt: RequestAttempt, host: Host): void {
    host.inFlight++;
    host.requests++;
    attempt.dispatchTo(host, performance.now());
  }

  /** Called by {@link RequestAttempt} once per dispatch. */
  private onAttemptEnded(attempt: RequestAttempt, error: Error | null): void {
    const host = attempt.host!;
    host.inFlight--;
    if (error === null) {
      const now = performance.now();
      host.recordLatency(now - attempt.startedAt, this.settings.ewmaAlpha, now);
      if (attempt.statusCode >= 500) {
        host.serverErrors++;
        this.observe(host, 'server-error');
      } else {
        this.observe(host, 'success');
      }
      if (!attempt.settled) this.settle(attempt, null);
    } else {
      const kind = failureKind(error);
      if (kind === 'connection' || kind === 'timeout') {
        if (kind === 'connection') host.errors++;
        else host.timeouts++;
        host.lastError = error.message;
        host.penalizeLatency(this.settings.ewmaAlpha, performance.now());
        this.observe(host, kind === 'connection' ? 'failure' : 'timeout');
      }
      if (!attempt.settled) {
        const next = kind === 'connection' && this.mayRetry(attempt) ? this.nextHost(attempt, host) : null;
        if (next !== null) this.send(attempt, next);
        else this.settle(attempt, error);
      }
    }
    if (host.inFlight === 0 && host.onDrained !== null) host.onDrained();
  }

  private settle(attempt: RequestAttempt, error: Error | null): void {
    attempt.request.signal?.removeEventListener('abort', attempt);
    if (error === null) attempt.succeed();
    else attempt.fail(error);
  }

  private mayRetry(attempt: RequestAttempt): boolean {
    if (this.closed || attempt.request.host !== undefined || attempt.attempts > this.settings.retries)
      return false;
    return !attempt.sent || mayRepeat(attempt.request, attempt.method);
  }

  private nextHost(attempt: RequestAttempt, failed: Host): Host | null {
    if (attempt.tried === null) attempt.tried = [failed];
    else attempt.tried.push(failed);
    return this.pickHost(attempt.tried);
  }

  private pickHost(exclude: Host[] | null): Host | null {
    if (this.probing.length > 0) {
      for (const host of this.probing) {
        if (host.inFlight === 0 && (exclude === null || !exclude.includes(host))) return host;
      }
    }
    return this.balancer.pick(this.healthy, exclude, performance.now());
  }

  private targetHost(url: string): Host {
    let host = this.members.get(url);
    if (host === undefined) {
      try {
        host = this.members.get(canonicalHostUrl(new URL(url)));
      } catch {
        // not a URL: reported as unknown below
      }
    }
    if (host === undefined) throw new UnknownHostError(url, [...this.members.keys()]);
    if (host.state === 'ejected' || (host.state === 'probing' && host.inFlight > 0))
      throw this.noHealthyHost(host);
    return host;
  }

  private noHealthyHost(host: Host | null): NoHealthyHostError {
    const now = Date.now();
    if (host !== null) {
      const retryAfter = host.ejectedUntil === null ? null : Math.max(0, host.ejectedUntil - now);
      return new NoHealthyHostError(
        `host ${host.url} in pool "${this.settings.name}" is ${host.state} (${host.ejectionReason ?? 'unknown'}); ` +
          'retry later or check that host',
        host.state === 'probing' ? 0 : retryAfter,
        host.url,
      );
    }
    let retryAfter: number | null = null;
    for (const h of this.members.values()) {
      if (h.state === 'ejected' && h.ejectedUntil !== null) {
        const wait = Math.max(0, h.ejectedUntil - now);
        if (retryAfter === null || wait < retryAfter) retryAfter = wait;
      }
    }
    return new NoHealthyHostError(
      `no healthy host in pool "${this.settings.name}": ${this.members.size} host(s), none taking requests; ` +
        'check the upstreams (pool.hosts() shows why each was ejected)',
      retryAfter,
      null,
    );
  }

  // --- health ----------------------------------------------------------------------

  private observe(host: Host, outcome: Outcome): void {
    if (host.state === 'probing') {
      if (outcome === 'success') this.setState(host, 'healthy', 'trial-succeeded', null);
      else this.eject(host, 'trial-failed', true);
      return;
    }
    const od = this.settings.outlierDetection;
    if (od === null || host.state !== 'healthy') return;
    const reason = recordOutcome(host, outcome, od);
    if (reason !== null && this.mayEjectAnother()) this.eject(host, reason, true);
  }

  /**
   * Envoy's max_ejection_percent, applied to health-check ejections too: in balance mode keep
   * enough hosts to carry the load (a CPU-starved fleet failing its checks must not eject
   * itself whole). Ejecting the only host left to take traffic gains nothing, so with the
   * default 50 % a single-host pool never ejects; set 100 to allow every host to go.
   */
  private mayEjectAnother(): boolean {
    if (this.settings.mode === 'broadcast') return true;
    let out = 0;
    for (const host of this.members.values()) if (host.state !== 'healthy') out++;
    return (out + 1) * 100 <= this.settings.maxEjectionPercent * this.members.size;
  }

  /** Ejects `host`; `timed` ejections end in probing after the (growing) ejection time. */
  private eject(host: Host, reason: StateChangeReason, timed: boolean): void {
    const od = this.settings.outlierDetection;
    const now = Date.now();
    clearEjectionTimer(host);
    host.ejections++;
    if (reason !== 'trial-failed' && reason !== 'ejection-expired')
      host.ejectionReason = reason as EjectionReason;
    let ejectionTime: number | null = null;
    if (timed && od !== null) {
      ejectionTime = nextEjectionTime(host, od, now);
      host.ejectedUntil = now + ejectionTime;
      host.ejectionTimer = setTimeout(() => this.ejectionExpired(host), ejectionTime);
      host.ejectionTimer.unref();
    } else {
      host.ejectedUntil = null;
    }
    this.setState(host, 'ejected', reason, ejectionTime);
  }

  private ejectionExpired(host: Host): void {
    host.ejectionTimer = null;
    if (host.state === 'ejected' && !this.closed) this.setState(host, 'probing', 'ejection-expired', null);
  }

  /** A passing active health check; brings an ejected or probing host back. */
  private onCheckPassed(host: Host): void {
    host.healthChecks++;
    host.consecutiveCheckFailures = 0;
    host.consecutiveCheckPasses++;
    if (
      (host.state === 'ejected' || host.state === 'probing') &&
      host.consecutiveCheckPasses >= this.settings.healthCheck!.healthyThreshold
    ) {
      this.setState(host, 'healthy', 'health-check-passed', null);
    }
  }

  /** A failing active health check; ejects a healthy host after `unhealthyThreshold` in a row. */
  private onCheckFailed(host: Host, error: Error): void {
    host.healthChecks++;
    host.healthCheckFailures++;
    host.consecutiveCheckPasses = 0;
    host.lastError = error.message;
    const failures = ++host.consecutiveCheckFailures;
    if (
      host.state === 'healthy' &&
      failures >= this.settings.healthCheck!.unhealthyThreshold &&
      this.mayEjectAnother()
    ) {
      this.eject(host, 'health-check', false);
    } else if (host.state === 'probing') {
      this.eject(host, 'trial-failed', true);
    }
  }

  private setState(host: Host, to: HostState, reason: StateChangeReason, ejectionTime: number | null): void {
    const from = host.state;
    if (from === to) return;
    if (from === 'healthy') this.healthy = this.healthy.filter((h) => h !== host);
    else if (from === 'probing') this.probing = this.probing.filter((h) => h !== host);
    host.state = to;
    if (to === 'healthy') {
      clearEjectionTimer(host);
      host.ejectedUntil = null;
      host.healthySince = Date.now();
      host.latencyEwmaMs = 0; // judged afresh, not by the failures that got it ejected
      resetCounters(host);
      this.healthy = [...this.healthy, host];
    } else if (to === 'probing') {
      this.probing = [...this.probing, host];
    }
    this.emit('hostStateChange', { host: host.url, from, to, reason, ejectionTime });
  }

  // --- membership ------------------------------------------------------------------

  private addSeed(seed: string): void {
    this.seeds.push(seed);
    this.addHost(new URL(seed), seed, null);
  }

  private addHost(url: URL, seed: string, hostHeader: string | null): void {
    const host = new Host(url, seed, hostHeader, this.settings);
    if (this.members.has(host.url)) {
      void host.dispatcher.close();
      return;
    }
    this.members.set(host.url, host);
    this.healthy = [...this.healthy, host];
    this.emit('hostAdded', { host: host.url, seed });
  }

  private async drain(host: Host): Promise<void> {
    this.members.delete(host.url);
    this.setState(host, 'draining', 'removed', null);
    clearEjectionTimer(host);
    this.draining.add(host);
    if (host.inFlight > 0) {
      await new Promise<void>((resolve) => {
        host.onDrained = resolve;
      });
    }
    await host.dispatcher.close();
    this.draining.delete(host);
    this.emit('hostRemoved', { host: host.url, seed: host.seed });
  }

  private assertOpen(): void {
    if (this.closed) throw new HostPoolClosedError();
  }

  // --- DNS -------------------------------------------------------------------------

  /**
   * Re-resolves every configured host name now (with `dns` on; otherwise does nothing) and
   * resolves once members are updated. Runs on its own every `dns.interval`; one at a time.
   */
  refreshDns(): Promise<void> {
    if (this.settings.dns === null || this.closed) return Promise.resolve();
    this.dnsRefresh ??= this.resolveSeeds().finally(() => {
      this.dnsRefresh = null;
    });
    return this.dnsRefresh;
  }

  private async resolveSeeds(): Promise<void> {
    const lookup = this.settings.dns!.lookup ?? defaultLookup;
    for (const seed of [...this.seeds]) {
      const seedUrl = new URL(seed);
      const hostname = seedUrl.hostname.replace(/^\[|\]$/g, '');
      if (isIP(hostname) !== 0) continue;
      try {
        await this.resolveSeed(seed, seedUrl, await lookup(hostname));
      } catch (error) {
        this.emit('dnsError', { hostname, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  }

  private async resolveSeed(seed: string, seedUrl: URL, addresses: string[]): Promise<void> {
    // An empty answer keeps the members we have rather than emptying the pool.
    if (this.closed || addresses.length === 0 || !this.seeds.includes(seed)) return;
    const wanted = new Map<string, URL>();
    for (const address of addresses) {
      if (isIP(address) === 0)
        throw new Error(`lookup returned ${JSON.stringify(address)}, not an IP address`);
      const url = new URL(seed);
      url.hostname = isIP(address) === 6 ? `[${address}]` : address;
      wanted.set(canonicalHostUrl(url), url);
    }
    for (const [key, url] of wanted) {
      if (!this.members.has(key)) this.addHost(url, seed, seedUrl.host);
    }
    const stale = [...this.members.values()].filter((h) => h.seed === seed && !wanted.has(h.url));
    await Promise.all(stale.map((h) => this.drain(h)));
  }
}

async function defaultLookup(hostname: string): Promise<string[]> {
  const { lookup } = await import('node:dns/promises');
  const records = await lookup(hostname, { all: true });
  return records.map((r) => r.address);
}

function clearEjectionTimer(host: Host): void {
  if (host.ejectionTimer !== null) {
    clearTimeout(host.ejectionTimer);
    host.ejectionTimer = null;
  }
}
