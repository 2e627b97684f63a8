/** One service's state under supervision, as `backchannel status` shows it. */
export interface ServiceHealth {
  /** `running`; `restarting` (exited, being brought back); `crash-looping` (exited too often lately). */
  state: 'running' | 'restarting' | 'crash-looping';
  /** Restarts since the stack started. */
  restarts: number;
  /** Why it last exited (`exit code 1`, `signal SIGKILL`, a failed start), if it ever did. */
  lastExit: string | null;
  /** When it last exited, ISO 8601. */
  lastExitAt: string | null;
}

export interface SupervisionPolicy {
  /** First wait before a restart, ms; doubles with each exit in a row. Default 250. */
  minDelayMs: number;
  /** Longest wait before a restart, ms. Default 30 000. */
  maxDelayMs: number;
  /** A service that stays up this long has its backoff reset, ms. Default 60 000. */
  stableAfterMs: number;
  /** This many exits within `crashLoopWindowMs` is a crash loop. Default 5. */
  crashLoopExits: number;
  crashLoopWindowMs: number;
}

export const defaultSupervisionPolicy: SupervisionPolicy = {
  minDelayMs: 250,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  crashLoopExits: 5,
  crashLoopWindowMs: 60_000,
};

/**
 * The restart bookkeeping of one supervised service: capped exponential backoff between
 * restarts (reset once the service has stayed up for a while) and crash-loop detection.
 */
export class Supervision {
  /** True while the service is being brought back. */
  restarting = false;
  restarts = 0;
  readonly #policy: SupervisionPolicy;
  #exits: number[] = [];
  #inARow = 0;
  #startedAt = Date.now();
  #lastExit: string | null = null;
  #lastExitAt: number | null = null;

  constructor(policy: SupervisionPolicy = defaultSupervisionPolicy) {
    this.#policy = policy;
  }

  /** Whether the service exited `crashLoopExits` times within the window. */
  get crashLooping(): boolean {
    const since = Date.now() - this.#policy.crashLoopWindowMs;
    return this.#exits.filter((at) => at > since).length >= this.#policy.crashLoopExits;
  }

  /** Notes an exit (or a failed start) and returns how long to wait before starting it again, ms. */
  recordExit(reason: string, now = Date.now()): number {
    if (now - this.#startedAt >= this.#policy.stableAfterMs && !this.#failedSinceStart()) this.#inARow = 0;
    this.#exits = this.#exits.filter((at) => at > now - this.#policy.crashLoopWindowMs);
    this.#exits.push(now);
    this.#lastExit = reason;
    this.#lastExitAt = now;
    const delay = Math.min(this.#policy.minDelayMs * 2 ** this.#inARow, this.#policy.maxDelayMs);
    this.#inARow++;
    return delay;
  }

  /** Notes that the service answered ready again. */
  recordStart(now = Date.now()): void {
    this.restarts++;
    this.#startedAt = now;
  }

  health(): ServiceHealth {
    return {
      state: this.crashLooping ? 'crash-looping' : this.restarting ? 'restarting' : 'running',
      restarts: this.restarts,
      lastExit: this.#lastExit,
      lastExitAt: this.#lastExitAt === null ? null : new Date(this.#lastExitAt).toISOString(),
    };
  }

  /** Failed start attempts come one after another with no start between: they never reset the backoff. */
  #failedSinceStart(): boolean {
    return this.#lastExitAt !== null && this.#lastExitAt > this.#startedAt;
  }
}
