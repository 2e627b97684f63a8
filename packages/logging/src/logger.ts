import { captureSite, resolveSite } from './caller.js';
import { LoggingError } from './errors.js';
import { Filterer } from './filter.js';
import type { Handler } from './handler.js';
import type { KwargsBag } from './kwargs.js';
import { isKwargs } from './kwargs.js';
import type { Level } from './levels.js';
import { CRITICAL, checkLevel, DEBUG, ERROR, INFO, levelNameOf, NOTSET, WARNING } from './levels.js';
import type { Manager } from './manager.js';
import type { ExcInfo, LogArgs } from './record.js';
import { LogRecord, RECORD_ATTRIBUTES } from './record.js';
import { registry } from './registry.js';

/** A level method: `logger.info('user %s did %d things', name, n, kw({ extra }))`. */
export type LogMethod = (msg: unknown, ...args: unknown[]) => void;

function noop(): void {}

function splitKwargs(args: unknown[]): KwargsBag | null {
  const n = args.length;
  if (n === 0) return null;
  const last = args[n - 1];
  if (isKwargs(last)) {
    args.length = n - 1;
    return last;
  }
  return null;
}

function logAt(logger: Logger, level: number, msg: unknown, args: unknown[], defaultExc: ExcInfo): void {
  const k = splitKwargs(args);
  if (k === null) {
    logger._log(level, msg, args, defaultExc);
  } else {
    logger._log(
      level,
      msg,
      args,
      k.exc_info === undefined ? defaultExc : k.exc_info,
      k.extra ?? null,
      k.stack_info ?? false,
      k.stacklevel ?? 1,
    );
  }
}

// Enabled level methods: the level was checked when they were installed.
function debugOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, DEBUG, msg, args, null);
}
function infoOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, INFO, msg, args, null);
}
function warningOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, WARNING, msg, args, null);
}
function errorOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, ERROR, msg, args, null);
}
function exceptionOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, ERROR, msg, args, true);
}
function criticalOn(this: Logger, msg: unknown, ...args: unknown[]): void {
  logAt(this, CRITICAL, msg, args, null);
}

// First call after a level change: install the right method, then log.
function debugCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.debug !== noop) logAt(this, DEBUG, msg, args, null);
}
function infoCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.info !== noop) logAt(this, INFO, msg, args, null);
}
function warningCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.warning !== noop) logAt(this, WARNING, msg, args, null);
}
function errorCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.error !== noop) logAt(this, ERROR, msg, args, null);
}
function exceptionCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.exception !== noop) logAt(this, ERROR, msg, args, true);
}
function criticalCheck(this: Logger, msg: unknown, ...args: unknown[]): void {
  this._installLevelMethods();
  if (this.critical !== noop) logAt(this, CRITICAL, msg, args, null);
}

/**
 * Python's `logging.Logger`. Get one with `getLogger(name)`, never with `new`.
 *
 * The level methods (`debug` … `critical`) are replaced by an empty function while their
 * level is disabled, so a call below the effective level costs what an empty call costs.
 * Records are built, filtered and handed to handlers synchronously, in call order.
 */
export class Logger extends Filterer {
  name: string;
  level: number;
  parent: Logger | null = null;
  private _handlers: Handler[] = [];
  /** Log at DEBUG. */
  debug: LogMethod = debugCheck;
  /** Log at INFO. */
  info: LogMethod = infoCheck;
  /** Log at WARNING. */
  warning: LogMethod = warningCheck;
  /** Deprecated alias of `warning` (as in Python). */
  warn: LogMethod = warningCheck;
  /** Log at ERROR. */
  error: LogMethod = errorCheck;
  /** Log at ERROR with `exc_info` defaulting to `true`; pass the error with `kw({ exc_info: err })`. */
  exception: LogMethod = exceptionCheck;
  /** Log at CRITICAL. */
  critical: LogMethod = criticalCheck;
  /** Alias of `critical`. */
  fatal: LogMethod = criticalCheck;
  private _propagate = true;
  private _disabled = false;
  private _effective = -1;
  private _callerGeneration = -1;
  private _needsCaller = false;

  constructor(name: string, level: Level = NOTSET) {
    super();
    this.name = name;
    this.level = checkLevel(level);
  }

  /** This logger's handlers. Prefer `addHandler`/`removeHandler`; assigning a new array also works. */
  get handlers(): Handler[] {
    return this._handlers;
  }
  set handlers(value: Handler[]) {
    this._handlers = value;
    registry.generation++;
  }

  /** Whether records also go to the ancestors' handlers. Default `true`. */
  get propagate(): boolean {
    return this._propagate;
  }
  set propagate(value: boolean) {
    this._propagate = value;
    registry.generation++;
  }

  /** A disabled logger drops every record (set by dictConfig's `disable_existing_loggers`). */
  get disabled(): boolean {
    return this._disabled;
  }
  set disabled(value: boolean) {
    this._disabled = value;
    this._clearCache();
  }

