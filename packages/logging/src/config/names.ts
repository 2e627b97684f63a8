import { LoggingError } from '../errors.js';
import { FileHandler } from '../file-handler.js';
import { Filter } from '../filter.js';
import { BufferingFormatter, Formatter } from '../formatter.js';
import { NullHandler, StreamHandler } from '../handler.js';
import { HTTPHandler } from '../handlers/http-handler.js';
import { BufferingHandler, MemoryHandler } from '../handlers/memory-handler.js';
import { LogQueue, QueueHandler, QueueListener } from '../handlers/queue-handler.js';
import { RotatingFileHandler } from '../handlers/rotating-file-handler.js';
import { SysLogHandler } from '../handlers/syslog-handler.js';
import { TimedRotatingFileHandler } from '../handlers/timed-rotating-file-handler.js';
import { WatchedFileHandler } from '../handlers/watched-file-handler.js';
import { JsonFormatter } from '../json-formatter.js';

/**
 * The dotted names dictConfig's `class`, `()` and `ext://` understand — Python's import
 * paths for the classes this package provides, plus `sys.stderr` / `sys.stdout`.
 */
const builtins: Record<string, () => unknown> = {
  'logging.Formatter': () => Formatter,
  'logging.BufferingFormatter': () => BufferingFormatter,
  'logging.Filter': () => Filter,
  'logging.StreamHandler': () => StreamHandler,
  'logging.FileHandler': () => FileHandler,
  'logging.NullHandler': () => NullHandler,
  'logging.JsonFormatter': () => JsonFormatter,
  // python-json-logger's paths, so its dictConfig entries work unchanged.
  'pythonjsonlogger.jsonlogger.JsonFormatter': () => JsonFormatter,
  'pythonjsonlogger.json.JsonFormatter': () => JsonFormatter,
  'logging.handlers.RotatingFileHandler': () => RotatingFileHandler,
  'logging.handlers.TimedRotatingFileHandler': () => TimedRotatingFileHandler,
  'logging.handlers.WatchedFileHandler': () => WatchedFileHandler,
  'logging.handlers.MemoryHandler': () => MemoryHandler,
  'logging.handlers.BufferingHandler': () => BufferingHandler,
  'logging.handlers.QueueHandler': () => QueueHandler,
  'logging.handlers.QueueListener': () => QueueListener,
  'logging.handlers.HTTPHandler': () => HTTPHandler,
  'logging.handlers.SysLogHandler': () => SysLogHandler,
  'logging.handlers.NullHandler': () => NullHandler,
  'queue.Queue': () => LogQueue,
  'queue.SimpleQueue': () => LogQueue,
  'sys.stderr': () => process.stderr,
  'sys.stdout': () => process.stdout,
  'process.stderr': () => process.stderr,
  'process.stdout': () => process.stdout,
};

const registered = new Map<string, unknown>();

/**
 * Make `value` available to dictConfig under `name` (for `class`, `()` and `ext://name`),
 * as a Python module path would be importable. Example:
 * `registerConfigName('myapp.RedactFilter', RedactFilter)`.
 */
export function registerConfigName(name: string, value: unknown): void {
  registered.set(name, value);
}

/**
 * Python's `BaseConfigurator.resolve(s)`: a dotted name (optionally `ext://`-prefixed) to
 * its value. Accepts `@backchannel/logging.X` and `@backchannel/logging/handlers.X` too.
 * @throws LoggingError `LOGGING_CONFIG` (ValueError) naming what could not be resolved.
 */
export function resolveName(name: string, extra?: Readonly<Record<string, unknown>>): unknown {
  const s = name.startsWith('ext://') ? name.slice(6) : name;
  if (extra !== undefined && Object.hasOwn(extra, s)) return extra[s];
  if (registered.has(s)) return registered.get(s);
  const direct = builtins[s];
  if (direct !== undefined) return direct();
  const short = s.replace(/^@backchannel\/logging(\/handlers)?\./, '').replace(/^logging\.(handlers\.)?/, '');
  for (const key of Object.keys(builtins)) {
    if (key.endsWith(`.${short}`)) return builtins[key]();
  }
  throw new LoggingError(
    'LOGGING_CONFIG',
    'ValueError',
    `Cannot resolve '${name}': register it with registerConfigName('${s}', value) or pass it in dictConfig's names option`,
  );
}
