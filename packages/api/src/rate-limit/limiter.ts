/** The outcome of counting one request against a limit. */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for `Retry-After`), at least 1 when refused. */
  retryAfterSeconds: number;
}

/** Fixed-window counter: at most `limit` hits per key per `windowMs`. */
export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}