  /** The manager of the logger tree (Python's `Logger.manager`). */
  get manager(): Manager {
    return registry.manager!;
  }

  /** The root logger (Python's `Logger.root`). */
  get root(): Logger {
    return registry.manager!.root;
  }

  /** @internal forget cached levels; the next level-method call re-checks. */
  _clearCache(): void {
    this._effective = -1;
    this.debug = debugCheck;
    this.info = infoCheck;
    this.warning = warningCheck;
    this.warn = warningCheck;
    this.error = errorCheck;
    this.exception = exceptionCheck;
    this.critical = criticalCheck;
    this.fatal = criticalCheck;
  }

  /** @internal install a no-op or a logging function per level. */
  _installLevelMethods(): void {
    const on = (level: number) => this.isEnabledFor(level);
    this.debug = on(DEBUG) ? debugOn : noop;
    this.info = on(INFO) ? infoOn : noop;
    this.warning = this.warn = on(WARNING) ? warningOn : noop;
    this.error = on(ERROR) ? errorOn : noop;
    this.exception = on(ERROR) ? exceptionOn : noop;
    this.critical = this.fatal = on(CRITICAL) ? criticalOn : noop;
  }

  /** Set this logger's threshold. @throws LoggingError for an unknown level name. */
  setLevel(level: Level): void {
    this.level = checkLevel(level);
    registry.manager!._clearCache();
  }

  /** Log at any numeric level. @throws LoggingError (TypeError) when `level` is not a number and `raiseExceptions` is on. */
  log(level: number, msg: unknown, ...args: unknown[]): void {
    if (typeof level !== 'number' || !Number.isInteger(level)) {
      if (registry.raiseExceptions) {
        throw new LoggingError('LOGGING_BAD_LEVEL_TYPE', 'TypeError', 'level must be an integer');
      }
      return;
    }
    if (this.isEnabledFor(level)) logAt(this, level, msg, args, null);
  }

  /** The level that applies: this logger's, else the nearest ancestor's that is not NOTSET. */
  getEffectiveLevel(): number {
    if (this._effective >= 0) return this._effective;
    let logger: Logger | null = this;
    let level = NOTSET;
    while (logger !== null) {
      if (logger.level) {
        level = logger.level;
        break;
      }
      logger = logger.parent;
    }
    this._effective = level;
    return level;
  }

  /** Whether a record at `level` would be processed (takes `disable()` into account). */
  isEnabledFor(level: number): boolean {
    if (this._disabled) return false;
    if (registry.manager!.disable >= level) return false;
    return level >= this.getEffectiveLevel();
  }

  /** `getLogger(this.name + '.' + suffix)`. */
  getChild(suffix: string): Logger {
    const root = registry.manager!.root;
    return registry.manager!.getLogger(this === root ? suffix : `${this.name}.${suffix}`);
  }

  /** Python 3.12's `getChildren()`: the loggers immediately below this one. */
  getChildren(): Set<Logger> {
    const manager = registry.manager!;
    const depth = (l: Logger) => (l === manager.root ? 0 : 1 + l.name.split('.').length - 1);
    const out = new Set<Logger>();
    for (const item of manager.loggerDict.values()) {
      if (isLogger(item) && item.parent === this && depth(item) === 1 + depth(this)) out.add(item);
    }
    return out;
  }

  addHandler(handler: Handler): void {
    if (!this.handlers.includes(handler)) this.handlers.push(handler);
    registry.generation++;
  }

  removeHandler(handler: Handler): void {
    const i = this.handlers.indexOf(handler);
    if (i >= 0) this.handlers.splice(i, 1);
    registry.generation++;
  }

  /** Whether this logger or an ancestor reachable by propagation has a handler. */
  hasHandlers(): boolean {
    let c: Logger | null = this;
    while (c !== null) {
      if (c.handlers.length > 0) return true;
      c = c._propagate ? c.parent : null;
    }
    return false;
  }

  /**
   * Python's `findCaller(stack_info, stacklevel)`: `[pathname, lineno, funcName, sinfo]`
   * of the code that called into logging.
   */
  findCaller(stackInfo = false, stacklevel = 1): [string, number, string, string | null] {
    const { caller, stack } = resolveSite(captureSite(), stacklevel, stackInfo);
    return [caller.pathname, caller.lineno, caller.funcName, stack];
  }

