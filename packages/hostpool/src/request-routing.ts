import { performance } from 'node:perf_hooks';
import { failureKind } from './failure-kind.js';
import type { Host } from './host.js';
import type { HostHealth } from './host-health.js';
import type { HostSelection } from './host-selection.js';
import type { HostSet } from './host-set.js';
import type { ResolvedOptions } from './options.js';
import { mayRepeat } from './request.js';
import type { AttemptOwner, RequestAttempt } from './request-attempt.js';

/**
 * Sends request attempts and judges how each dispatch ended: records latency and the
 * outcome for health, answers the caller, or sends the request on to another host when
 * the connection failed and the request may be repeated (within `retries`).
 */
export class RequestRouting implements AttemptOwner {
  readonly #settings: ResolvedOptions;
  readonly #hosts: HostSet;
  readonly #health: HostHealth;
  readonly #selection: HostSelection;

  constructor(settings: ResolvedOptions, hosts: HostSet, health: HostHealth, selection: HostSelection) {
    this.#settings = settings;
    this.#hosts = hosts;
    this.#health = health;
    this.#selection = selection;
  }

  /** Dispatches `attempt` to `host`; its end comes back to `attemptEnded`. */
  send(attempt: RequestAttempt, host: Host): void {
    host.inFlight++;
    host.requests++;
    attempt.dispatchTo(host, performance.now());
  }

  /** Called by {@link RequestAttempt} once per dispatch. */
  attemptEnded(attempt: RequestAttempt, error: Error | null): void {
    const host = attempt.host!;
    host.inFlight--;
    const settings = this.#settings;
    if (error === null) {
      const now = performance.now();
      host.recordLatency(now - attempt.startedAt, settings.ewmaAlpha, now);
      if (attempt.statusCode >= 500) {
        host.serverErrors++;
        this.#health.observe(host, 'server-error');
      } else {
        this.#health.observe(host, 'success');
      }
      if (!attempt.settled) settle(attempt, null);
    } else {
      const kind = failureKind(error);
      if (kind === 'connection' || kind === 'timeout') {
        if (kind === 'connection') host.errors++;
        else host.timeouts++;
        host.lastError = error.message;
        host.penalizeLatency(settings.ewmaAlpha, performance.now());
        this.#health.observe(host, kind === 'connection' ? 'failure' : 'timeout');
      }
      if (!attempt.settled) {
        const next = kind === 'connection' && this.#mayRetry(attempt) ? this.#nextHost(attempt, host) : null;
        if (next !== null) this.send(attempt, next);
        else settle(attempt, error);
      }
    }
    if (host.inFlight === 0 && host.onDrained !== null) host.onDrained();
  }

  #mayRetry(attempt: RequestAttempt): boolean {
    if (this.#hosts.closed || attempt.request.host !== undefined || attempt.attempts > this.#settings.retries)
      return false;
    return !attempt.sent || mayRepeat(attempt.request, attempt.method);
  }

  #nextHost(attempt: RequestAttempt, failed: Host): Host | null {
    if (attempt.tried === null) attempt.tried = [failed];
    else attempt.tried.push(failed);
    return this.#selection.pick(attempt.tried);
  }
}

/** Answers the caller and stops listening to its signal. */
function settle(attempt: RequestAttempt, error: Error | null): void {
  attempt.request.signal?.removeEventListener('abort', attempt);
  if (error === null) attempt.succeed();
  else attempt.fail(error);
}
