import { isMainThread, threadId } from 'node:worker_threads';
import type { CallerInfo, CapturedSite } from './caller.js';
import { callerFromPath, resolveSite, unknownCaller } from './caller.js';
import { preciseNowMs, recordTime } from './clock.js';
import { levelNameOf } from './levels.js';
import { applyPercent, compilePercent, isMapping } from './percent-format.js';
import { registry } from './registry.js';
import { str } from './value-text.js';

/** What may be passed as `exc_info`: an error (or any thrown value), or `true`/`false`. */
export type ExcInfo = unknown;

/** Positional arguments, or — when a single plain object was passed — that mapping. */
export type LogArgs = readonly unknown[] | Record<string, unknown>;

/** Python's `setLogRecordFactory` signature. */
export type LogRecordFactory = (
  name: string,
  level: number,
  pathname: string | null,
  lineno: number,
  msg: unknown,
  args: LogArgs | null,
  exc_info: ExcInfo,
  func?: string | null,
  sinfo?: string | null,
) => LogRecord;

const THREAD_NAME = isMainThread ? 'MainThread' : `Thread-${threadId}`;
const EMPTY: readonly unknown[] = Object.freeze([]);

/**
 * A logged event, with Python's attribute names. Caller location (`pathname`, `filename`,
 * `module`, `lineno`, `funcName`) is resolved on first read when the record was made
 * with a captured stack, so records whose format never shows it never pay for it.
 */
export class LogRecord {
  name: string;
  msg: unknown;
  /** The message arguments; `null` after `QueueHandler.prepare` (as Python's `None`). */
  args: LogArgs | null;
  levelname: string;
  levelno: number;
  exc_info: ExcInfo;
  exc_text: string | null;
  stack_info: string | null;
  /** Seconds since the epoch (float), as `time.time()`. */
  created: number;
  /** Milliseconds part of `created` (a whole number, as in Python 3.13). */
  msecs: number;
  /** Milliseconds since logging was loaded. */
  relativeCreated: number;
  thread: number;
  threadName: string;
  processName: string;
  process: number;
  taskName: string | null;
  /** Set by `Formatter.format`. */
  message: string | undefined;
  /** Set by `Formatter.format` when the format uses it. */
  asctime: string | undefined;
  /** @internal the captured stack for lazy caller lookup. */
  _site: CapturedSite | null;
  /** @internal how many non-logging frames up the caller is. */
  _stacklevel: number;
  /** @internal resolved caller. */
  _caller: CallerInfo | null;
  /** @internal an error met while formatting, reported through `handleError`. */
  _formatError: unknown;

  constructor(
    name: string,
    level: number,
    pathname: string | null,
    lineno: number,
    msg: unknown,
    args: LogArgs | null,
    exc_info: ExcInfo,
    func: string | null = null,
    sinfo: string | null = null,
  ) {
    const now = preciseNowMs();
    this.name = name;
    this.msg = msg;
    if (args !== null && Array.isArray(args) && args.length === 1 && isMapping(args[0])) {
      const only = args[0] as Record<string, unknown>;
      this.args = hasKeys(only) ? only : args;
    } else {
      this.args = args ?? EMPTY;
    }
    this.levelname = levelNameOf(level);
    this.levelno = level;
    this.exc_info = exc_info === undefined ? null : exc_info;
    this.exc_text = null;
    this.stack_info = sinfo;
    const time = recordTime(now);
    this.created = time.created;
    this.msecs = time.msecs;
    this.relativeCreated = now - registry.startTime;
    this.thread = threadId;
    this.threadName = THREAD_NAME;
    this.processName = 'MainProcess';
    this.process = process.pid;
    this.taskName = null;
    this.message = undefined;
    this.asctime = undefined;
    this._site = null;
    this._stacklevel = 1;
    this._caller = pathname === null ? null : callerFromPath(pathname, lineno, func);
    this._formatError = undefined;
  }

  /** @internal resolve (once) and return the caller location. */
  _location(): CallerInfo {
    let c = this._caller;
    if (c === null) {
      c = this._site === null ? unknownCaller() : resolveSite(this._site, this._stacklevel, false).caller;
      this._site = null;
      this._caller = c;
    }
    return c;
  }

  get pathname(): string {
    return this._location().pathname;
  }
  set pathname(v: string) {
    this._location().pathname = v;
  }
  get filename(): string {
    return this._location().filename;
  }
  set filename(v: string) {
    this._location().filename = v;
  }
  get module(): string {
    return this._location().module;
  }
  set module(v: string) {
    this._location().module = v;
  }
  get lineno(): number {
    return this._location().lineno;
  }
  set lineno(v: number) {
    this._location().lineno = v;
  }
  get funcName(): string {
    return this._location().funcName;
  }
  set funcName(v: string) {
    this._location().funcName = v;
  }

  /**
   * Python's `getMessage()`: `str(msg)`, then `% args` when there are args.
   * @throws LoggingError when the args do not fit the message (Python's TypeError etc.).
   */
  getMessage(): string {
    const msg = this.msg;
    const text = typeof msg === 'string' ? msg : str(msg);
    const args = this.args;
    if (
      args === null ||
      (Array.isArray(args) ? args.length === 0 : !hasKeys(args as Record<string, unknown>))
    )
      return text;
    return applyPercent(compilePercent(text), args);
  }

  toString(): string {
    return `<LogRecord: ${this.name}, ${this.levelno}, ${this.pathname}, ${this.lineno}, "${str(this.msg)}">`;
  }
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/** The attribute names a LogRecord has of its own (an `extra` may not reuse them). */
export const RECORD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'msg',
  'args',
  'levelname',
  'levelno',
  'pathname',
  'filename',
  'module',
  'exc_info',
  'exc_text',
  'stack_info',
  'lineno',
  'funcName',
  'created',
  'msecs',
  'relativeCreated',
  'thread',
  'threadName',
  'processName',
  'process',
  'taskName',
  'message',
  'asctime',
]);

/** Number of own keys every record starts with; keys after these are `extra` or added by filters. */
export const BASE_KEY_COUNT = Object.keys(new LogRecord('', 0, null, 0, '', null, null)).length;

const defaultFactory: LogRecordFactory = (name, level, pathname, lineno, msg, args, exc_info, func, sinfo) =>
  new LogRecord(name, level, pathname, lineno, msg, args, exc_info, func ?? null, sinfo ?? null);

/** Python's `setLogRecordFactory`: every record is made by `factory` from now on. */
export function setLogRecordFactory(factory: LogRecordFactory): void {
  registry.recordFactory = factory === defaultFactory ? undefined : factory;
}

/** Python's `getLogRecordFactory`. */
export function getLogRecordFactory(): LogRecordFactory {
  return registry.recordFactory ?? defaultFactory;
}

/**
 * Python's `makeLogRecord(dict)`: a record whose attributes are taken from `attrs`
 * (used to rebuild records received over a socket or a queue).
 */
export function makeLogRecord(attrs: Record<string, unknown>): LogRecord {
  const rv = getLogRecordFactory()('', 0, '', 0, '', EMPTY, null, null, null);
  Object.assign(rv, attrs);
  return rv;
}
