/**
 * @backchannel/logging — CPython 3.13's `logging` module for TypeScript.
 *
 *     import { basicConfig, getLogger, INFO } from '@backchannel/logging';
 *     basicConfig({ level: INFO, format: '%(asctime)s %(levelname)s %(name)s %(message)s' });
 *     const log = getLogger('api.http');
 *     log.info('user %s did %d things', 'ada', 3);
 *
 * Handlers beyond the core live in `@backchannel/logging/handlers`, configuration from a
 * dict in `@backchannel/logging/config`.
 */
export { LoggerAdapter } from './adapter.js';
export type { BasicConfigOptions } from './basic-config.js';
export { basicConfig } from './basic-config.js';
export type { LoggingErrorCode } from './errors.js';
export { LoggingError } from './errors.js';
export type { FileHandlerOptions } from './file-handler.js';
export { FileHandler, reopenOnSighup } from './file-handler.js';
export type { FilterLike, FilterResult } from './filter.js';
export { Filter, Filterer } from './filter.js';
export type { FormatStyle, FormatStyleName } from './format-style.js';
export {
  BASIC_FORMAT,
  BASIC_FORMATS,
  PercentStyle,
  StrFormatStyle,
  StringTemplateStyle,
} from './format-style.js';
export type { FormatterOptions } from './formatter.js';
export { BufferingFormatter, Formatter } from './formatter.js';
export type { WritableLike } from './handler.js';
export {
  _StderrHandler,
  getHandlerByName,
  getHandlerNames,
  getLastResort,
  Handler,
  lastResort,
  NullHandler,
  StderrHandler,
  StreamHandler,
  setLastResort,
} from './handler.js';
export type { JsonFormatterOptions } from './json-formatter.js';
export { JsonFormatter } from './json-formatter.js';
export type { KwargsBag, LogKwargs } from './kwargs.js';
export { kw } from './kwargs.js';
export type { Level } from './levels.js';
export {
  addLevelName,
  CRITICAL,
  DEBUG,
  ERROR,
  FATAL,
  getLevelName,
  getLevelNamesMapping,
  INFO,
  NOTSET,
  WARN,
  WARNING,
} from './levels.js';
export type { LogMethod } from './logger.js';
export { Logger, PlaceHolder, RootLogger } from './logger.js';
export type { LoggerClass } from './manager.js';
export { disable, getLogger, getLoggerClass, Manager, manager, root, setLoggerClass } from './manager.js';
export { percentFormat } from './percent-format.js';
export type { ExcInfo, LogArgs, LogRecordFactory } from './record.js';
export { getLogRecordFactory, LogRecord, makeLogRecord, setLogRecordFactory } from './record.js';
export { getRaiseExceptions, setCallerInfo, setRaiseExceptions } from './registry.js';
export {
  captureWarnings,
  critical,
  debug,
  error,
  exception,
  fatal,
  info,
  log,
  warn,
  warning,
} from './root-shortcuts.js';
export { shutdown } from './shutdown.js';
export type { TimeConverter, TimeStruct } from './strftime.js';
export { gmtime, localtime, strftime } from './strftime.js';
export { setFileWriteMode } from './writer-thread.js';
