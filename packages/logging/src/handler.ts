import { captureSite, resolveSite } from './caller.js';
import { Filterer } from './filter.js';
import type { Formatter } from './formatter.js';
import { defaultFormatter, exceptionText } from './formatter.js';
import type { Level } from './levels.js';
import { checkLevel, levelNameOf, NOTSET, WARNING } from './levels.js';
import type { LogRecord } from './record.js';
import { registry } from './registry.js';
import { trackHandler, untrackHandler } from './shutdown.js';
import { repr } from './value-text.js';

/**
 * Python's `logging.Handler`: where records go. Subclasses implement `emit(record)`;
 * `handle(record)` applies the handler's filters, emits, and reports formatting errors
 * through `handleError` — a log call never throws because of a handler.
 */
export abstract class Handler extends Filterer {
  level: number;
  formatter: Formatter | null = null;
  /** @internal */
  _name: string | null = null;
  /** @internal */
  _closed = false;
  private readonly ref: WeakRef<Handler>;

  /** `new Handler(level?)` or `new Handler({ level })` (the form dictConfig factories use). */
  constructor(level: Level | { level?: Level } = NOTSET) {
    super();
    this.level = checkLevel(typeof level === 'object' && level !== null ? (level.level ?? NOTSET) : level);
    this.ref = trackHandler(this);
  }

  /** The handler's name; naming it registers it for `getHandlerByName`. */
  get name(): string | null {
    return this._name;
  }
  set name(name: string | null) {
    if (this._name !== null && registry.handlersByName.get(this._name) === this) {
      registry.handlersByName.delete(this._name);
    }
    this._name = name;
    if (name !== null) registry.handlersByName.set(name, this);
  }
  get_name(): string | null {
    return this._name;
  }
  set_name(name: string | null): void {
    this.name = name;
  }

  /** Locks exist in Python for threads; JavaScript runs handlers on one thread. */
  createLock(): void {}
  acquire(): void {}
  release(): void {}

  /** Set the threshold for this handler. @throws LoggingError for an unknown level. */
  setLevel(level: Level): void {
    this.level = checkLevel(level);
    registry.generation++;
  }

  setFormatter(fmt: Formatter | null): void {
    this.formatter = fmt;
    registry.generation++;
  }

  /** Format with this handler's formatter, or Python's default `'%(message)s'`. */
  format(record: LogRecord): string {
    return (this.formatter ?? defaultFormatter).format(record);
  }

  /** Whether this handler's output shows the caller location. */
  usesCaller(): boolean {
    const f = this.formatter ?? defaultFormatter;
    return typeof f.usesCaller === 'function' ? f.usesCaller() : true;
  }

  /** Write the record. Implementations catch their own errors and call `handleError`. */
  abstract emit(record: LogRecord): void;

  /**
   * Python's `handle(record)`: filter, then emit. Returns the (possibly replaced) record,
   * or `false` if a filter dropped it.
   */
  handle(record: LogRecord): LogRecord | false {
    const rv = this.filters.length === 0 ? record : this.filter(record);
    if (rv === false) return false;
    this.emit(rv);
    if (rv._formatError !== undefined) {
      const err = rv._formatError;
      rv._formatError = undefined;
      this.handleError(rv, err);
    }
    return rv;
  }

  /** Push buffered output towards its destination (synchronously where it can). */
  flush(): void {}

  /** Release resources; the handler is forgotten by `shutdown()` and `getHandlerByName`. */
  close(): void {
    if (this._name !== null && registry.handlersByName.get(this._name) === this) {
      registry.handlersByName.delete(this._name);
    }
    this._closed = true;
    untrackHandler(this.ref);
  }

  /**
   * Python's `handleError(record)`: when `raiseExceptions` is on (the default), print
   * "--- Logging error ---", the error, the call stack outside logging, and the record's
   * message and arguments to stderr.
   * Never throws.
   */
  handleError(record: LogRecord, error?: unknown): void {
    if (!registry.raiseExceptions) return;
    try {
      const { stack } = resolveSite(captureSite(), 1, true);
      const callStack = stack === null ? '' : `Call stack:\n${stack.split('\n').slice(1).join('\n')}\n`;
      process.stderr.write(
        `--- Logging error ---\n${exceptionText(error)}\n${callStack}Message: ${repr(record.msg)}\nArguments: ${argumentsText(record.args)}\n`,
      );
    } catch {
      // Python also gives up silently when stderr itself fails.
    }
  }

