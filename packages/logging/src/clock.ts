import { performance } from 'node:perf_hooks';

/**
 * The wall clock in milliseconds since the epoch with sub-millisecond precision, as
 * Python 3.13's `time.time_ns()` gives records. `Date.now()` has whole milliseconds only,
 * so this reads the monotonic clock against an anchor and keeps the anchor on the wall
 * clock: whenever the two disagree about the whole millisecond (the wall clock was set,
 * or the clocks drifted apart), it re-anchors on `Date.now()` keeping the fraction.
 */
let anchor = Date.now() - performance.now();
let fixedSource: (() => number) | null = null;

/** @internal A stand-in clock (milliseconds since the epoch) for tests; `null` restores the real one. */
export function _setTimeSource(source: (() => number) | null): void {
  fixedSource = source;
}

/** Milliseconds since the epoch, with a fraction. */
export function preciseNowMs(): number {
  if (fixedSource !== null) return fixedSource();
  const fine = performance.now();
  let t = anchor + fine;
  const wall = Date.now();
  if (t < wall || t >= wall + 1) {
    t = wall + (t - Math.floor(t));
    anchor = t - fine;
  }
  return t;
}

/**
 * `created` (seconds, float) and `msecs` (whole milliseconds) of a record made at `nowMs`,
 * as CPython 3.13's `LogRecord.__init__` derives them from `time_ns()`: `msecs` is 0 when
 * the float `created` was rounded up into the next second, so `asctime` and `msecs` agree.
 */
export function recordTime(nowMs: number): { created: number; msecs: number } {
  const created = nowMs / 1000;
  const fraction = nowMs % 1000;
  let msecs = Math.floor(fraction);
  if (msecs === 999 && Math.trunc(created) !== (nowMs - fraction) / 1000) msecs = 0;
  return { created, msecs };
}
