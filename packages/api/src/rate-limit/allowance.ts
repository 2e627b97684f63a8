/**
 * One limit to count a request against: at most `burst` requests at once, refilled at one per
 * `intervalMs` (the generic cell rate algorithm: a token bucket kept as one timestamp per key).
 */
export interface Allowance {
  key: string;
  burst: number;
  /** Milliseconds per request at the sustained rate; a whole number, at least 1. */
  intervalMs: number;
}

/** The outcome of counting one request against several allowances at once. */
export interface AllowanceDecision {
  allowed: boolean;
  /** When refused: ms until every allowance would take the request. 0 when allowed. */
  retryAfterMs: number;
  /** When refused: index of the allowance that needs the longest wait; -1 when allowed. */
  refusedBy: number;
}

/**
 * Counts requests against several allowances atomically: the request is taken by all of them or
 * by none (a refused request uses up nothing, so a flooder's refused posts do not eat the room's
 * or the address's budget).
 */
export interface AllowanceLimiter {
  take(allowances: readonly Allowance[]): Promise<AllowanceDecision>;
  close(): Promise<void>;
}

/** A sustained rate as the flags give it: `count` per `windowMs`, with a burst of `burst`. */
export interface BurstRate {
  burst: number;
  count: number;
  windowMs: number;
}

/** The allowance for `key` at `rate`. */
export function allowance(key: string, rate: BurstRate): Allowance {
  return { key, burst: rate.burst, intervalMs: Math.max(1, Math.round(rate.windowMs / rate.count)) };
}

export const ALLOWED: AllowanceDecision = { allowed: true, retryAfterMs: 0, refusedBy: -1 };