  override toString(): string {
    return `<${this.constructor.name} (${levelNameOf(this.level)})>`;
  }
}

/** The record's arguments as Python prints them: a tuple (`('ada',)`, `()`), a dict, or `None`. */
function argumentsText(args: LogRecord['args']): string {
  if (args === null) return 'None';
  if (!Array.isArray(args)) return repr(args);
  return args.length === 1 ? `(${repr(args[0])},)` : `(${args.map((a) => repr(a)).join(', ')})`;
}

/** Anything with a `write(text)` method: `process.stderr`, a `fs.WriteStream`, a socket… */
export interface WritableLike {
  write(chunk: string): unknown;
}

/**
 * Python's `StreamHandler`: writes formatted records plus `terminator` (`'\n'`) to a
 * stream; `process.stderr` by default, as Python defaults to `sys.stderr`.
 */
export class StreamHandler extends Handler {
  terminator = '\n';
  /** The stream written to; `null` only in a `FileHandler` whose file is not open (delayed or closed). */
  stream: WritableLike | null;

  /** `new StreamHandler(stream?)` or `new StreamHandler({ stream })`. */
  constructor(stream?: WritableLike | { stream?: WritableLike | null } | null) {
    super();
    if (stream !== null && stream !== undefined && typeof (stream as WritableLike).write !== 'function') {
      stream = (stream as { stream?: WritableLike | null }).stream;
    }
    this.stream = (stream as WritableLike | null | undefined) ?? process.stderr;
  }

  override flush(): void {
    const s = this.stream as { flush?: () => unknown } | null;
    if (s !== null && typeof s.flush === 'function') s.flush();
  }

  override emit(record: LogRecord): void {
    try {
      this.stream!.write(this.format(record) + this.terminator);
    } catch (err) {
      this.handleError(record, err);
    }
  }

  /** Python's `setStream`: swap the stream, returning the old one (or `null` if unchanged). */
  setStream(stream: WritableLike): WritableLike | null {
    if (stream === this.stream) return null;
    const old = this.stream;
    this.flush();
    this.stream = stream;
    return old;
  }

  override toString(): string {
    const s = (this.stream ?? {}) as { fd?: number; path?: string };
    const name = s === process.stderr ? '<stderr>' : s === process.stdout ? '<stdout>' : (s.path ?? '');
    return `<${this.constructor.name} ${name} (${levelNameOf(this.level)})>`;
  }
}

/** Python's `NullHandler`: does nothing (for libraries, so an unconfigured app sees nothing). */
export class NullHandler extends Handler {
  override handle(record: LogRecord): LogRecord | false {
    return record;
  }
  override emit(_record: LogRecord): void {}
}

/**
 * Python's `_StderrHandler`: writes to whatever `process.stderr` is at emit time.
 * `lastResort` is one of these at WARNING. Also exported as `StderrHandler`.
 */
export class _StderrHandler extends Handler {
  terminator = '\n';
  override emit(record: LogRecord): void {
    try {
      process.stderr.write(this.format(record) + this.terminator);
    } catch (err) {
      this.handleError(record, err);
    }
  }

  override toString(): string {
    return `<${this.constructor.name} <stderr> (${levelNameOf(this.level)})>`;
  }
}

/** The last-resort handler's class under a name without Python's underscore. */
export const StderrHandler = _StderrHandler;
export type StderrHandler = _StderrHandler;

function lastResortHandler(): _StderrHandler {
  const h = new _StderrHandler(WARNING);
  registry.lastResort = h;
  return h;
}

/** Python's `logging.lastResort`: used when a record finds no handler at all. */
export const lastResort: Handler = registry.lastResort ?? lastResortHandler();

/** Replace (or with `null`, turn off) the last-resort handler, as assigning `logging.lastResort`. */
export function setLastResort(handler: Handler | null): void {
  registry.lastResort = handler;
}

/** The current last-resort handler. */
export function getLastResort(): Handler | null {
  return registry.lastResort;
}

/** Python 3.12's `getHandlerByName(name)`. */
export function getHandlerByName(name: string): Handler | undefined {
  return registry.handlersByName.get(name);
}

/** Python 3.12's `getHandlerNames()`. */
export function getHandlerNames(): ReadonlySet<string> {
  return new Set(registry.handlersByName.keys());
}
