import { LoggingError } from './errors.js';
import { FileHandler } from './file-handler.js';
import type { FormatStyleName } from './format-style.js';
import { BASIC_FORMATS } from './format-style.js';
import { Formatter } from './formatter.js';
import type { Handler, WritableLike } from './handler.js';
import { StreamHandler } from './handler.js';
import type { Level } from './levels.js';
import { root } from './manager.js';

/** Python's `basicConfig` keyword arguments. */
export interface BasicConfigOptions {
  /** Log to this file (with a FileHandler) instead of stderr. */
  filename?: string;
  /** File mode when `filename` is given. Default `'a'`. */
  filemode?: string;
  /** Format of the handlers' formatter. Default `'%(levelname)s:%(name)s:%(message)s'` (per style). */
  format?: string;
  /** strftime date format. Default: Python's `'%Y-%m-%d %H:%M:%S,mmm'`. */
  datefmt?: string;
  /** `'%'` (default), `'{'` or `'$'`. */
  style?: FormatStyleName;
  /** Root logger level (number or name). Default: leave it (WARNING). */
  level?: Level;
  /** Stream for a StreamHandler. Default `process.stderr`. Not with `filename` or `handlers`. */
  stream?: WritableLike;
  /** Handlers to add to root; those without a formatter get the one built from `format`. */
  handlers?: Handler[];
  /** Remove and close root's existing handlers first. Default `false`. */
  force?: boolean;
  /** Encoding for `filename`. Default `'utf8'`. */
  encoding?: BufferEncoding;
  /** Accepted for Python compatibility. */
  errors?: string;
}

const KNOWN = new Set([
  'filename',
  'filemode',
  'format',
  'datefmt',
  'style',
  'level',
  'stream',
  'handlers',
  'force',
  'encoding',
  'errors',
]);

/**
 * Python's `basicConfig(**kwargs)`: give the root logger a handler and formatter — only
 * if it has no handlers yet, unless `force` is set. Called with no arguments by the
 * module-level `logging.info()` & co. when root has no handler.
 * @throws LoggingError `LOGGING_BAD_ARGUMENT` (ValueError) for conflicting or unknown
 *   options, `LOGGING_BAD_STYLE`, `LOGGING_BAD_FORMAT`, or the error opening `filename`.
 */
export function basicConfig(options: BasicConfigOptions = {}): void {
  const unknown = Object.keys(options).filter((k) => !KNOWN.has(k));
  if (options.force) {
    for (const h of [...root.handlers]) {
      root.removeHandler(h);
      h.close();
    }
  }
  if (root.handlers.length !== 0) return;
  let handlers = options.handlers;
  if (handlers === undefined || handlers === null) {
    if (options.stream !== undefined && options.filename !== undefined) {
      throw new LoggingError(
        'LOGGING_BAD_ARGUMENT',
        'ValueError',
        "'stream' and 'filename' should not be specified together",
      );
    }
  } else if (options.stream !== undefined || options.filename !== undefined) {
    throw new LoggingError(
      'LOGGING_BAD_ARGUMENT',
      'ValueError',
      "'stream' or 'filename' should not be specified together with 'handlers'",
    );
  }
  const style = options.style ?? '%';
  if (!(style in BASIC_FORMATS)) {
    throw new LoggingError('LOGGING_BAD_STYLE', 'ValueError', 'Style must be one of: %,{,$');
  }
  if (handlers === undefined || handlers === null) {
    handlers = [
      options.filename
        ? new FileHandler(options.filename, options.filemode ?? 'a', options.encoding ?? null)
        : new StreamHandler(options.stream ?? null),
    ];
  }
  const fmt = new Formatter(options.format ?? BASIC_FORMATS[style], options.datefmt ?? null, style);
  for (const h of handlers) {
    if (h.formatter === null) h.setFormatter(fmt);
    root.addHandler(h);
  }
  if (options.level !== undefined && options.level !== null) root.setLevel(options.level);
  if (unknown.length > 0) {
    throw new LoggingError(
      'LOGGING_BAD_ARGUMENT',
      'ValueError',
      `Unrecognised argument(s): ${unknown.join(', ')}`,
    );
  }
}
