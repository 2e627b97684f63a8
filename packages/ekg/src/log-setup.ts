import { basicConfig, Formatter, JsonFormatter, StreamHandler } from '@backchannel/logging';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';
export type LogFormat = 'text' | 'json';

/** Sends every `ekg.*` record to stderr, as text lines or JSON objects (`--log-level`, `--log-format`). */
export function configureLogging(level: LogLevel, format: LogFormat): void {
  const handler = new StreamHandler();
  handler.setFormatter(
    format === 'json' ? new JsonFormatter() : new Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'),
  );
  basicConfig({ level: level.toUpperCase(), handlers: [handler], force: true });
}
