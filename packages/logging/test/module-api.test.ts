import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogRecordFactory } from '../src/index.js';
import {
  BufferingFormatter,
  captureWarnings,
  DEBUG,
  Formatter,
  getHandlerByName,
  getHandlerNames,
  getLevelNamesMapping,
  getLogger,
  getLoggerClass,
  getLogRecordFactory,
  Logger,
  LogRecord,
  makeLogRecord,
  manager,
  NullHandler,
  StreamHandler,
  setLoggerClass,
  setLogRecordFactory,
  setRaiseExceptions,
  shutdown,
  WARNING,
} from '../src/index.js';
import { ListHandler, StringStream, uniqueName } from './capture.js';

test('getLevelNamesMapping includes the aliases (3.11)', () => {
  const m = getLevelNamesMapping();
  assert.equal(m.WARN, 30);
  assert.equal(m.FATAL, 50);
  assert.equal(m.NOTSET, 0);
});

test('setLogRecordFactory wraps record creation; getLogRecordFactory returns it', () => {
  const old = getLogRecordFactory();
  const factory: LogRecordFactory = (...a) => {
    const r = old(...a);
    (r as unknown as Record<string, unknown>).custom = 'yes';
    return r;
  };
  setLogRecordFactory(factory);
  try {
    assert.equal(getLogRecordFactory(), factory);
    const log = getLogger(uniqueName());
    log.setLevel(DEBUG);
    const h = new ListHandler();
    h.setFormatter(new Formatter('%(custom)s %(message)s'));
    log.addHandler(h);
    log.info('made');
    assert.deepEqual(h.formatted, ['yes made']);
  } finally {
    setLogRecordFactory(old);
  }
});

test('makeLogRecord builds a record from a dict, e.g. one received over a socket', () => {
  const r = makeLogRecord({
    name: 'remote',
    msg: 'hi %s',
    args: ['there'],
    levelno: 30,
    levelname: 'WARNING',
    lineno: 7,
  });
  assert.ok(r instanceof LogRecord);
  assert.equal(r.getMessage(), 'hi there');
  assert.equal(r.lineno, 7);
  assert.equal(r.levelname, 'WARNING');
});

test('setLoggerClass makes getLogger create that class; a non-Logger class is refused', () => {
  class AuditLogger extends Logger {
    audit(msg: string): void {
      this.warning(`AUDIT ${msg}`);
    }
  }
  setLoggerClass(AuditLogger);
  try {
    const log = getLogger(uniqueName('audit'));
    assert.ok(log instanceof AuditLogger);
    const h = new ListHandler();
    log.addHandler(h);
    (log as AuditLogger).audit('login');
    assert.deepEqual(h.formatted, ['AUDIT login']);
  } finally {
    setLoggerClass(Logger);
  }
  assert.equal(getLoggerClass(), Logger);
  assert.throws(
    () => setLoggerClass(class {} as unknown as typeof Logger),
    /logger not derived from logging.Logger/,
  );
});

test('loggerDict holds loggers and placeholders by name', () => {
  const base = uniqueName('dict');
  getLogger(`${base}.leaf`);
  assert.ok(manager.loggerDict.has(base));
  assert.ok(manager.loggerDict.get(`${base}.leaf`) instanceof Logger);
});

test('named handlers are found by name until closed (3.12)', () => {
  const h = new NullHandler();
  h.name = 'the-null';
  assert.equal(getHandlerByName('the-null'), h);
  assert.ok(getHandlerNames().has('the-null'));
  h.close();
  assert.equal(getHandlerByName('the-null'), undefined);
});

test('shutdown flushes and closes the handlers it is given', () => {
  const s = new StringStream();
  let flushed = 0;
  const h = new StreamHandler(s);
  h.flush = () => {
    flushed++;
  };
  shutdown([h]);
  assert.equal(flushed, 1);
  assert.equal(h._closed, true);
});

test('BufferingFormatter formats a batch with header and footer hooks', () => {
  class Report extends BufferingFormatter {
    override formatHeader(records: readonly LogRecord[]): string {
      return `${records.length} records\n`;
    }
  }
  const f = new Report(new Formatter('%(levelname)s %(message)s\n'));
  const rs = [
    makeLogRecord({ msg: 'a', levelname: 'INFO' }),
    makeLogRecord({ msg: 'b', levelname: 'ERROR' }),
  ];
  assert.equal(f.format(rs), '2 records\nINFO a\nERROR b\n');
  assert.equal(f.format([]), '');
});

test('captureWarnings routes process warnings to the py.warnings logger', async () => {
  const h = new ListHandler();
  const log = getLogger('py.warnings');
  log.addHandler(h);
  log.propagate = false;
  const original = process.listeners('warning');
  process.removeAllListeners('warning');
  captureWarnings(true);
  try {
    process.emitWarning('something old', 'DeprecationWarning');
    const deadline = Date.now() + 5000;
    while (h.records.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  } finally {
    captureWarnings(false);
    for (const l of original) process.on('warning', l);
  }
  assert.equal(h.formatted[0], 'DeprecationWarning: something old');
  assert.equal(h.records[0].levelno, WARNING);
});

test('with raiseExceptions off, handleError is silent', () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const s = new StringStream();
  log.addHandler(new StreamHandler(s));
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((x: string) => {
    written.push(x);
    return true;
  }) as typeof process.stderr.write;
  try {
    setRaiseExceptions(false);
    log.warning('%d', 'x');
    setRaiseExceptions(true);
    log.warning('%d', 'y');
  } finally {
    setRaiseExceptions(true);
    process.stderr.write = original;
  }
  assert.equal(s.lines.length, 0, 'neither record is written (Python drops them)');
  assert.equal(written.length, 1);
  assert.match(
    written[0],
    /^--- Logging error ---\n.*%d format: a real number is required, not str[\s\S]*Message: '%d'\nArguments: \('y',\)\n$/,
  );
});
