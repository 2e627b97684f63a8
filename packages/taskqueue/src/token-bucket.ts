/**
 * A token bucket: holds at most `limit` tokens and refills `limit` tokens per
 * `interval` ms, continuously. Taking one token per task start allows bursts of up to
 * `limit` starts and a sustained rate of `limit / interval`.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    readonly limit: number,
    readonly interval: number,
    now: number,
  ) {
    this.tokens = limit;
    this.updatedAt = now;
    this.perMs = limit / interval;
  }

  /** Milliseconds until a token is available (0 when one is available now). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  /** Takes one token; call only after `waitMs` returned 0 at the same `now`. */
  take(): void {
    this.tokens -= 1;
  }

  /** True when the bucket is full again, so forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit;
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    const tokens = this.tokens + elapsed * this.perMs;
    this.tokens = Math.min(tokens, this.limit);
    this.updatedAt = now;
  }
}
