import http from 'node:http';

/** Where an upstream listens. */
export interface UpstreamTarget {
  host: string;
  port: number;
}

/** The host and port of an upstream's base URL. */
export function targetOf(base: string): UpstreamTarget {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

/**
 * One upstream's connections, the requests in flight to it, and what waits while it is held
 * (a rolling restart, or a crashed service being started again).
 */
export class UpstreamState {
  // No fixed pool size: the origin's admission limits bound what is in flight.
  agent = new http.Agent({ keepAlive: true });
  inFlight = 0;
  held = false;
  readonly waiting = new Set<(go: boolean) => void>();
  #drained: (() => void)[] = [];

  constructor(readonly target: UpstreamTarget) {}

  /** Runs `forward` now, or once the upstream is released (`go` false: the wait timed out). */
  whenOpen(forward: (go: boolean) => void, timeoutMs: number): void {
    if (!this.held) {
      forward(true);
      return;
    }
    const timer = setTimeout(() => {
      this.waiting.delete(waiter);
      forward(false);
    }, timeoutMs);
    const waiter = (go: boolean) => {
      clearTimeout(timer);
      forward(go);
    };
    this.waiting.add(waiter);
  }

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const done of this.#drained.splice(0)) done();
  }

  /** Resolves once no plain request is in flight to this upstream. */
  drained(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((done) => this.#drained.push(done));
  }

  open(): void {
    this.held = false;
    // Keep-alive sockets to the stopped process are stale: start over with a fresh pool.
    const old = this.agent;
    this.agent = new http.Agent({ keepAlive: true });
    old.destroy();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const go of waiting) go(true);
  }

  close(): void {
    this.agent.destroy();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const go of waiting) go(false);
  }
}
