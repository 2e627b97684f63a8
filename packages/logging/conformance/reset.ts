import { _setTimeSource } from '../src/clock.js';
import {
  captureWarnings,
  disable,
  Formatter,
  getLogRecordFactory,
  Logger,
  lastResort,
  manager,
  NOTSET,
  root,
  setCallerInfo,
  setLastResort,
  setLoggerClass,
  setLogRecordFactory,
  setRaiseExceptions,
  shutdown,
  WARNING,
} from '../src/index.js';
import { registry } from '../src/registry.js';
import { liveHandlers } from '../src/shutdown.js';
import { localtime } from '../src/strftime.js';

const defaultLevelNames = new Map(registry.levelToName);
const defaultNameLevels = new Map(registry.nameToLevel);
const defaultFactory = getLogRecordFactory();

/** Flush and close every handler a case left open, as Python does at exit. */
export function closeCaseHandlers(): void {
  shutdown(liveHandlers().filter((h) => h !== lastResort));
}

/**
 * Put the process-wide logging state back to what a fresh Python interpreter has after
 * `import logging`: no loggers but root (WARNING, no handlers), the default level names,
 * record factory, logger class, last resort, `raiseExceptions` and formatter defaults.
 */
export function resetLogging(): void {
  registry.handlersByName.clear();
  for (const logger of manager.loggerDict.values()) {
    if (logger instanceof Logger) {
      for (const h of [...logger.handlers]) logger.removeHandler(h);
      logger.filters.length = 0;
    }
  }
  manager.loggerDict.clear();
  for (const h of [...root.handlers]) root.removeHandler(h);
  root.filters.length = 0;
  root.setLevel(WARNING);
  root.disabled = false;
  root.propagate = true;
  disable(NOTSET);
  manager.emittedNoHandlerWarning = false;
  manager.loggerClass = null;
  setLoggerClass(Logger);
  setLogRecordFactory(defaultFactory);
  setLastResort(lastResort);
  lastResort.setLevel(WARNING);
  lastResort.setFormatter(null);
  setRaiseExceptions(true);
  setCallerInfo('auto');
  captureWarnings(false);
  registry.levelToName.clear();
  for (const [k, v] of defaultLevelNames) registry.levelToName.set(k, v);
  registry.nameToLevel.clear();
  for (const [k, v] of defaultNameLevels) registry.nameToLevel.set(k, v);
  Formatter.default_time_format = '%Y-%m-%d %H:%M:%S';
  Formatter.default_msec_format = '%s,%03d';
  Formatter.converter = localtime;
  _setTimeSource(null);
  registry.generation++;
}
