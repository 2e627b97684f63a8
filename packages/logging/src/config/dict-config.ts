import { LoggingError } from '../errors.js';
import type { FilterLike } from '../filter.js';
import { Filter, type Filterer } from '../filter.js';
import { Formatter } from '../formatter.js';
import type { Handler } from '../handler.js';
import { MemoryHandler } from '../handlers/memory-handler.js';
import { LogQueue, QueueHandler, QueueListener } from '../handlers/queue-handler.js';
import { JsonFormatter } from '../json-formatter.js';
import { checkLevel, NOTSET } from '../levels.js';
import type { Logger } from '../logger.js';
import { isLogger } from '../logger.js';
import { getLogger, manager, root } from '../manager.js';
import { registry } from '../registry.js';
import { liveHandlers, shutdown } from '../shutdown.js';
import { resolveName } from './names.js';

/** A dictConfig dictionary (Python's schema). */
export interface DictConfig {
  version: 1;
  formatters?: Record<string, Record<string, unknown>>;
  filters?: Record<string, Record<string, unknown>>;
  handlers?: Record<string, Record<string, unknown>>;
  loggers?: Record<string, Record<string, unknown>>;
  root?: Record<string, unknown>;
  /** Only change levels and propagation of what exists. Default `false`. */
  incremental?: boolean;
  /** Disable loggers that exist and are not named (nor children of named ones). Default `true`. */
  disable_existing_loggers?: boolean;
  [key: string]: unknown;
}

/** Options beyond Python's: names `class`, `()` and `ext://` may refer to. */
export interface DictConfigOptions {
  names?: Readonly<Record<string, unknown>>;
}

type Dict = Record<string, unknown>;

function configError(message: string, cause?: unknown): LoggingError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new LoggingError('LOGGING_CONFIG', 'ValueError', `${message}${detail}`, { cause });
}

