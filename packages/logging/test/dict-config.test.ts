import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configFromEnv, dictConfig, fileConfig, registerConfigName } from '../src/config.js';
import { type MemoryHandler, type QueueHandler, RotatingFileHandler } from '../src/handlers.js';
import type { LogRecord } from '../src/index.js';
import {
  DEBUG,
  ERROR,
  type FileHandler,
  Filter,
  getHandlerByName,
  getLogger,
  INFO,
  JsonFormatter,
  kw,
  LoggingError,
  NOTSET,
  root,
  StreamHandler,
  WARNING,
} from '../src/index.js';
import { ListHandler, StringStream, uniqueName } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const stream = new StringStream();
registerConfigName('test.stream', stream);
registerConfigName('test.ListHandler', ListHandler);

test('formatters, filters, handlers, loggers and root from one dictionary', () => {
  const app = uniqueName('app');
  const file = join(dir, 'app.log');
  dictConfig({
    version: 1,
    formatters: {
      brief: { format: '%(levelname)s:%(name)s:%(message)s' },
      braces: { format: '{levelname} {message}', style: '{' },
      json: { class: 'logging.JsonFormatter', timestamp: false },
    },
    filters: { onlyApp: { name: app } },
    handlers: {
      console: {
        class: 'logging.StreamHandler',
        formatter: 'brief',
        stream: 'ext://test.stream',
        level: 'DEBUG',
      },
      file: {
        class: 'logging.handlers.RotatingFileHandler',
        filename: file,
        maxBytes: 1000,
        backupCount: 1,
        formatter: 'braces',
      },
      json: {
        class: 'logging.StreamHandler',
        formatter: 'json',
        stream: 'ext://test.stream',
        filters: ['onlyApp'],
      },
    },
    loggers: { [app]: { level: 'DEBUG', handlers: ['file', 'json'], propagate: true } },
    root: { level: 'WARNING', handlers: ['console'] },
  });
  const log = getLogger(app);
  log.debug('hello %s', 'config');
  getLogger(uniqueName('other')).warning('elsewhere');
  const console_ = getHandlerByName('console')!;
  assert.ok(console_ instanceof StreamHandler);
  assert.equal(console_.level, DEBUG);
  assert.ok(getHandlerByName('file') instanceof RotatingFileHandler);
  (getHandlerByName('file') as FileHandler).flush();
  assert.equal(readFileSync(file, 'utf8'), 'DEBUG hello config\n');
  const lines = stream.lines;
  assert.ok(lines.includes(`DEBUG:${app}:hello config`));
  assert.ok(lines.some((l) => l.startsWith('{') && JSON.parse(l).message === 'hello config'));
  assert.ok(lines.some((l) => l.endsWith(':elsewhere')));
  assert.equal(lines.filter((l) => l.startsWith('{')).length, 1, 'the filter kept other loggers out of json');
  assert.equal(root.level, WARNING);
  assert.ok(getHandlerByName('json')!.formatter instanceof JsonFormatter);
});

test('disable_existing_loggers (default true) disables loggers not named, keeps their children', () => {
  const keep = uniqueName('keep');
  const old = getLogger(uniqueName('old'));
  const child = getLogger(`${keep}.child`);
  child.setLevel(ERROR);
  child.propagate = false;
  dictConfig({ version: 1, loggers: { [keep]: { level: 'INFO' } } });
  assert.equal(old.disabled, true);
  assert.equal(child.disabled, false);
  assert.equal(child.level, NOTSET, 'children of a named logger are reset, as Python does');
  assert.equal(child.propagate, true);
  const again = getLogger(uniqueName('again'));
  dictConfig({ version: 1, disable_existing_loggers: false });
  assert.equal(again.disabled, false);
});

