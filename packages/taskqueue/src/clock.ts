/** Monotonic milliseconds: `performance.now()` where it exists, else `Date.now()`. */
export const now: () => number = typeof performance === 'object' ? () => performance.now() : () => Date.now();
