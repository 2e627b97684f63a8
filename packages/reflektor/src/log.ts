import { getLogger, kw } from '@backchannel/logging';

/** The logging calls reflektor makes; structured fields go in `extra`. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warning(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

let fieldsInMessage = true;

function withFields(message: string, extra: Record<string, unknown>): string {
  let out = message;
  for (const key of Object.keys(extra)) {
    const value = extra[key];
    out += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  return out;
}

/**
 * A reflektor logger on top of @backchannel/logging's `getLogger(name)`: in text format the
 * fields are appended to the message as key=value, in JSON they become fields of the line.
 */
export function loggerFor(name: string): Logger {
  const log = getLogger(name);
  const emit = (level: LogLevel, message: string, extra?: Record<string, unknown>): void => {
    if (extra === undefined) log[level](message);
    else if (fieldsInMessage) log[level](withFields(message, extra));
    else log[level](message, kw({ extra }));
  };
  return {
    debug: (m, e) => emit('debug', m, e),
    info: (m, e) => emit('info', m, e),
    warning: (m, e) => emit('warning', m, e),
    error: (m, e) => emit('error', m, e),
  };
}

/** Structured fields: appended to the message as key=value in text, fields of the line in JSON. */
export function useFieldStyle(format: LogFormat): void {
  fieldsInMessage = format === 'text';
}
