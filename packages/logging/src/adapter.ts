import type { KwargsBag, LogKwargs } from './kwargs.js';
import { isKwargs, kw } from './kwargs.js';
import type { Level } from './levels.js';
import { CRITICAL, DEBUG, ERROR, INFO, levelNameOf, WARNING } from './levels.js';
import type { Logger } from './logger.js';
import type { Manager } from './manager.js';

/**
 * Python's `LoggerAdapter`: wraps a logger and adds contextual `extra` to every record
 * through `process(msg, kwargs)`. Override `process` to change the message too.
 *
 *     const log = new LoggerAdapter(getLogger('api'), { room: 'physics-101' });
 *     log.info('joined'); // record.room === 'physics-101'
 */
export class LoggerAdapter<E extends Record<string, unknown> = Record<string, unknown>> {
  logger: Logger;
  extra: E | null;
  /** Python 3.13: merge call-site `extra` over the adapter's instead of replacing it. */
  merge_extra: boolean;

  constructor(logger: Logger, extra: E | null = null, merge_extra = false) {
    this.logger = logger;
    this.extra = extra;
    this.merge_extra = merge_extra;
  }

  /**
   * Python's `process(msg, kwargs)`: by default puts the adapter's `extra` into kwargs
   * (replacing a call's own `extra`, or merged under it with `merge_extra`).
   */
  process(msg: unknown, kwargs: LogKwargs): [unknown, LogKwargs] {
    if (this.merge_extra && kwargs.extra) {
      kwargs.extra = { ...this.extra, ...kwargs.extra };
    } else {
      kwargs.extra = this.extra;
    }
    return [msg, kwargs];
  }

  debug(msg: unknown, ...args: unknown[]): void {
    this.log(DEBUG, msg, ...args);
  }
  info(msg: unknown, ...args: unknown[]): void {
    this.log(INFO, msg, ...args);
  }
  warning(msg: unknown, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }
  warn(msg: unknown, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }
  error(msg: unknown, ...args: unknown[]): void {
    this.log(ERROR, msg, ...args);
  }
  /** ERROR with `exc_info` defaulting to `true`. */
  exception(msg: unknown, ...args: unknown[]): void {
    const last = args[args.length - 1];
    if (isKwargs(last)) {
      args[args.length - 1] = kw({ exc_info: true, ...stripBag(last) });
    } else {
      args.push(kw({ exc_info: true }));
    }
    this.log(ERROR, msg, ...args);
  }
  critical(msg: unknown, ...args: unknown[]): void {
    this.log(CRITICAL, msg, ...args);
  }
  fatal(msg: unknown, ...args: unknown[]): void {
    this.log(CRITICAL, msg, ...args);
  }

  /** Delegate a call to the logger after `process()` added the contextual information. */
  log(level: number, msg: unknown, ...args: unknown[]): void {
    if (!this.isEnabledFor(level)) return;
    const last = args[args.length - 1];
    let kwargs: LogKwargs = {};
    if (isKwargs(last)) {
      args.length -= 1;
      kwargs = stripBag(last);
    }
    const [m, k] = this.process(msg, kwargs);
    this.logger._log(
      level,
      m,
      args,
      k.exc_info ?? null,
      k.extra ?? null,
      k.stack_info ?? false,
      k.stacklevel ?? 1,
    );
  }

  isEnabledFor(level: number): boolean {
    return this.logger.isEnabledFor(level);
  }
  setLevel(level: Level): void {
    this.logger.setLevel(level);
  }
  getEffectiveLevel(): number {
    return this.logger.getEffectiveLevel();
  }
  hasHandlers(): boolean {
    return this.logger.hasHandlers();
  }
  get manager(): Manager {
    return this.logger.manager;
  }
  get name(): string {
    return this.logger.name;
  }
  toString(): string {
    return `<${this.constructor.name} ${this.logger.name} (${levelNameOf(this.logger.getEffectiveLevel())})>`;
  }
}

function stripBag(bag: KwargsBag): LogKwargs {
  const out: LogKwargs = {};
  if (bag.exc_info !== undefined) out.exc_info = bag.exc_info;
  if (bag.extra !== undefined) out.extra = bag.extra;
  if (bag.stack_info !== undefined) out.stack_info = bag.stack_info;
  if (bag.stacklevel !== undefined) out.stacklevel = bag.stacklevel;
  return out;
}
