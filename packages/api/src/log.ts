import {
  basicConfig,
  Formatter,
  getLogger,
  JsonFormatter,
  kw,
  type Logger as PyLogger,
  StreamHandler,
} from '@backchannel/logging';

/** Python's level names, as every backchannel service takes them; `warn` is kept as an alias. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'warn' | 'error' | 'critical';
export type LogFormat = 'text' | 'json';

/** The api's logging surface: one message and optional structured fields per record. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const levelNames: Record<LogLevel, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warning: 'WARNING',
  warn: 'WARNING',
  error: 'ERROR',
  critical: 'CRITICAL',
};

/**
 * Sends every record of the process to stderr through @backchannel/logging: JSON lines
 * (fields as JSON keys) or text lines (fields appended as JSON). Replaces earlier set-up.
 */
export function configureLogging(level: LogLevel, format: LogFormat): void {
  const handler = new StreamHandler(process.stderr);
  handler.setFormatter(
    format === 'json' ? new JsonFormatter() : new Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'),
  );
  basicConfig({ level: levelNames[level], handlers: [handler], force: true });
}

/** A logger named `name` (e.g. `api.http`) under the process's logging set-up. */
export function createLogger(name: string, format: LogFormat): Logger {
  const logger: PyLogger = getLogger(name);
  const emit = (
    method: 'debug' | 'info' | 'warning' | 'error',
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (fields === undefined) {
      logger[method]('%s', message);
    } else if (format === 'json') {
      logger[method]('%s', message, kw({ extra: fields }));
    } else {
      logger[method]('%s %s', message, JSON.stringify(fields));
    }
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warning', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
