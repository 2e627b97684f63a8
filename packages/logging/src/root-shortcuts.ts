import { basicConfig } from './basic-config.js';
import { CRITICAL, DEBUG, ERROR, INFO, WARNING } from './levels.js';
import { getLogger, root } from './manager.js';

/**
 * Python's module-level `logging.debug()` … `logging.critical()` and `logging.log()`:
 * log on the root logger, calling `basicConfig()` first if root has no handler.
 */

function ensureConfigured(): void {
  if (root.handlers.length === 0) basicConfig();
}

/** Log at DEBUG on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function debug(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(DEBUG, msg, ...args);
}
/** Log at INFO on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function info(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(INFO, msg, ...args);
}
/** Log at WARNING on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function warning(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(WARNING, msg, ...args);
}
/** Deprecated alias of `warning`, as in Python. */
export function warn(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(WARNING, msg, ...args);
}
/** Log at ERROR on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function error(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(ERROR, msg, ...args);
}
/** ERROR on root with `exc_info` defaulting to true (pass the error with `kw({ exc_info: err })`). */
export function exception(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.exception(msg, ...args);
}
/** Log at CRITICAL on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function critical(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(CRITICAL, msg, ...args);
}
/** Log at CRITICAL on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function fatal(msg: unknown, ...args: unknown[]): void {
  critical(msg, ...args);
}
/** Log at `level` on the root logger (configuring it with `basicConfig()` if it has no handler). */
export function log(level: number, msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(level, msg, ...args);
}

let warningListener: ((w: Error) => void) | null = null;

/**
 * Python's `captureWarnings(true)`: route Node's process warnings to the `'py.warnings'`
 * logger at WARNING. Node still prints them too unless run with `--no-warnings`.
 */
export function captureWarnings(capture: boolean): void {
  if (capture && warningListener === null) {
    warningListener = (w: Error) => getLogger('py.warnings').warning('%s: %s', w.name, w.message);
    process.on('warning', warningListener);
  } else if (!capture && warningListener !== null) {
    process.off('warning', warningListener);
    warningListener = null;
  }
}
