import { LoggingError } from './errors.js';
import { checkLevel, WARNING } from './levels.js';
import { isLogger, Logger, PlaceHolder, RootLogger } from './logger.js';
import { registry } from './registry.js';

/** A logger class `setLoggerClass` accepts: constructed with the logger's name. */
export type LoggerClass = new (name: string) => Logger;

/**
 * Python's `logging.Manager`: holds the logger tree. Names are dotted paths; a logger
 * created before its ancestors gets placeholders for them, and is re-parented when an
 * ancestor is created later.
 */
export class Manager {
  readonly root: Logger;
  /** Python's `logging.disable()` threshold. */
  disable = 0;
  emittedNoHandlerWarning = false;
  /** Every logger and placeholder by name (Python's `loggerDict`). */
  readonly loggerDict = new Map<string, Logger | PlaceHolder>();
  loggerClass: LoggerClass | null = null;

  constructor(root: Logger) {
    this.root = root;
  }

  /**
   * The logger called `name`, created (with its place in the tree) on first use.
   * @throws LoggingError (TypeError) when `name` is not a string.
   */
  getLogger(name: string): Logger {
    if (typeof name !== 'string') {
      throw new LoggingError('LOGGING_BAD_ARGUMENT', 'TypeError', 'A logger name must be a string');
    }
    const existing = this.loggerDict.get(name);
    if (existing !== undefined && isLogger(existing)) return existing;
    const Klass = this.loggerClass ?? loggerClass;
    const rv = new Klass(name);
    this.loggerDict.set(name, rv);
    if (existing !== undefined) this.fixupChildren(existing as PlaceHolder, rv);
    this.fixupParents(rv);
    registry.generation++;
    return rv;
  }

  /** Python's `Manager.setLoggerClass`. */
  setLoggerClass(klass: LoggerClass): void {
    this.loggerClass = klass;
  }

  private fixupParents(alogger: Logger): void {
    const name = alogger.name;
    let i = name.lastIndexOf('.');
    let rv: Logger | null = null;
    while (i > 0 && rv === null) {
      const substr = name.slice(0, i);
      const obj = this.loggerDict.get(substr);
      if (obj === undefined) {
        this.loggerDict.set(substr, new PlaceHolder(alogger));
      } else if (isLogger(obj)) {
        rv = obj;
      } else {
        (obj as PlaceHolder).append(alogger);
      }
      // Python: name.rfind('.', 0, i - 1)
      i = i - 2 < 0 ? -1 : name.lastIndexOf('.', i - 2);
    }
    alogger.parent = rv ?? this.root;
  }

  private fixupChildren(ph: PlaceHolder, alogger: Logger): void {
    const name = alogger.name;
    const namelen = name.length;
    for (const c of ph.loggerMap) {
      if (c.parent !== null && c.parent.name.slice(0, namelen) !== name) {
        alogger.parent = c.parent;
        c.parent = alogger;
      }
    }
  }

  /** Forget every logger's cached level (after `setLevel` or `disable`). */
  _clearCache(): void {
    for (const l of this.loggerDict.values()) {
      if (isLogger(l)) l._clearCache();
    }
    this.root._clearCache();
    registry.generation++;
  }
}

let loggerClass: LoggerClass = Logger;

/**
 * Python's `setLoggerClass(klass)`: loggers created from now on are instances of `klass`.
 * @throws LoggingError (TypeError) when `klass` is not a subclass of Logger.
 */
export function setLoggerClass(klass: LoggerClass): void {
  if (klass !== Logger && !(klass.prototype instanceof Logger)) {
    throw new LoggingError(
      'LOGGING_BAD_ARGUMENT',
      'TypeError',
      `logger not derived from logging.Logger: ${klass.name}`,
    );
  }
  loggerClass = klass;
}

/** Python's `getLoggerClass()`. */
export function getLoggerClass(): LoggerClass {
  return loggerClass;
}

if (registry.manager === undefined) {
  registry.manager = new Manager(new RootLogger(WARNING));
}

/** The shared manager (the same object for every copy of this package). */
export const manager: Manager = registry.manager;

/** Python's `logging.root`. */
export const root: Logger = manager.root;

/**
 * Python's `getLogger(name)`: the logger with that dotted name, created on first use;
 * the root logger for `undefined`, `''` or `'root'`. Always the same object for a name.
 */
export function getLogger(name?: string | null): Logger {
  if (!name || name === manager.root.name) return manager.root;
  return manager.getLogger(name);
}

/**
 * Python's `logging.disable(level=CRITICAL)`: drop every record at or below `level`,
 * across all loggers. `disable(NOTSET)` undoes it.
 */
export function disable(level: number | string = 50): void {
  manager.disable = checkLevel(level);
  manager._clearCache();
}
