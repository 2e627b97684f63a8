import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { LogKwargs, LogRecord } from '../src/index.js';
import {
  addLevelName,
  CRITICAL,
  DEBUG,
  disable,
  ERROR,
  Filter,
  Formatter,
  getLevelName,
  getLogger,
  INFO,
  kw,
  LoggerAdapter,
  LoggingError,
  lastResort,
  manager,
  NOTSET,
  PlaceHolder,
  root,
  StreamHandler,
  setLastResort,
  WARNING,
} from '../src/index.js';
import { ListHandler, StringStream, uniqueName } from './capture.js';

afterEach(() => {
  disable(NOTSET);
  setLastResort(lastResort);
  for (const h of [...root.handlers]) root.removeHandler(h);
  root.setLevel(WARNING);
});

function attach(
  name: string,
  level: number = NOTSET,
): { logger: ReturnType<typeof getLogger>; h: ListHandler } {
  const logger = getLogger(name);
  const h = new ListHandler();
  logger.addHandler(h);
  if (level) logger.setLevel(level);
  return { logger, h };
}

test('getLogger returns one object per name; root for undefined, empty and "root"', () => {
  const n = uniqueName();
  assert.equal(getLogger(n), getLogger(n));
  assert.equal(getLogger(), root);
  assert.equal(getLogger(''), root);
  assert.equal(getLogger('root'), root);
  assert.equal(root.name, 'root');
  assert.equal(root.level, WARNING);
});

test('a child created before its parent is re-parented when the parent appears (placeholders)', () => {
  const base = uniqueName('tree');
  const child = getLogger(`${base}.a.b`);
  assert.equal(child.parent, root);
  assert.ok(manager.loggerDict.get(`${base}.a`) instanceof PlaceHolder);
  assert.ok(manager.loggerDict.get(base) instanceof PlaceHolder);
  const top = getLogger(base);
  assert.equal(child.parent, top);
  const mid = getLogger(`${base}.a`);
  assert.equal(child.parent, mid);
  assert.equal(mid.parent, top);
  assert.equal(top.getChild('a'), mid);
  assert.equal(mid.getChild('b'), child);
  assert.deepEqual([...top.getChildren()], [mid]);
});

test('effective level comes from the nearest ancestor with a level set', () => {
  const base = uniqueName('lvl');
  const child = getLogger(`${base}.x.y`);
  assert.equal(child.getEffectiveLevel(), WARNING);
  getLogger(base).setLevel(DEBUG);
  assert.equal(child.getEffectiveLevel(), DEBUG);
  assert.equal(child.isEnabledFor(DEBUG), true);
  getLogger(`${base}.x`).setLevel(ERROR);
  assert.equal(child.getEffectiveLevel(), ERROR);
  assert.equal(child.isEnabledFor(WARNING), false);
});

test('records propagate to ancestor handlers until propagate is false', () => {
  const base = uniqueName('prop');
  const { h: top } = attach(base, DEBUG);
  const { logger: mid, h: midH } = attach(`${base}.mid`);
  const leaf = getLogger(`${base}.mid.leaf`);
  leaf.info('one');
  assert.equal(top.records.length, 1);
  assert.equal(midH.records.length, 1);
  mid.propagate = false;
  leaf.info('two');
  assert.equal(top.records.length, 1);
  assert.equal(midH.records.length, 2);
});

test('a handler level filters records, independently of the logger level', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  h.setLevel(ERROR);
  logger.info('dropped');
  logger.error('kept');
  assert.deepEqual(h.formatted, ['kept']);
});

test('level methods log at their level; exception and fatal behave as in Python', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  const err = new Error('e');
  logger.debug('d');
  logger.info('i');
  logger.warning('w');
  logger.warn('w2');
  logger.error('e');
  logger.exception('x', kw({ exc_info: err }));
  logger.critical('c');
  logger.fatal('f');
  logger.log(25, 'custom');
  assert.deepEqual(
    h.records.map((r) => r.levelno),
    [DEBUG, INFO, WARNING, WARNING, ERROR, ERROR, CRITICAL, CRITICAL, 25],
  );
  assert.equal(h.records[5].exc_info, err);
  assert.equal(h.records[8].levelname, 'Level 25');
});

test('a call below the level builds no record; setLevel takes effect at once', () => {
  const { logger, h } = attach(uniqueName(), WARNING);
  logger.info('no');
  logger.setLevel(INFO);
  logger.info('yes');
  logger.setLevel(ERROR);
  logger.warning('no');
  assert.deepEqual(h.formatted, ['yes']);
});

