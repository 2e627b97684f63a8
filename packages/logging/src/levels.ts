import { LoggingError } from './errors.js';
import { registry } from './registry.js';

/** Python's numeric levels. */
export const CRITICAL = 50;
export const FATAL = CRITICAL;
export const ERROR = 40;
export const WARNING = 30;
export const WARN = WARNING;
export const INFO = 20;
export const DEBUG = 10;
export const NOTSET = 0;

/** A level: its number, or a registered name such as `'INFO'` (case-sensitive, as in Python). */
export type Level = number | string;

/**
 * Associate `levelName` with `level` for formatting (`%(levelname)s`) and for
 * `setLevel('NAME')`. As in Python, a later call for the same number replaces the name.
 */
export function addLevelName(level: number, levelName: string): void {
  registry.levelToName.set(level, levelName);
  registry.nameToLevel.set(levelName, level);
}

/**
 * Python's `getLevelName`: a number gives its name (or `'Level N'`), a name gives its
 * number (or `'Level NAME'`), exactly as CPython's historical two-way behaviour.
 */
export function getLevelName(level: Level): string | number {
  if (typeof level === 'number') {
    const name = registry.levelToName.get(level);
    return name ?? `Level ${level}`;
  }
  const n = registry.nameToLevel.get(level);
  return n ?? `Level ${level}`;
}

/** Python 3.11's `getLevelNamesMapping()`: a copy of the name → number table. */
export function getLevelNamesMapping(): Record<string, number> {
  return Object.fromEntries(registry.nameToLevel);
}

/** The `%(levelname)s` text for a level number (fast path used by records). */
export function levelNameOf(level: number): string {
  return registry.levelToName.get(level) ?? `Level ${level}`;
}

/**
 * Python's `_checkLevel`: numbers pass through, registered names map to their number.
 * @throws LoggingError `LOGGING_UNKNOWN_LEVEL` (ValueError) for an unknown name,
 *   `LOGGING_BAD_LEVEL_TYPE` (TypeError) for anything else.
 */
export function checkLevel(level: unknown): number {
  if (typeof level === 'number' && Number.isInteger(level)) return level;
  if (typeof level === 'string') {
    const n = registry.nameToLevel.get(level);
    if (n === undefined) {
      throw new LoggingError(
        'LOGGING_UNKNOWN_LEVEL',
        'ValueError',
        `Unknown level: '${level}' (level names are case-sensitive: use one of ${[...registry.nameToLevel.keys()].join(', ')})`,
      );
    }
    return n;
  }
  throw new LoggingError(
    'LOGGING_BAD_LEVEL_TYPE',
    'TypeError',
    `Level not an integer or a valid string: ${String(level)}`,
  );
}
