/**
 * Python's keyword arguments of a log call (`exc_info=`, `extra=`, `stack_info=`,
 * `stacklevel=`), passed as the last argument wrapped by `kw()`:
 *
 *     logger.error('upload of %s failed', name, kw({ exc_info: err, extra: { room } }));
 */

const KW: unique symbol = Symbol.for('@backchannel/logging.kwargs') as never;

/** The keyword arguments a logging call accepts. */
export interface LogKwargs {
  /** An error (or any thrown value) to append as a traceback; `true` means "none known". */
  exc_info?: unknown;
  /** Attributes to set on the record (must not clash with LogRecord attributes). */
  extra?: Record<string, unknown> | null;
  /** Append the call stack ("Stack (most recent call last):"). Default `false`. */
  stack_info?: boolean;
  /** Which caller to report: 1 (default) is the function that called the logging method. */
  stacklevel?: number;
}

/** A `LogKwargs` marked so a logging call can tell it apart from a positional argument. */
export interface KwargsBag extends LogKwargs {
  readonly [KW]: true;
}

/** Mark `options` as the keyword arguments of a log call. */
export function kw(options: LogKwargs): KwargsBag {
  return { ...options, [KW]: true } as KwargsBag;
}

/** Whether a value is a `kw()` bag (works across copies of this package). */
export function isKwargs(value: unknown): value is KwargsBag {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[KW] === true;
}