test('incremental only changes levels of existing handlers and loggers', () => {
  const name = uniqueName('inc');
  dictConfig({
    version: 1,
    handlers: { h: { class: 'test.ListHandler', level: 'INFO' } },
    loggers: { [name]: { level: 'INFO', handlers: ['h'] } },
  });
  const h = getHandlerByName('h')!;
  dictConfig({
    version: 1,
    incremental: true,
    handlers: { h: { level: 'ERROR' } },
    loggers: { [name]: { level: 'DEBUG' } },
  });
  assert.equal(h.level, ERROR);
  assert.equal(getLogger(name).level, DEBUG);
  assert.deepEqual(getLogger(name).handlers, [h], 'handlers untouched');
  assert.throws(
    () => dictConfig({ version: 1, incremental: true, handlers: { nope: { level: 'DEBUG' } } }),
    /No handler found with name 'nope'/,
  );
});

test('() factories get the remaining keys; "." sets properties; cfg:// refers into the dict', () => {
  class Tagger extends Filter {
    tag: string;
    constructor(opts: { tag: string }) {
      super();
      this.tag = opts.tag;
    }
    override filter(record: LogRecord) {
      (record as unknown as Record<string, unknown>).tag = this.tag;
      return true;
    }
  }
  const name = uniqueName('fac');
  dictConfig(
    {
      version: 1,
      disable_existing_loggers: false,
      settings: { tag: 'from-cfg' },
      formatters: {
        f: {
          '()': (kw: { fmt: string }) =>
            new (class extends JsonFormatter {})({ timestamp: false, fields: [kw.fmt] }),
          fmt: 'tag',
        },
      },
      filters: { tagger: { '()': 'test.Tagger', tag: 'cfg://settings.tag' } },
      handlers: {
        list: { '()': 'test.ListHandler', formatter: 'f', filters: ['tagger'], '.': { marker: 42 } },
      },
      loggers: { [name]: { level: 'INFO', handlers: ['list'] } },
    },
    { names: { 'test.Tagger': Tagger } },
  );
  getLogger(name).info('x');
  const h = getHandlerByName('list') as ListHandler & { marker?: number };
  assert.equal(h.marker, 42);
  assert.deepEqual(JSON.parse(h.formatted[0]), { level: 'INFO', name, message: 'x', tag: 'from-cfg' });
});

test('a MemoryHandler target named later in sort order is configured after it (deferred)', () => {
  const name = uniqueName('mem');
  dictConfig({
    version: 1,
    disable_existing_loggers: false,
    handlers: {
      a_buffer: {
        class: 'logging.handlers.MemoryHandler',
        capacity: 2,
        flushLevel: 'ERROR',
        target: 'z_sink',
      },
      z_sink: { class: 'test.ListHandler' },
    },
    loggers: { [name]: { level: 'DEBUG', handlers: ['a_buffer'], propagate: false } },
  });
  const mh = getHandlerByName('a_buffer') as MemoryHandler;
  const sink = getHandlerByName('z_sink') as ListHandler;
  assert.equal(mh.target, sink);
  assert.equal(mh.flushLevel, ERROR);
  getLogger(name).info('one');
  getLogger(name).info('two');
  assert.deepEqual(sink.formatted, ['one', 'two']);
});

test('a QueueHandler gets a listener over the named handlers (Python 3.12), not started', async () => {
  const name = uniqueName('q');
  dictConfig({
    version: 1,
    disable_existing_loggers: false,
    handlers: {
      sink: { class: 'test.ListHandler', level: 'WARNING' },
      queued: { class: 'logging.handlers.QueueHandler', handlers: ['sink'], respect_handler_level: true },
    },
    loggers: { [name]: { level: 'DEBUG', handlers: ['queued'], propagate: false } },
  });
  const qh = getHandlerByName('queued') as QueueHandler;
  const sink = getHandlerByName('sink') as ListHandler;
  assert.ok(qh.listener);
  getLogger(name).info('below sink level');
  getLogger(name).error('queued error');
  assert.equal(sink.records.length, 0);
  qh.listener!.start();
  qh.listener!.stop();
  assert.deepEqual(sink.formatted, ['queued error']);
});