test('disable(level) drops records at or below it everywhere; disable(NOTSET) undoes it', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  disable(INFO);
  logger.info('no');
  logger.warning('yes');
  disable(NOTSET);
  logger.info('again');
  assert.deepEqual(h.formatted, ['yes', 'again']);
  disable();
  logger.critical('no');
  assert.equal(h.formatted.length, 2);
});

test('a disabled logger drops everything', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  logger.disabled = true;
  logger.critical('no');
  logger.disabled = false;
  logger.critical('yes');
  assert.deepEqual(h.formatted, ['yes']);
});

test('addLevelName and getLevelName work both ways, as in Python', () => {
  addLevelName(25, 'NOTICE');
  assert.equal(getLevelName(25), 'NOTICE');
  assert.equal(getLevelName('NOTICE'), 25);
  assert.equal(getLevelName(33), 'Level 33');
  assert.equal(getLevelName('NOPE'), 'Level NOPE');
  assert.equal(getLevelName('WARN'), WARNING);
  const { logger, h } = attach(uniqueName(), 'NOTICE' as unknown as number);
  logger.log(25, 'n');
  logger.info('dropped');
  assert.equal(h.records[0].levelname, 'NOTICE');
  assert.equal(h.records.length, 1);
});

test('level names are case-sensitive; unknown names and types throw', () => {
  const logger = getLogger(uniqueName());
  logger.setLevel('DEBUG');
  assert.equal(logger.level, DEBUG);
  assert.throws(
    () => logger.setLevel('debug'),
    (e: unknown) => e instanceof LoggingError && e.code === 'LOGGING_UNKNOWN_LEVEL',
  );
  assert.throws(
    () => logger.setLevel({} as unknown as number),
    (e: unknown) => e instanceof LoggingError && e.pythonType === 'TypeError',
  );
});

test('extra sets record attributes; a clash with a record attribute is refused (KeyError)', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  h.setFormatter(new Formatter('%(room)s %(message)s'));
  logger.info('joined', kw({ extra: { room: 'r1' } }));
  assert.deepEqual(h.formatted, ['r1 joined']);
  for (const key of ['message', 'asctime', 'levelname', 'lineno', 'msg']) {
    assert.throws(
      () => logger.info('x', kw({ extra: { [key]: 1 } })),
      (e: unknown) =>
        e instanceof LoggingError &&
        e.pythonType === 'KeyError' &&
        e.message === `Attempt to overwrite '${key}' in LogRecord`,
    );
  }
});

test('a single mapping argument is used for %(key)s, as Python does', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  logger.info('%(user)s did %(n)d things', { user: 'ada', n: 3 });
  assert.deepEqual(h.formatted, ['ada did 3 things']);
  assert.deepEqual(h.records[0].args, { user: 'ada', n: 3 });
});

test('caller location is the line that logged, and stacklevel moves it up', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  h.setFormatter(new Formatter('%(filename)s:%(funcName)s:%(message)s'));
  function helper(msg: string): void {
    logger.info(msg, kw({ stacklevel: 2 }));
  }
  function caller(): void {
    logger.info('direct');
    helper('via helper');
  }
  caller();
  assert.deepEqual(h.formatted, ['logger.test.js:caller:direct', 'logger.test.js:caller:via helper']);
  assert.ok(h.records[0].lineno > 0);
  assert.equal(h.records[0].pathname, new URL(import.meta.url).pathname);
  assert.equal(h.records[0].module, 'logger.test');
});

test('stack_info appends "Stack (most recent call last):"', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  logger.info('with stack', kw({ stack_info: true }));
  const [first, second] = h.formatted[0].split('\n');
  assert.equal(first, 'with stack');
  assert.equal(second, 'Stack (most recent call last):');
  assert.match(h.formatted[0], /logger\.test\.js", line \d+/);
});

test('Filter passes a logger and its descendants only; functions and record-returning filters work', () => {
  const base = uniqueName('flt');
  const { h } = attach(base, DEBUG);
  h.addFilter(new Filter(`${base}.a`));
  getLogger(`${base}.a`).info('a');
  getLogger(`${base}.a.b`).info('a.b');
  getLogger(`${base}.ab`).info('ab');
  getLogger(base).info('base');
  assert.deepEqual(h.formatted, ['a', 'a.b']);
  const { logger, h: h2 } = attach(uniqueName(), DEBUG);
  logger.addFilter((r: LogRecord) => r.msg !== 'secret');
  logger.addFilter((r: LogRecord) => {
    (r as unknown as Record<string, unknown>).tag = 'seen';
    return r;
  });
  h2.setFormatter(new Formatter('%(tag)s %(message)s'));
  logger.info('secret');
  logger.info('public');
  assert.deepEqual(h2.formatted, ['seen public']);
});

