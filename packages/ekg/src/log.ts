// A stand-in with the shape of @backchannel/logging's Logger (debug/info/warning/error with extra
// fields), writing one line per record to stderr, until that package is available to build on.

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

let threshold = LEVEL_RANK.info;
let format: LogFormat = 'text';

/** Sets the process-wide level and format (from `--log-level` / `--log-format`). */
export function configureLogging(options: { level: LogLevel; format: LogFormat }): void {
  threshold = LEVEL_RANK[options.level];
  format = options.format;
}

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warning(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

function emit(name: string, level: LogLevel, message: string, extra?: Record<string, unknown>): void {
  if (LEVEL_RANK[level] < threshold) return;
  const time = new Date().toISOString();
  let line: string;
  if (format === 'json') {
    line = JSON.stringify({ time, level, logger: name, message, ...extra });
  } else {
    const fields = extra === undefined ? '' : ` ${JSON.stringify(extra)}`;
    line = `${time} ${level.toUpperCase()} ${name}: ${message}${fields}`;
  }
  process.stderr.write(`${line}\n`);
}

/** A logger named like `ekg.publish`. */
export function getLogger(name: string): Logger {
  return {
    debug: (message, extra) => emit(name, 'debug', message, extra),
    info: (message, extra) => emit(name, 'info', message, extra),
    warning: (message, extra) => emit(name, 'warning', message, extra),
    error: (message, extra) => emit(name, 'error', message, extra),
  };
}
