import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import {
  basicConfig,
  DEBUG,
  FileHandler,
  Formatter,
  getLogger,
  INFO,
  JsonFormatter,
  LoggingError,
  root,
  StreamHandler,
  WARNING,
} from '../src/index.js';
import { StringStream, uniqueName } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-basic-'));
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const h of [...root.handlers]) {
    root.removeHandler(h);
    h.close();
  }
  root.setLevel(WARNING);
});

test("with no arguments: a StreamHandler on stderr with '%(levelname)s:%(name)s:%(message)s'", () => {
  basicConfig();
  assert.equal(root.handlers.length, 1);
  const h = root.handlers[0] as StreamHandler;
  assert.equal(h.stream, process.stderr);
  assert.equal(h.formatter?._fmt, '%(levelname)s:%(name)s:%(message)s');
  assert.equal(root.level, WARNING);
});

test('does nothing when root already has handlers, unless force', () => {
  const a = new StringStream();
  const b = new StringStream();
  basicConfig({ stream: a });
  basicConfig({ stream: b, level: DEBUG });
  assert.equal(root.level, WARNING, 'second call ignored entirely');
  const first = root.handlers[0];
  basicConfig({ stream: b, force: true, format: '%(message)s', level: INFO });
  assert.equal(first._closed, true);
  getLogger(uniqueName()).info('to b');
  assert.equal(a.text, '');
  assert.equal(b.text, 'to b\n');
});

test('level, format, datefmt and style are applied', () => {
  const s = new StringStream();
  basicConfig({
    stream: s,
    level: 'DEBUG',
    format: '{asctime}|{levelname}|{message}',
    datefmt: '%Y',
    style: '{',
  });
  getLogger(uniqueName()).debug('x %d', 1);
  assert.match(s.text, /^\d{4}\|DEBUG\|x 1\n$/);
});

test('handlers keep their own formatter; others get the basicConfig one', () => {
  const s1 = new StringStream();
  const s2 = new StringStream();
  const json = new StreamHandler(s1);
  json.setFormatter(new JsonFormatter({ timestamp: false }));
  const text = new StreamHandler(s2);
  basicConfig({ level: INFO, handlers: [json, text], format: '%(name)s %(message)s' });
  const name = uniqueName();
  getLogger(name).info('hi');
  assert.deepEqual(JSON.parse(s1.text), { level: 'INFO', name, message: 'hi' });
  assert.equal(s2.text, `${name} hi\n`);
  assert.ok(text.formatter instanceof Formatter);
});

test('filename writes to a FileHandler with filemode', () => {
  const path = join(dir, 'basic.log');
  basicConfig({ filename: path, filemode: 'w', format: '%(message)s' });
  assert.ok(root.handlers[0] instanceof FileHandler);
  getLogger(uniqueName()).warning('to file');
  root.handlers[0].flush();
  assert.equal(readFileSync(path, 'utf8'), 'to file\n');
});

test('conflicting and unknown arguments raise ValueError, as in Python', () => {
  const isValueError = (re: RegExp) => (e: unknown) =>
    e instanceof LoggingError && e.pythonType === 'ValueError' && re.test(e.message);
  assert.throws(
    () => basicConfig({ stream: new StringStream(), filename: 'x' }),
    isValueError(/should not be specified together/),
  );
  assert.throws(
    () => basicConfig({ stream: new StringStream(), handlers: [new StreamHandler()] }),
    isValueError(/together with 'handlers'/),
  );
  assert.throws(() => basicConfig({ style: '#' as '%' }), isValueError(/Style must be one of/));
  assert.throws(
    () => basicConfig({ stream: new StringStream(), colour: true } as never),
    isValueError(/Unrecognised argument\(s\): colour/),
  );
});
