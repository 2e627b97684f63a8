/**
 * Errors raised by the logging package. Python raises ValueError / TypeError / KeyError;
 * here every error is a `LoggingError` with a stable `code` and the Python class name in
 * `pythonType`, so callers can branch on either.
 */
export type LoggingErrorCode =
  | 'LOGGING_UNKNOWN_LEVEL'
  | 'LOGGING_BAD_LEVEL_TYPE'
  | 'LOGGING_EXTRA_CLASH'
  | 'LOGGING_BAD_FORMAT'
  | 'LOGGING_FORMAT_ARGS'
  | 'LOGGING_FORMAT_KEY'
  | 'LOGGING_BAD_STYLE'
  | 'LOGGING_BAD_ARGUMENT'
  | 'LOGGING_CONFIG'
  | 'LOGGING_CLOSED';

/** An error from the logging package, with a stable `code`. */
export class LoggingError extends Error {
  readonly code: LoggingErrorCode;
  /** The Python exception class CPython raises in the same situation. */
  readonly pythonType: 'ValueError' | 'TypeError' | 'KeyError' | 'OverflowError';
  constructor(
    code: LoggingErrorCode,
    pythonType: 'ValueError' | 'TypeError' | 'KeyError' | 'OverflowError',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LoggingError';
    this.code = code;
    this.pythonType = pythonType;
  }
}
