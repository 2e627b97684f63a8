import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Formatter, gmtime, JsonFormatter, LoggingError, makeLogRecord, strftime } from '../src/index.js';

// 2026-11-26 10:00:07.042 UTC, a Thursday.
const CREATED = Date.UTC(2026, 10, 26, 10, 0, 7, 42) / 1000;

function record(attrs: Record<string, unknown> = {}) {
  return makeLogRecord({
    name: 'api.http',
    msg: 'user %s did %d things',
    args: ['ada', 3],
    levelno: 20,
    levelname: 'INFO',
    created: CREATED,
    msecs: 42,
    ...attrs,
  });
}

function utc(f: Formatter): Formatter {
  f.converter = gmtime;
  return f;
}

test("the default format is '%(message)s'", () => {
  assert.equal(new Formatter().format(record()), 'user ada did 3 things');
});

test("asctime defaults to '%Y-%m-%d %H:%M:%S' plus ',%03d' milliseconds", () => {
  const f = utc(new Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'));
  assert.equal(f.format(record()), '2026-11-26 10:00:07,042 INFO api.http user ada did 3 things');
});

test('datefmt uses strftime codes and drops the milliseconds', () => {
  const f = utc(new Formatter('%(asctime)s|%(message)s', '%d/%m/%Y %I:%M:%S %p %a %b %j'));
  assert.equal(f.format(record()), '26/11/2026 10:00:07 AM Thu Nov 330|user ada did 3 things');
});

test('default_msec_format can be changed or dropped, as class attributes in Python', () => {
  const f = utc(new Formatter('%(asctime)s'));
  f.default_msec_format = '%s.%03d';
  assert.equal(f.format(record()), '2026-11-26 10:00:07.042');
  f.default_msec_format = null;
  assert.equal(f.format(record({ created: CREATED + 1 })), '2026-11-26 10:00:08');
});

test('%-style field widths, precision and msecs formatting', () => {
  const f = new Formatter('[%(levelname)-8s] %(name)10s %(msecs)03d %(levelno)x');
  assert.equal(f.format(record()), '[INFO    ]   api.http 042 14');
});

test('{-style formats with the format-spec mini-language and conversions', () => {
  const f = utc(
    new Formatter('{asctime} {levelname:<8}|{name!r}|{msecs:03.0f}|{levelno:>4d}|{message}', null, '{'),
  );
  assert.equal(
    f.format(record()),
    "2026-11-26 10:00:07,042 INFO    |'api.http'|042|  20|user ada did 3 things",
  );
});

test('$-style formats with string.Template placeholders', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Python's string.Template syntax
  const f = new Formatter('$levelname ${name}: $message $$', null, '$');
  assert.equal(f.format(record()), 'INFO api.http: user ada did 3 things $');
});

test('defaults fill fields a record lacks (Python 3.10)', () => {
  const f = new Formatter('%(ip)s %(message)s', null, '%', true, { defaults: { ip: '-' } });
  assert.equal(f.format(record()), '- user ada did 3 things');
  assert.equal(f.format(record({ ip: '10.0.0.1' })), '10.0.0.1 user ada did 3 things');
});

test('validate rejects formats without fields for their style, as Python does', () => {
  for (const [fmt, style] of [
    ['no fields', '%'],
    ['%(message)s', '{'],
    ['{message}', '$'],
    ['$ bare', '$'],
  ] as const) {
    assert.throws(
      () => new Formatter(fmt, null, style),
      (e: unknown) => e instanceof LoggingError && e.code === 'LOGGING_BAD_FORMAT',
    );
  }
  assert.throws(() => new Formatter('%(x)s', null, '#' as '%'), /Style must be one of/);
  assert.doesNotThrow(() => new Formatter('no fields', null, '%', false));
});

test('exc_info appends the error text on a new line; exc_text is cached', () => {
  const err = new Error('boom');
  const r = record({ exc_info: err });
  const out = new Formatter('%(levelname)s %(message)s').format(r);
  const [first, second] = out.split('\n');
  assert.equal(first, 'INFO user ada did 3 things');
  assert.equal(second, 'Error: boom');
  assert.ok(r.exc_text?.includes('boom'));
});

test('stack_info is appended after the exception text', () => {
  const r = record({ stack_info: 'Stack (most recent call last):\n  File "x.js", line 1, in <module>' });
  assert.equal(
    new Formatter().format(r),
    'user ada did 3 things\nStack (most recent call last):\n  File "x.js", line 1, in <module>',
  );
});

