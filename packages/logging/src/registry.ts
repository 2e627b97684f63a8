import type { Handler } from './handler.js';
import type { Manager } from './manager.js';
import type { LogRecordFactory } from './record.js';

/**
 * The process-wide logging state, kept on `globalThis` under a `Symbol.for` key so that
 * two copies of this package loaded in one process (a library's nested copy and the
 * application's) share one logger tree, one set of level names and one shutdown list —
 * like Python's single `logging` module object.
 */
export interface LoggingRegistry {
  readonly version: 1;
  readonly levelToName: Map<number, string>;
  readonly nameToLevel: Map<string, number>;
  /** Created by the first copy that loads `manager.ts`. */
  manager: Manager | undefined;
  raiseExceptions: boolean;
  lastResort: Handler | null;
  /** Handlers by `handler.name` (Python's `_handlers`), for dictConfig and lookups. */
  readonly handlersByName: Map<string, Handler>;
  /** Every live handler in creation order (Python's `_handlerList`), flushed at exit. */
  readonly handlerRefs: Set<WeakRef<Handler>>;
  recordFactory: LogRecordFactory | undefined;
  /** Milliseconds since the epoch when logging was first loaded (for `relativeCreated`). */
  readonly startTime: number;
  /** `'auto'`: caller location only when a formatter asks for it; `'always'`; `'never'`. */
  callerInfo: 'auto' | 'always' | 'never';
  exitHookInstalled: boolean;
  sighupInstalled: boolean;
  /** Bumped on every change that can alter which records reach which formatter. */
  generation: number;
}

const KEY = Symbol.for('@backchannel/logging.registry.v1');

function createRegistry(): LoggingRegistry {
  const levelToName = new Map<number, string>([
    [50, 'CRITICAL'],
    [40, 'ERROR'],
    [30, 'WARNING'],
    [20, 'INFO'],
    [10, 'DEBUG'],
    [0, 'NOTSET'],
  ]);
  const nameToLevel = new Map<string, number>([
    ['CRITICAL', 50],
    ['FATAL', 50],
    ['ERROR', 40],
    ['WARN', 30],
    ['WARNING', 30],
    ['INFO', 20],
    ['DEBUG', 10],
    ['NOTSET', 0],
  ]);
  return {
    version: 1,
    levelToName,
    nameToLevel,
    manager: undefined,
    raiseExceptions: true,
    lastResort: null,
    handlersByName: new Map(),
    handlerRefs: new Set(),
    recordFactory: undefined,
    startTime: Date.now(),
    callerInfo: 'auto',
    exitHookInstalled: false,
    sighupInstalled: false,
    generation: 0,
  };
}

const holder = globalThis as unknown as Record<symbol, LoggingRegistry | undefined>;
if (holder[KEY] === undefined) {
  Object.defineProperty(globalThis, KEY, {
    value: createRegistry(),
    enumerable: false,
    configurable: false,
    writable: false,
  });
}

/** The shared state; identical across every copy of the package in this process. */
export const registry: LoggingRegistry = holder[KEY]!;

/** Python's `logging.raiseExceptions`: whether `handleError` prints to stderr. Default `true`. */
export function setRaiseExceptions(value: boolean): void {
  registry.raiseExceptions = value;
}

/** The current `raiseExceptions` setting. */
export function getRaiseExceptions(): boolean {
  return registry.raiseExceptions;
}

/**
 * When to compute a record's caller location (`pathname`, `filename`, `module`, `lineno`,
 * `funcName`): `'auto'` (default) only when a handler's formatter uses one of them,
 * `'always'`, or `'never'`. Capturing a stack costs about a microsecond per record.
 */
export function setCallerInfo(mode: 'auto' | 'always' | 'never'): void {
  registry.callerInfo = mode;
  registry.generation++;
}
