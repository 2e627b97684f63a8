// Behaviours where the port used to differ from CPython 3.13 (each also has a conformance case).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dictConfig } from '../src/config.js';
import { LogQueue, MemoryHandler, QueueHandler, TimedRotatingFileHandler } from '../src/handlers.js';
import {
  FileHandler,
  Formatter,
  getLogger,
  kw,
  LoggerAdapter,
  lastResort,
  StreamHandler,
  setRaiseExceptions,
} from '../src/index.js';
import { StringStream, uniqueName } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-cpython-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 2025-11-26 10:00:00 UTC. */
const START = 1764151200;

function quietLogger(stream: StringStream, fmt = '%(message)s') {
  const lg = getLogger(uniqueName('cp'));
  lg.propagate = false;
  const h = new StreamHandler(stream);
  h.setFormatter(new Formatter(fmt));
  lg.addHandler(h);
  return lg;
}

test('a timed rollover onto a dated name that exists keeps that file and loses no line', () => {
  const sub = mkdtempSync(join(dir, 'timed-'));
  const base = join(sub, 'app.log');
  const clock = { now: START };
  class OnFakeClock extends TimedRotatingFileHandler {
    override _now(): number {
      return clock.now;
    }
  }
  const dated = `${base}.2025-11-26_10-00-00`;
  writeFileSync(dated, 'precious\n');
  const h = new OnFakeClock(base, 'S', 1, 0, null, true, true);
  const lg = getLogger(uniqueName('timed'));
  lg.propagate = false;
  lg.addHandler(h);
  lg.warning('a');
  clock.now = START + 1;
  lg.warning('b');
  h.close();
  assert.equal(readFileSync(dated, 'utf8'), 'precious\n', 'the existing backup is untouched');
  assert.equal(readFileSync(base, 'utf8'), 'a\nb\n', 'the lines stay in the current file');
});

test('dictConfig resolves cfg:// in formatter fields', () => {
  const s = new StringStream();
  const name = uniqueName('cfg');
  dictConfig(
    {
      version: 1,
      disable_existing_loggers: false,
      texts: { fmt: 'cfg %(levelname)s %(message)s' },
      formatters: { f: { format: 'cfg://texts.fmt' } },
      handlers: { h: { class: 'logging.StreamHandler', stream: 'ext://out', formatter: 'f' } },
      loggers: { [name]: { handlers: ['h'], propagate: false } },
    },
    { names: { out: s } },
  );
  getLogger(name).warning('resolved');
  assert.equal(s.text, 'cfg WARNING resolved\n');
});

test('dictConfig configures MemoryHandler targets in dependency order, a chain included', () => {
  const s = new StringStream();
  const name = uniqueName('chain');
  dictConfig(
    {
      version: 1,
      disable_existing_loggers: false,
      handlers: {
        a: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'b', flushLevel: 'ERROR' },
        b: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'c' },
        c: { class: 'logging.StreamHandler', stream: 'ext://out' },
      },
      loggers: { [name]: { handlers: ['a'], propagate: false } },
    },
    { names: { out: s } },
  );
  getLogger(name).warning('through two buffers');
  assert.equal(s.text, 'through two buffers\n');
  assert.throws(
    () =>
      dictConfig({
        version: 1,
        disable_existing_loggers: false,
        handlers: {
          x: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'y' },
          y: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'x' },
        },
      }),
    {
      message:
        /^Unable to configure handler 'x': handler 'y' is not configured yet \(the handlers refer to each other in a cycle\)$/,
    },
  );
});

test('with raiseExceptions off, a record whose format field is missing is dropped, in every style', () => {
  setRaiseExceptions(false);
  try {
    for (const [fmt, style] of [
      ['%(user)s %(message)s', '%'],
      ['{user} {message}', '{'],
      ['$user $message', '$'],
    ] as const) {
      const s = new StringStream();
      const lg = getLogger(uniqueName('drop'));
      lg.propagate = false;
      const h = new StreamHandler(s);
      h.setFormatter(new Formatter(fmt, null, style));
      lg.addHandler(h);
      lg.warning('dropped');
      lg.warning('written', kw({ extra: { user: 'ada' } }));
      assert.equal(s.text, 'ada written\n', style);
    }
  } finally {
    setRaiseExceptions(true);
  }
});