test('configuring closes the handlers of the previous configuration', () => {
  const file = join(dir, 'closed.log');
  dictConfig({
    version: 1,
    handlers: { f: { class: 'logging.FileHandler', filename: file } },
    root: { handlers: ['f'] },
  });
  const first = getHandlerByName('f') as FileHandler;
  dictConfig({ version: 1 });
  assert.equal(first._closed, true);
  assert.equal(getHandlerByName('f'), undefined);
});

test("python-json-logger's dictConfig entry works unchanged", () => {
  const name = uniqueName('pjl');
  dictConfig({
    version: 1,
    disable_existing_loggers: false,
    formatters: {
      json: {
        '()': 'pythonjsonlogger.jsonlogger.JsonFormatter',
        format: '%(levelname)s %(name)s %(message)s',
      },
    },
    handlers: { out: { class: 'logging.StreamHandler', formatter: 'json', stream: 'ext://test.stream' } },
    loggers: { [name]: { level: 'INFO', handlers: ['out'], propagate: false } },
  });
  getLogger(name).info('hello %s', 'json', kw({ extra: { room: 'r1' } }));
  assert.deepEqual(JSON.parse(stream.lines.at(-1)!), {
    levelname: 'INFO',
    name,
    message: 'hello json',
    room: 'r1',
  });
});

test('bad configurations fail with LOGGING_CONFIG and say which part', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{}, /doesn't specify a version/],
    [{ version: 2 }, /Unsupported version: 2/],
    [
      { version: 1, handlers: { h: { class: 'nope.Missing' } } },
      /Unable to configure handler 'h'.*Cannot resolve 'nope.Missing'/,
    ],
    [
      { version: 1, handlers: { h: { class: 'logging.StreamHandler', formatter: 'x' } } },
      /Unable to configure handler 'h'.*Unable to set formatter 'x'/,
    ],
    [{ version: 1, formatters: { f: { format: 'no fields' } } }, /Unable to configure formatter 'f'/],
    [
      { version: 1, loggers: { a: { handlers: ['missing'] } } },
      /Unable to configure logger 'a'.*Unable to add handler 'missing'/,
    ],
    [{ version: 1, root: { level: 'LOUD' } }, /Unable to configure root logger.*Unknown level: 'LOUD'/],
  ];
  for (const [config, message] of bad) {
    assert.throws(
      () => dictConfig(config),
      (e: unknown) => e instanceof LoggingError && e.code === 'LOGGING_CONFIG' && message.test(e.message),
      String(message),
    );
  }
});

test('fileConfig reads the dictionary from a JSON file; configFromEnv from JSON text or a path', () => {
  const name = uniqueName('fromfile');
  const path = join(dir, 'logging.json');
  writeFileSync(
    path,
    JSON.stringify({ version: 1, disable_existing_loggers: false, loggers: { [name]: { level: 'ERROR' } } }),
  );
  fileConfig(path);
  assert.equal(getLogger(name).level, ERROR);
  process.env.TEST_LOGGING_CONFIG = JSON.stringify({
    version: 1,
    disable_existing_loggers: false,
    loggers: { [name]: { level: 'INFO' } },
  });
  assert.equal(configFromEnv('TEST_LOGGING_CONFIG'), true);
  assert.equal(getLogger(name).level, INFO);
  process.env.TEST_LOGGING_CONFIG = path;
  assert.equal(configFromEnv('TEST_LOGGING_CONFIG'), true);
  assert.equal(getLogger(name).level, ERROR);
  process.env.TEST_LOGGING_CONFIG = '{not json';
  assert.throws(() => configFromEnv('TEST_LOGGING_CONFIG'), /TEST_LOGGING_CONFIG is not valid JSON/);
  delete process.env.TEST_LOGGING_CONFIG;
  assert.equal(configFromEnv('TEST_LOGGING_CONFIG'), false);
  assert.throws(() => fileConfig(join(dir, 'missing.json')), /Cannot read logging config file/);
});
