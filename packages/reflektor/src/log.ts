/** The logging calls reflektor makes; structured fields go in `extra`. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warning(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

/** A logger writing one line per record to stderr, as text or JSON. */
export function stderrLogger(name: string, level: LogLevel, format: LogFormat): Logger {
  const min = RANK[level];
  const write = (lvl: LogLevel, message: string, extra?: Record<string, unknown>): void => {
    if (RANK[lvl] < min) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      process.stderr.write(`${JSON.stringify({ time, level: lvl, logger: name, message, ...extra })}\n`);
    } else {
      const fields = extra
        ? Object.entries(extra)
            .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join('')
        : '';
      process.stderr.write(`${time} ${lvl.toUpperCase()} ${name}: ${message}${fields}\n`);
    }
  };
  return {
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warning: (m, e) => write('warning', m, e),
    error: (m, e) => write('error', m, e),
  };
}

/** A logger that drops everything (the library default). */
export const silentLogger: Logger = { debug() {}, info() {}, warning() {}, error() {} };
