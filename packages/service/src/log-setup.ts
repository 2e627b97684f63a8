import { basicConfig, Formatter, JsonFormatter, StreamHandler } from '@backchannel/logging';
import { valueFlag } from './flag-table.js';
import { oneOf } from './parsers.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
export type LogFormat = 'text' | 'json';

/** `--log-level` and `--log-format`, the same on every service. */
export const loggingFlags = {
  'log-level': valueFlag<LogLevel>({
    env: 'LOG_LEVEL',
    help: 'least severe records written: debug, info, warning, error or critical',
    default: 'info',
    parse: oneOf(['debug', 'info', 'warning', 'error', 'critical'] as const, { warn: 'warning' }),
    metavar: 'LEVEL',
  }),
  'log-format': valueFlag<LogFormat>({
    env: 'LOG_FORMAT',
    help: 'text (one readable line per record) or json (one object per line)',
    default: process.env.NODE_ENV === 'production' ? 'json' : 'text',
    defaultText: 'json when NODE_ENV=production, else text',
    parse: oneOf(['text', 'json'] as const),
    metavar: 'FORMAT',
  }),
};

/** Sends every record to stderr, as text lines or JSON objects. */
export function configureLogging(level: LogLevel, format: LogFormat): void {
  const handler = new StreamHandler();
  handler.setFormatter(
    format === 'json' ? new JsonFormatter() : new Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'),
  );
  basicConfig({ level: level.toUpperCase(), handlers: [handler], force: true });
}