test('hasHandlers looks up the propagation chain', () => {
  const base = uniqueName('hh');
  const child = getLogger(`${base}.c`);
  assert.equal(child.hasHandlers(), false);
  const h = new ListHandler();
  getLogger(base).addHandler(h);
  assert.equal(child.hasHandlers(), true);
  child.propagate = false;
  assert.equal(child.hasHandlers(), false);
});

test('lastResort writes WARNING and above to stderr when no handler exists', () => {
  const logger = getLogger(uniqueName());
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((s: string) => {
    written.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    logger.info('quiet');
    logger.warning('loud %d', 1);
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(written, ['loud 1\n']);
});

test('with lastResort set to null, Python prints "No handlers could be found" once', () => {
  setLastResort(null);
  const logger = getLogger(uniqueName('nh'));
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((s: string) => {
    written.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    manager.emittedNoHandlerWarning = false;
    logger.warning('a');
    logger.warning('b');
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(written, [`No handlers could be found for logger "${logger.name}"\n`]);
});

test('wrong arguments drop the record and report through handleError, as in Python', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  logger.info('user %s did %d things', 'ada');
  logger.info('%d', 'x');
  assert.equal(h.formatted.length, 0);
  assert.equal(h.errors.length, 2);
  assert.match((h.errors[0] as Error).message, /not enough arguments/);
});

test('a StreamHandler writes to the given stream with a newline terminator', () => {
  const stream = new StringStream();
  const logger = getLogger(uniqueName());
  logger.setLevel(DEBUG);
  const h = new StreamHandler(stream);
  h.setFormatter(new Formatter('%(levelname)s:%(name)s:%(message)s'));
  logger.addHandler(h);
  logger.debug('hello %s', 'world');
  assert.equal(stream.text, `DEBUG:${logger.name}:hello world\n`);
  assert.equal(new StreamHandler().stream, process.stderr);
});

test('LoggerAdapter adds its extra; merge_extra keeps the call-site extra (3.13)', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  h.setFormatter(
    new Formatter('%(room)s %(user)s %(message)s', null, '%', true, { defaults: { user: '-' } }),
  );
  const plain = new LoggerAdapter(logger, { room: 'r1' });
  plain.info('joined %s', 'now', kw({ extra: { user: 'ada' } }));
  const merging = new LoggerAdapter(logger, { room: 'r2' }, true);
  merging.info('joined', kw({ extra: { user: 'bob' } }));
  assert.deepEqual(h.formatted, ['r1 - joined now', 'r2 bob joined']);
  assert.equal(plain.isEnabledFor(DEBUG), true);
  assert.equal(plain.getEffectiveLevel(), DEBUG);
  assert.equal(plain.name, logger.name);
});

test('LoggerAdapter.process can rewrite the message', () => {
  class Prefixer extends LoggerAdapter {
    override process(msg: unknown, kwargs: LogKwargs): [unknown, LogKwargs] {
      return [`[${String(this.extra?.id)}] ${String(msg)}`, kwargs];
    }
  }
  const { logger, h } = attach(uniqueName(), DEBUG);
  const a = new Prefixer(logger, { id: 7 });
  a.warning('hi %s', 'there');
  const err = new Error('x');
  a.exception('failed', kw({ exc_info: err }));
  assert.deepEqual(
    h.formatted.map((s) => s.split('\n')[0]),
    ['[7] hi there', '[7] failed'],
  );
  assert.equal(h.records[1].exc_info, err);
});

test('module-level functions configure root on first use (basicConfig)', async () => {
  const { info, warning } = await import('../src/index.js');
  const written: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((s: string) => {
    written.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    info('not shown');
    warning('shown %d', 1);
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(written, ['WARNING:root:shown 1\n']);
  assert.equal(root.handlers.length, 1);
});

test('the caller location is captured only when a reachable format shows it', () => {
  const { logger, h } = attach(uniqueName(), DEBUG);
  logger.info('cheap');
  assert.equal(h.records[0]._site, null, 'no stack captured for %(message)s');
  assert.equal(h.records[0]._caller, null);
  assert.equal(h.records[0].lineno, 0, 'unknown when not captured, as Python without a frame');
  const child = getLogger(`${logger.name}.child`);
  h.setFormatter(new Formatter('%(lineno)d %(message)s'));
  child.info('located');
  assert.ok(h.records[1]._site !== null || h.records[1]._caller !== null);
  assert.match(h.formatted[1], /^\d+ located$/);
  assert.ok(h.records[1].lineno > 0);
});