test('an Error without a stack renders as "Name: message", as the last line of a traceback', () => {
  const s = new StringStream();
  const lg = quietLogger(s);
  const e = new TypeError('bad value');
  e.stack = undefined;
  const bare = new RangeError();
  bare.stack = '';
  lg.error('failed', kw({ exc_info: e }));
  lg.error('again', kw({ exc_info: bare }));
  assert.equal(s.text, 'failed\nTypeError: bad value\nagain\nRangeError\n');
});

test('FileHandler(delay=true) has no stream until the first record, and none after close', () => {
  const path = join(dir, 'delayed.log');
  const h = new FileHandler(path, 'a', null, true);
  assert.equal(h.stream, null);
  assert.equal(existsSync(path), false);
  const lg = getLogger(uniqueName('delay'));
  lg.propagate = false;
  lg.addHandler(h);
  lg.warning('opens now');
  assert.notEqual(h.stream, null);
  h.close();
  assert.equal(h.stream, null);
  assert.equal(readFileSync(path, 'utf8'), 'opens now\n');
});

test('QueueHandler.prepare clears args, exc_info, exc_text and stack_info to null', () => {
  const q = new LogQueue();
  const lg = getLogger(uniqueName('queue'));
  lg.propagate = false;
  lg.addHandler(new QueueHandler(q));
  const e = new Error('x');
  lg.error('user %s', 'ada', kw({ exc_info: e, stack_info: true }));
  const r = q.get_nowait()!;
  assert.equal(r.args, null);
  assert.equal(r.exc_info, null);
  assert.equal(r.exc_text, null);
  assert.equal(r.stack_info, null);
  assert.match(String(r.msg), /^user ada\nError: x/);
  assert.equal(r.getMessage(), r.msg);
});

test("LoggerAdapter's string form names the effective level, as Python's repr", () => {
  const name = uniqueName('adapter');
  const lg = getLogger(name);
  assert.equal(String(new LoggerAdapter(lg, {})), `<LoggerAdapter ${name} (WARNING)>`);
  lg.setLevel('DEBUG');
  assert.equal(String(new LoggerAdapter(lg, {})), `<LoggerAdapter ${name} (DEBUG)>`);
});

test("weekly rollover with a bad day raises CPython's messages", () => {
  const file = join(dir, 'weekly.log');
  assert.throws(() => new TimedRotatingFileHandler(file, 'W', 1, 0, null, true), {
    message: /^You must specify a day for weekly rollover from 0 to 6 \(0 is Monday\): W$/,
  });
  assert.throws(() => new TimedRotatingFileHandler(file, 'W7', 1, 0, null, true), {
    message: /^Invalid day specified for weekly rollover: W7$/,
  });
  assert.throws(() => new TimedRotatingFileHandler(file, 'W12', 1, 0, null, true), {
    message: /^You must specify a day for weekly rollover from 0 to 6 \(0 is Monday\): W12$/,
  });
});

test('LogRecord.created keeps sub-millisecond precision', async () => {
  const lg = getLogger(uniqueName('precise'));
  lg.propagate = false;
  const m = new MemoryHandler(1000);
  lg.addHandler(m);
  for (let i = 0; i < 50; i++) {
    lg.warning('tick');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const fractions = m.buffer.map((r) => {
    const ms = r.created * 1000;
    return Math.abs(ms - Math.round(ms));
  });
  assert.ok(
    fractions.some((f) => f > 0.001),
    'some record falls between two whole milliseconds',
  );
  for (const r of m.buffer) {
    assert.ok(Math.abs(r.created * 1000 - Date.now()) < 60_000);
    assert.ok(Number.isInteger(r.msecs) && r.msecs >= 0 && r.msecs <= 999);
    assert.ok(
      Math.abs(((r.created * 1000) % 1000) - r.msecs) < 1.001,
      'msecs is the whole milliseconds of created',
    );
  }
});

test("the last-resort handler is CPython's _StderrHandler", () => {
  assert.equal(lastResort.constructor.name, '_StderrHandler');
  assert.equal(String(lastResort), '<_StderrHandler <stderr> (WARNING)>');
});
