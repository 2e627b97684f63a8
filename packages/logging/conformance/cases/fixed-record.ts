import { INFO, LogRecord } from '../../src/index.js';

/**
 * One line of Python that makes the record `r` every formatting case uses: fixed name,
 * level, location, message, arguments and times, so the output does not depend on when
 * or where the case runs. `fixedRecord()` is the same record here.
 */
export const PY_RECORD =
  "r = logging.LogRecord('app.db', logging.INFO, '/srv/app/db.py', 42, 'user %s did %d things', ('ada', 3), None, 'save'); r.created = 1764151207.042; r.msecs = 42.0; r.relativeCreated = 1234.5";

export function fixedRecord(): LogRecord {
  const r = new LogRecord(
    'app.db',
    INFO,
    '/srv/app/db.py',
    42,
    'user %s did %d things',
    ['ada', 3],
    null,
    'save',
  );
  r.created = 1764151207.042;
  r.msecs = 42;
  r.relativeCreated = 1234.5;
  return r;
}

/** A Python string literal for `s` (JSON's escapes are Python's for these texts). */
export function pyStr(s: string | null | undefined): string {
  return s === null || s === undefined ? 'None' : JSON.stringify(s);
}