function isClass(fn: unknown): fn is new (...args: unknown[]) => unknown {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function construct(factory: unknown, kwargs: Dict): unknown {
  if (isClass(factory)) return new factory(kwargs);
  if (typeof factory === 'function') return (factory as (k: Dict) => unknown)(kwargs);
  throw new LoggingError('LOGGING_CONFIG', 'TypeError', `${String(factory)} is not callable`);
}

function isDict(v: unknown): v is Dict {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

class NotConfiguredYet extends Error {}

/** Python's `DictConfigurator`. */
class DictConfigurator {
  private readonly config: Dict;
  private readonly names: Readonly<Record<string, unknown>> | undefined;
  private readonly formatters: Record<string, Formatter> = {};
  private readonly filters: Record<string, FilterLike> = {};
  private readonly handlers: Record<string, Handler> = {};

  constructor(config: Dict, options: DictConfigOptions) {
    this.config = config;
    this.names = options.names;
  }

  private resolve(name: unknown): unknown {
    if (typeof name !== 'string') return name;
    return resolveName(name, this.names);
  }

  /** Python's `BaseConfigurator.convert`: `ext://` and `cfg://` strings, recursively. */
  private convert(value: unknown): unknown {
    if (typeof value === 'string') {
      if (value.startsWith('ext://')) return this.resolve(value);
      if (value.startsWith('cfg://')) return this.cfgConvert(value.slice(6));
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.convert(v));
    if (isDict(value)) {
      const out: Dict = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.convert(v);
      return out;
    }
    return value;
  }

  private cfgConvert(path: string): unknown {
    let cur: unknown = this.config;
    const re = /^([^.[\]]+)|\.([^.[\]]+)|\[([^\]]+)\]/g;
    let m: RegExpExecArray | null = re.exec(path);
    let consumed = 0;
    while (m !== null) {
      const key = m[1] ?? m[2] ?? m[3];
      if (cur === null || typeof cur !== 'object' || !(key in (cur as Dict))) {
        throw configError(`Unable to convert 'cfg://${path}': no '${key}'`);
      }
      cur = (cur as Dict)[/^\d+$/.test(key) && Array.isArray(cur) ? Number(key) : key];
      consumed = re.lastIndex;
      m = re.exec(path);
    }
    if (consumed !== path.length) throw configError(`Unable to convert 'cfg://${path}'`);
    return cur;
  }

  /** Python's `configure_custom`: `()` factory with the remaining keys, then `.` properties. */
  private configureCustom(config: Dict): unknown {
    const { '()': factoryName, '.': props, ...rest } = config;
    const factory = typeof factoryName === 'function' ? factoryName : this.resolve(factoryName);
    const kwargs = this.convert(rest) as Dict;
    const result = construct(factory, kwargs);
    if (isDict(props)) Object.assign(result as object, this.convert(props));
    return result;
  }

  configure(): void {
    const config = this.config;
    if (!('version' in config)) throw configError("dictionary doesn't specify a version");
    if (config.version !== 1) throw configError(`Unsupported version: ${String(config.version)}`);
    const incremental = config.incremental === true;
    if (incremental) {
      const handlers = (config.handlers ?? {}) as Record<string, Dict>;
      for (const name of Object.keys(handlers)) {
        const h = registry.handlersByName.get(name);
        if (h === undefined) throw configError(`No handler found with name '${name}'`);
        try {
          const level = handlers[name].level;
          if (level) h.setLevel(checkLevel(level));
        } catch (err) {
          throw configError(`Unable to configure handler '${name}'`, err);
        }
      }
      const loggers = (config.loggers ?? {}) as Record<string, Dict>;
      for (const name of Object.keys(loggers)) {
        try {
          this.configureLogger(name, loggers[name], true);
        } catch (err) {
          throw configError(`Unable to configure logger '${name}'`, err);
        }
      }
      if (isDict(config.root)) {
        try {
          this.commonLoggerConfig(root, config.root, true);
        } catch (err) {
          throw configError('Unable to configure root logger', err);
        }
      }
      return;
    }
    const disableExisting = config.disable_existing_loggers !== false;
    // Python's _clearExistingHandlers: forget names, flush and close every handler.
    registry.handlersByName.clear();
    shutdown(liveHandlers().filter((h) => h !== registry.lastResort));

    const formatters = (config.formatters ?? {}) as Record<string, Dict>;
    for (const name of Object.keys(formatters)) {
      try {
        this.formatters[name] = this.configureFormatter(formatters[name]);
      } catch (err) {
        throw configError(`Unable to configure formatter '${name}'`, err);
      }
    }
    const filters = (config.filters ?? {}) as Record<string, Dict>;
    for (const name of Object.keys(filters)) {
      try {
        this.filters[name] = this.configureFilter(filters[name]);
      } catch (err) {
        throw configError(`Unable to configure filter '${name}'`, err);
      }
    }
    const handlers = (config.handlers ?? {}) as Record<string, Dict>;
    // In sorted order as Python does; a handler naming another one not configured yet
    // (MemoryHandler `target`, QueueHandler `handlers`) waits for a later pass. Passes
    // repeat while one makes progress, so chains of references resolve in dependency order.
    let pending = Object.keys(handlers).sort();
    while (pending.length > 0) {
      const deferred: string[] = [];
      const waitingOn = new Map<string, NotConfiguredYet>();
      for (const name of pending) {
        try {
          const h = this.configureHandler(handlers[name]);
          h.name = name;
          this.handlers[name] = h;
        } catch (err) {
          if (err instanceof NotConfiguredYet) {
            deferred.push(name);
            waitingOn.set(name, err);
          } else throw configError(`Unable to configure handler '${name}'`, err);
        }
      }
      if (deferred.length === pending.length) {
        const name = deferred[0]!;
        throw configError(
          `Unable to configure handler '${name}'`,
          configError(`${waitingOn.get(name)!.message} (the handlers refer to each other in a cycle)`),
        );
      }
      pending = deferred;
    }

    const existing = [...manager.loggerDict.keys()].sort();
    const childLoggers = new Set<string>();
    const loggers = (config.loggers ?? {}) as Record<string, Dict>;
    for (const name of Object.keys(loggers)) {
      const at = existing.indexOf(name);
      if (at >= 0) {
        const prefixed = `${name}.`;
        for (let i = at + 1; i < existing.length; i++) {
          if (existing[i].startsWith(prefixed)) childLoggers.add(existing[i]);
        }
        existing.splice(at, 1);
      }
      try {
        this.configureLogger(name, loggers[name], false);
      } catch (err) {
        throw configError(`Unable to configure logger '${name}'`, err);
      }
    }
    for (const name of existing) {
      const logger = manager.loggerDict.get(name);
      if (!isLogger(logger)) continue;
      if (childLoggers.has(name)) {
        logger.setLevel(NOTSET);
        logger.handlers = [];
        logger.propagate = true;
      } else {
        logger.disabled = disableExisting;
      }
    }
    if (isDict(config.root)) {
      try {
        this.commonLoggerConfig(root, config.root, false);
      } catch (err) {
        throw configError('Unable to configure root logger', err);
      }
    }
  }

  private configureFormatter(source: Dict): Formatter {
    if ('()' in source) return this.configureCustom(source) as Formatter;
    // Every value goes through ext:// and cfg:// conversion, as Python's ConvertingDict does.
    const config = this.convert(source) as Dict;
    const cname = config.class;
    const Klass = (cname ? this.resolve(cname) : Formatter) as typeof Formatter;
    if (Klass === (JsonFormatter as unknown)) {
      const { class: _c, ...options } = config;
      return new JsonFormatter(this.convert(options) as Dict);
    }
    const defaults = (config.defaults as Dict | undefined) ?? null;
    return new Klass(
      (config.format as string | undefined) ?? null,
      (config.datefmt as string | undefined) ?? null,
      ((config.style as string | undefined) ?? '%') as '%',
      config.validate === undefined ? true : Boolean(config.validate),
      { defaults },
    );
  }

  private configureFilter(config: Dict): FilterLike {
    if ('()' in config) return this.configureCustom(config) as FilterLike;
    return new Filter((this.convert(config.name) as string | undefined) ?? '');
  }

  private lookupHandler(name: unknown): Handler {
    if (typeof name !== 'string') return name as Handler;
    const h = this.handlers[name];
    if (h !== undefined) return h;
    const configured = (this.config.handlers as Record<string, unknown> | undefined)?.[name];
    if (configured !== undefined) throw new NotConfiguredYet(`handler '${name}' is not configured yet`);
    throw configError(`Unable to set target handler '${name}': no such handler`);
  }

  private configureHandler(source: Dict): Handler {
    const config: Dict = {};
    for (const [k, v] of Object.entries(source)) config[k] = k === '()' || k === '.' ? v : this.convert(v);
    const formatterName = config.formatter;
    delete config.formatter;
    let formatter: Formatter | null = null;
    if (formatterName) {
      formatter = this.formatters[formatterName as string] ?? null;
      if (formatter === null) throw configError(`Unable to set formatter '${String(formatterName)}'`);
    }
    const level = config.level;
    delete config.level;
    const filters = config.filters as unknown[] | undefined;
    delete config.filters;
    const props = config['.'];
    delete config['.'];
    let result: Handler;
    if ('()' in config) {
      const factoryName = config['()'];
      delete config['()'];
      const factory = typeof factoryName === 'function' ? factoryName : this.resolve(factoryName);
      result = construct(factory, this.convert(config) as Dict) as Handler;
    } else {
      const cname = config.class;
      delete config.class;
      if (cname === undefined) throw configError("handler needs 'class' or '()'");
      const klass = typeof cname === 'function' ? cname : this.resolve(cname);
      const kwargs = this.convert(config) as Dict;
      const proto = (klass as { prototype?: unknown }).prototype;
      if (proto instanceof MemoryHandler || klass === MemoryHandler) {
        if ('flushLevel' in kwargs) kwargs.flushLevel = checkLevel(kwargs.flushLevel);
        if ('target' in kwargs) kwargs.target = this.lookupHandler(kwargs.target);
      }
      if (proto instanceof QueueHandler || klass === QueueHandler) {
        result = this.configureQueueHandler(klass as typeof QueueHandler, kwargs);
      } else {
        result = construct(klass, kwargs) as Handler;
      }
    }
    if (formatter !== null) result.setFormatter(formatter);
    if (level !== undefined && level !== null) result.setLevel(checkLevel(level));
    if (filters) this.addFilters(result, filters);
    if (isDict(props)) Object.assign(result, this.convert(props));
    return result;
  }

  private configureQueueHandler(klass: typeof QueueHandler, kwargs: Dict): Handler {
    let queue: unknown = kwargs.queue ?? new LogQueue();
    if (isDict(queue)) queue = this.configureCustom(queue);
    const names = (kwargs.handlers as unknown[] | undefined) ?? [];
    const handlers = names.map((n) => this.lookupHandler(n));
    let listenerClass: unknown = kwargs.listener ?? QueueListener;
    if (typeof listenerClass === 'string') listenerClass = this.resolve(listenerClass);
    const rhl = kwargs.respect_handler_level === true;
    const handler = new klass(queue as LogQueue);
    const L = listenerClass as new (...a: unknown[]) => QueueListener;
    handler.listener = new L(queue, ...handlers, { respect_handler_level: rhl });
    return handler;
  }

  private addFilters(filterer: Filterer, filters: unknown[]): void {
    for (const f of filters) {
      let filter: FilterLike | undefined;
      if (
        typeof f === 'function' ||
        (typeof f === 'object' && f !== null && typeof (f as Filter).filter === 'function')
      ) {
        filter = f as FilterLike;
      } else {
        filter = this.filters[f as string];
      }
      if (filter === undefined) throw configError(`Unable to add filter '${String(f)}'`);
      filterer.addFilter(filter);
    }
  }

  private configureLogger(name: string, source: Dict, incremental: boolean): void {
    const config = this.convert(source) as Dict;
    const logger = getLogger(name);
    this.commonLoggerConfig(logger, config, incremental);
    logger.disabled = false;
    if (config.propagate !== undefined && config.propagate !== null)
      logger.propagate = Boolean(config.propagate);
  }

  private commonLoggerConfig(logger: Logger, source: Dict, incremental: boolean): void {
    const config = this.convert(source) as Dict;
    if (config.level !== undefined && config.level !== null) logger.setLevel(checkLevel(config.level));
    if (incremental) return;
    for (const h of [...logger.handlers]) logger.removeHandler(h);
    const handlers = config.handlers as unknown[] | undefined;
    if (handlers) {
      for (const h of handlers) {
        const handler = typeof h === 'string' ? this.handlers[h] : (h as Handler);
        if (handler === undefined) throw configError(`Unable to add handler '${String(h)}'`);
        logger.addHandler(handler);
      }
    }
    const filters = config.filters as unknown[] | undefined;
    if (filters) this.addFilters(logger, filters);
  }
}

/**
 * Python's `logging.config.dictConfig(config)`: configure formatters, filters, handlers
 * and loggers from a dictionary (schema version 1), including `()` factories, `ext://`
 * and `cfg://` references, `incremental` and `disable_existing_loggers`.
 * Unless `incremental`, every existing handler is flushed and closed first.
 * @throws LoggingError `LOGGING_CONFIG` (ValueError) saying which part failed and why.
 */
export function dictConfig(
  config: DictConfig | Record<string, unknown>,
  options: DictConfigOptions = {},
): void {
  new DictConfigurator(config as Dict, options).configure();
}
