import { readFileSync } from 'node:fs';
import { LoggingError } from '../errors.js';
import type { DictConfig, DictConfigOptions } from './dict-config.js';
import { dictConfig } from './dict-config.js';

function parse(text: string, where: string): DictConfig {
  try {
    return JSON.parse(text) as DictConfig;
  } catch (err) {
    throw new LoggingError(
      'LOGGING_CONFIG',
      'ValueError',
      `${where} is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Read a dictConfig dictionary from a JSON file and apply it (this package's counterpart of
 * Python's `fileConfig`, which reads INI files; the file holds the dictConfig schema).
 * With `disable_existing_loggers` given, it overrides the file's own setting.
 * @throws LoggingError `LOGGING_CONFIG` for an unreadable file, bad JSON or a bad config.
 */
export function fileConfig(
  fname: string,
  options: DictConfigOptions & { disable_existing_loggers?: boolean } = {},
): void {
  let text: string;
  try {
    text = readFileSync(fname, 'utf8');
  } catch (err) {
    throw new LoggingError(
      'LOGGING_CONFIG',
      'ValueError',
      `Cannot read logging config file ${fname}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const config = parse(text, fname);
  if (options.disable_existing_loggers !== undefined)
    config.disable_existing_loggers = options.disable_existing_loggers;
  dictConfig(config, options);
}

/**
 * Apply the dictConfig found in environment variable `name` (default `LOGGING_CONFIG`):
 * either JSON text (starting with `{`) or the path of a JSON file. Returns `false`, doing
 * nothing, when the variable is unset or empty.
 * @throws LoggingError `LOGGING_CONFIG` naming the variable when its content is bad.
 */
export function configFromEnv(name = 'LOGGING_CONFIG', options: DictConfigOptions = {}): boolean {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') return false;
  const trimmed = value.trim();
  try {
    if (trimmed.startsWith('{')) dictConfig(parse(trimmed, `environment variable ${name}`), options);
    else fileConfig(trimmed, options);
  } catch (err) {
    if (err instanceof LoggingError && err.message.includes(name)) throw err;
    throw new LoggingError('LOGGING_CONFIG', 'ValueError', `${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return true;
}
