import { Agent } from 'undici';
import type { Host } from './host.js';
import type { ResolvedHealthCheck } from './options.js';

/** Receives each probe's verdict. */
export interface HealthCheckOwner {
  checkPassed(host: Host): void;
  checkFailed(host: Host, error: Error): void;
  /** Hosts to probe this round (every member that is not draining). */
  checkTargets(): Iterable<Host>;
}

/**
 * Active health checks: every `interval` ms, `GET path` on each host over a separate
 * connection pool (as Envoy does), so a host busy with traffic is still probed and
 * an ejected host is noticed as soon as it answers again.
 */
export class HealthChecker {
  private readonly settings: ResolvedHealthCheck;
  private readonly owner: HealthCheckOwner;
  private readonly agent: Agent;
  private readonly checking = new Set<Host>();
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  constructor(settings: ResolvedHealthCheck, owner: HealthCheckOwner) {
    this.settings = settings;
    this.owner = owner;
    this.agent = new Agent({
      connections: 1,
      connectTimeout: settings.timeout,
      headersTimeout: settings.timeout,
      bodyTimeout: settings.timeout,
    });
  }

  start(): void {
    this.timer = setInterval(() => this.runRound(), this.settings.interval);
    this.timer.unref();
  }

  /** Probes every host now that is not still being probed. */
  runRound(): void {
    for (const host of this.owner.checkTargets()) {
      if (!this.checking.has(host)) void this.check(host);
    }
  }

  private async check(host: Host): Promise<void> {
    this.checking.add(host);
    try {
      const response = await this.agent.request({
        origin: host.origin,
        path: host.pathPrefix + this.settings.path,
        method: 'GET',
        headers: host.hostHeader === null ? undefined : { host: host.hostHeader },
        signal: AbortSignal.timeout(this.settings.timeout),
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) {
        this.owner.checkPassed(host);
      } else {
        this.owner.checkFailed(host, new Error(`health check answered ${response.statusCode}`));
      }
    } catch (error) {
      this.owner.checkFailed(host, error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.checking.delete(host);
    }
  }

  /** Stops probing and closes the probes' connections. Safe to call more than once. */
  close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.closing ??= this.agent.destroy();
    return this.closing;
  }
}
