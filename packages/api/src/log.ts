export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

/** The api's logging surface: one message and optional structured fields per record. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing one line per record to stderr, as text or JSON. */
export function createLogger(name: string, level: LogLevel, format: LogFormat): Logger {
  const threshold = rank[level];
  function write(recordLevel: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (rank[recordLevel] < threshold) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      process.stderr.write(
        `${JSON.stringify({ time, level: recordLevel, logger: name, message, ...fields })}\n`,
      );
      return;
    }
    const extra = fields ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${time} ${recordLevel.toUpperCase()} ${name}: ${message}${extra}\n`);
  }
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