  /**
   * Python's `makeRecord`: build the record (through the record factory) and copy `extra`
   * onto it.
   * @throws LoggingError `LOGGING_EXTRA_CLASH` (Python's KeyError) when an `extra` key
   *   would overwrite a record attribute such as `message` or `levelname`.
   */
  makeRecord(
    name: string,
    level: number,
    fn: string | null,
    lno: number,
    msg: unknown,
    args: LogArgs,
    excInfo: ExcInfo,
    func: string | null = null,
    extra: Record<string, unknown> | null = null,
    sinfo: string | null = null,
  ): LogRecord {
    const factory = registry.recordFactory;
    const rv =
      factory === undefined
        ? new LogRecord(name, level, fn, lno, msg, args, excInfo, func, sinfo)
        : factory(name, level, fn, lno, msg, args, excInfo, func, sinfo);
    if (extra !== null) {
      for (const key in extra) {
        if (RECORD_ATTRIBUTES.has(key) || Object.hasOwn(rv, key)) {
          throw new LoggingError(
            'LOGGING_EXTRA_CLASH',
            'KeyError',
            `Attempt to overwrite '${key}' in LogRecord`,
          );
        }
        (rv as unknown as Record<string, unknown>)[key] = extra[key];
      }
    }
    return rv;
  }

  /** @internal whether some handler this logger reaches shows the caller location. */
  private needsCaller(): boolean {
    if (this._callerGeneration === registry.generation) return this._needsCaller;
    let needs = false;
    let found = false;
    let c: Logger | null = this;
    while (c !== null && !needs) {
      for (const h of c.handlers) {
        found = true;
        const uses = (h as { usesCaller?: () => boolean }).usesCaller;
        if (typeof uses !== 'function' || uses.call(h)) {
          needs = true;
          break;
        }
      }
      c = c._propagate ? c.parent : null;
    }
    if (!found && registry.lastResort !== null) needs = registry.lastResort.usesCaller();
    this._needsCaller = needs;
    this._callerGeneration = registry.generation;
    return needs;
  }

  /**
   * Python's `_log`: make a record and handle it (no level check here).
   * @throws LoggingError `LOGGING_EXTRA_CLASH` for a clashing `extra` key.
   */
  _log(
    level: number,
    msg: unknown,
    args: LogArgs,
    excInfo: ExcInfo = null,
    extra: Record<string, unknown> | null = null,
    stackInfo = false,
    stacklevel = 1,
  ): void {
    let sinfo: string | null = null;
    let site = null;
    const mode = registry.callerInfo;
    if (stackInfo || mode === 'always' || (mode === 'auto' && this.needsCaller())) site = captureSite();
    let fn: string | null = null;
    let lno = 0;
    let func: string | null = null;
    if (stackInfo && site !== null) {
      const resolved = resolveSite(site, stacklevel, true);
      sinfo = resolved.stack;
      fn = resolved.caller.pathname;
      lno = resolved.caller.lineno;
      func = resolved.caller.funcName;
      site = null;
    }
    if (excInfo === true || excInfo === false) excInfo = null;
    const record = this.makeRecord(this.name, level, fn, lno, msg, args, excInfo, func, extra, sinfo);
    if (site !== null) {
      record._site = site;
      record._stacklevel = stacklevel;
    }
    this.handle(record);
  }

  /** Python's `handle(record)`: apply this logger's filters, then `callHandlers`. */
  handle(record: LogRecord): void {
    if (this._disabled) return;
    if (this.filters.length > 0) {
      const maybe = this.filter(record);
      if (maybe === false) return;
      record = maybe;
    }
    this.callHandlers(record);
  }

  /**
   * Python's `callHandlers(record)`: every handler of this logger and its ancestors (until
   * one has `propagate = false`) whose level admits the record; `lastResort` if none exists.
   */
  callHandlers(record: LogRecord): void {
    let c: Logger | null = this;
    let found = 0;
    const levelno = record.levelno;
    while (c !== null) {
      const hs = c._handlers;
      for (let i = 0; i < hs.length; i++) {
        const h = hs[i];
        found++;
        if (levelno >= h.level) {
          try {
            h.handle(record);
          } catch (err) {
            h.handleError(record, err);
          }
        }
      }
      c = c._propagate ? c.parent : null;
    }
    if (found === 0) {
      const last = registry.lastResort;
      if (last !== null) {
        if (levelno >= last.level) last.handle(record);
      } else if (registry.raiseExceptions && !registry.manager!.emittedNoHandlerWarning) {
        process.stderr.write(`No handlers could be found for logger "${this.name}"\n`);
        registry.manager!.emittedNoHandlerWarning = true;
      }
    }
  }

  override toString(): string {
    return `<${this.constructor.name} ${this.name} (${levelNameOf(this.getEffectiveLevel())})>`;
  }
}

/** Python's `RootLogger`: the logger named `'root'` at the top of the tree. */
export class RootLogger extends Logger {
  constructor(level: Level = WARNING) {
    super('root', level);
  }
}

/** Python's `PlaceHolder`: stands in the tree for a logger not yet created. */
export class PlaceHolder {
  readonly loggerMap = new Set<Logger>();
  constructor(alogger: Logger) {
    this.loggerMap.add(alogger);
  }
  append(alogger: Logger): void {
    this.loggerMap.add(alogger);
  }
}

/** A logger (from any copy of this package), not a placeholder. */
export function isLogger(value: unknown): value is Logger {
  return typeof value === 'object' && value !== null && 'handlers' in value && 'getEffectiveLevel' in value;
}
