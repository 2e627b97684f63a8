export type {
  FlagSpec,
  FlagTable,
  FlagValues,
  HelpOptions,
  ListFlag,
  OptionalFlag,
  ReadFlagsResult,
  SwitchFlag,
  ValueFlag,
} from './flag-table.js';
export {
  helpText,
  listFlag,
  markdownTable,
  optionalFlag,
  readFlags,
  switchFlag,
  valueFlag,
} from './flag-table.js';
export type { LogFormat, LogLevel } from './log-setup.js';
export { configureLogging, loggingFlags } from './log-setup.js';
export type { Parser } from './parsers.js';
export * as parse from './parsers.js';
export type { RunningService, RunServiceOptions, ServiceDefinition, ServiceFlags } from './run-service.js';
export { describeListenError, runService } from './run-service.js';
export { InvalidValue, UsageError } from './usage-error.js';