test('a format field missing from the record makes format() throw, in every style', () => {
  for (const [fmt, style] of [
    ['%(nope)s %(message)s', '%'],
    ['{nope} {message}', '{'],
    ['$nope $message', '$'],
  ] as const) {
    const r = record();
    assert.throws(
      () => new Formatter(fmt, null, style).format(r),
      (e: Error) => /Formatting field not found in record: 'nope'|'nope'/.test(e.message),
    );
    assert.equal(r._formatError, undefined, 'the error is not left on the record');
  }
});

test('strftime codes follow the C locale', () => {
  const t = gmtime(CREATED);
  assert.equal(
    strftime('%Y-%m-%dT%H:%M:%S%z %Z %A %B %e %y %u %w %%', t),
    '2026-11-26T10:00:07+0000 GMT Thursday November 26 26 4 4 %',
  );
  assert.equal(
    strftime('%c|%x|%X|%D|%F|%T|%R', t),
    'Thu Nov 26 10:00:07 2026|11/26/26|10:00:07|11/26/26|2026-11-26|10:00:07|10:00',
  );
  assert.equal(strftime('%U %W %V %G %j', t), '47 47 48 2026 330');
  assert.equal(strftime('%V %G', gmtime(Date.UTC(2027, 0, 1) / 1000)), '53 2026');
});

test('JsonFormatter writes one object with extra fields and exception text', () => {
  const r = record({ room: 'physics-101', exc_info: new Error('bad') });
  (r as unknown as Record<string, unknown>).seq = 42;
  const line = new JsonFormatter({ static: { service: 'api' } }).format(r);
  assert.ok(!line.includes('\n'));
  const obj = JSON.parse(line);
  assert.equal(obj.time, '2026-11-26T10:00:07.042Z');
  assert.equal(obj.level, 'INFO');
  assert.equal(obj.name, 'api.http');
  assert.equal(obj.message, 'user ada did 3 things');
  assert.equal(obj.room, 'physics-101');
  assert.equal(obj.seq, 42);
  assert.equal(obj.service, 'api');
  assert.match(obj.exc_info, /^Error: bad/);
});

test('JsonFormatter options rename keys, switch timestamps and add record fields', () => {
  const f = new JsonFormatter({
    keys: { message: 'msg', level: 'severity' },
    timestamp: 'epoch',
    fields: ['process', 'levelno'],
  });
  const obj = JSON.parse(f.format(record()));
  assert.equal(obj.msg, 'user ada did 3 things');
  assert.equal(obj.severity, 'INFO');
  assert.equal(obj.time, CREATED);
  assert.equal(obj.process, process.pid);
  assert.equal(obj.levelno, 20);
  const bare = JSON.parse(new JsonFormatter({ timestamp: false }).format(record()));
  assert.equal('time' in bare, false);
});

test('JsonFormatter survives values JSON cannot encode', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const obj = JSON.parse(new JsonFormatter().format(record({ big: 10n, cyclic, fn: () => 1 })));
  assert.equal(obj.big, '10');
  assert.equal(typeof obj.cyclic, 'string');
  assert.equal('fn' in obj, false);
});

test('converter and the default formats can be set on the class, as in Python', () => {
  const saved = {
    c: Formatter.converter,
    t: Formatter.default_time_format,
    m: Formatter.default_msec_format,
  };
  try {
    Formatter.converter = gmtime;
    Formatter.default_msec_format = '%s.%03d';
    const f = new Formatter('%(asctime)s');
    assert.equal(f.format(record()), '2026-11-26 10:00:07.042');
    Formatter.default_time_format = '%H:%M:%S';
    assert.equal(f.format(record()), '10:00:07.042');
    f.default_time_format = '%Y';
    assert.equal(f.format(record()), '2026.042', 'an instance setting wins over the class');
  } finally {
    Formatter.converter = saved.c;
    Formatter.default_time_format = saved.t;
    Formatter.default_msec_format = saved.m;
  }
});

test('JsonFormatter with a python-json-logger style format uses its fields as keys', () => {
  const f = new JsonFormatter('%(asctime)s %(levelname)s %(name)s %(message)s');
  f.converter = gmtime;
  const obj = JSON.parse(f.format(record({ room: 'r1' })));
  assert.deepEqual(Object.keys(obj), ['asctime', 'levelname', 'name', 'message', 'room']);
  assert.equal(obj.asctime, '2026-11-26 10:00:07,042');
  assert.equal(obj.message, 'user ada did 3 things');
  const dated = new JsonFormatter({ format: '%(asctime)s %(message)s', datefmt: '%Y' });
  dated.converter = gmtime;
  assert.deepEqual(JSON.parse(dated.format(record())), { asctime: '2026', message: 'user ada did 3 things' });
});
