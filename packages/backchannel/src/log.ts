import {
  basicConfig,
  Formatter,
  getLogger,
  JsonFormatter,
  type Logger,
  StreamHandler,
} from '@backchannel/logging';

/** The CLI's own logger; services log under their own names. */
export const log: Logger = getLogger('backchannel');

/** Text for people at a terminal, JSON (one object per line) for log collectors; both on stderr. */
export function setUpLogging(level: string, format: 'text' | 'json'): void {
  const handler = new StreamHandler();
  handler.setFormatter(
    format === 'json' ? new JsonFormatter() : new Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'),
  );
  basicConfig({ level: level.toUpperCase(), handlers: [handler], force: true });
}
