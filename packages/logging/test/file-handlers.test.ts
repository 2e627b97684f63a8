import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { RotatingFileHandler, TimedRotatingFileHandler, WatchedFileHandler } from '../src/handlers.js';
import type { LogRecord } from '../src/index.js';
import { FileHandler, Formatter, getLogger, INFO, reopenOnSighup, setFileWriteMode } from '../src/index.js';
import { uniqueName } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function loggerWith(h: FileHandler) {
  const logger = getLogger(uniqueName('file'));
  logger.setLevel(INFO);
  logger.propagate = false;
  h.setFormatter(new Formatter('%(message)s'));
  logger.addHandler(h);
  return logger;
}

function read(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

test('FileHandler appends lines; they are on disk after flush()', () => {
  const path = join(dir, 'plain.log');
  writeFileSync(path, 'existing\n');
  const h = new FileHandler(path);
  const log = loggerWith(h);
  log.info('one %d', 1);
  log.info('two');
  h.flush();
  assert.deepEqual(read(path), ['existing', 'one 1', 'two']);
  h.close();
  assert.equal(h.baseFilename, path);
});

test("mode 'w' truncates; delay opens the file on the first record", () => {
  const path = join(dir, 'delayed.log');
  writeFileSync(path, 'old\n');
  const h = new FileHandler(path, 'w', null, true);
  assert.deepEqual(read(path), ['old']);
  const log = loggerWith(h);
  log.info('new');
  h.close();
  assert.deepEqual(read(path), ['new']);
});

test('buffered lines reach the file without flush(), written off the logging call', async () => {
  const path = join(dir, 'async.log');
  const h = new FileHandler(path);
  const log = loggerWith(h);
  log.info('later');
  assert.deepEqual(read(path), [], 'nothing written inside the log call');
  const deadline = Date.now() + 5000;
  while (read(path).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(read(path), ['later']);
  h.close();
});

const modes = ['normal', 'exit', 'throw', 'reject', 'timer-throw', 'exit-listener'] as const;
for (const mode of modes) {
  test(`no line is lost when the process ends by ${mode}`, () => {
    const path = join(dir, `exit-${mode}.log`);
    const script = join(dir, `exit-${mode}.mjs`);
    const index = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.js')).href;
    writeFileSync(
      script,
      `import { FileHandler, Formatter, getLogger } from '${index}';
const h = new FileHandler(process.argv[2]);
h.setFormatter(new Formatter('%(message)s'));
const log = getLogger('exit');
log.setLevel(10);
log.addHandler(h);
const mode = process.argv[3];
function burst() { for (let i = 0; i < 20000; i++) log.info('line %d', i); }
if (mode === 'exit-listener') process.on('exit', () => log.info('from a later exit listener'));
if (mode === 'timer-throw') {
  setTimeout(() => { burst(); throw new Error('late'); }, 5);
} else {
  burst();
  if (mode === 'exit') process.exit(3);
  if (mode === 'throw') throw new Error('uncaught');
  if (mode === 'reject') Promise.reject(new Error('rejected'));
}
`,
    );
    const r = spawnSync(process.execPath, [script, path, mode], { encoding: 'utf8', timeout: 30_000 });
    const expectedCode = mode === 'normal' || mode === 'exit-listener' ? 0 : mode === 'exit' ? 3 : 1;
    assert.equal(r.status, expectedCode, r.stderr);
    const lines = read(path);
    const late = mode === 'exit-listener' ? ['from a later exit listener'] : [];
    assert.equal(lines.length, 20000 + late.length);
    assert.equal(lines[0], 'line 0');
    assert.equal(lines[19999], 'line 19999');
    assert.deepEqual(lines.slice(20000), late);
  });
}

test('RotatingFileHandler rolls app.log to app.log.1, .2 … keeping backupCount', () => {
  const path = join(dir, 'rot.log');
  const h = new RotatingFileHandler(path, 'a', 35, 2);
  const log = loggerWith(h);
  for (let i = 0; i < 10; i++) log.info('line %04d', i); // 10 bytes each: 3 lines a file
  h.close();
  assert.deepEqual(read(path), ['line 0009']);
  assert.deepEqual(read(`${path}.1`), ['line 0006', 'line 0007', 'line 0008']);
  assert.deepEqual(read(`${path}.2`), ['line 0003', 'line 0004', 'line 0005']);
  assert.equal(existsSync(`${path}.3`), false);
});

test('RotatingFileHandler with backupCount 0 never rolls over; namer renames backups', () => {
  const path = join(dir, 'norot.log');
  const h = new RotatingFileHandler({ filename: path, maxBytes: 20, backupCount: 0 });
  const log = loggerWith(h);
  for (let i = 0; i < 5; i++) log.info('line %04d', i);
  h.close();
  assert.equal(read(path).length, 5);
  const named = join(dir, 'named.log');
  const h2 = new RotatingFileHandler(named, 'a', 25, 3);
  h2.namer = (name) => `${name}.bak`;
  const log2 = loggerWith(h2);
  for (let i = 0; i < 6; i++) log2.info('line %04d', i);
  h2.close();
  assert.deepEqual(read(`${named}.1.bak`), ['line 0002', 'line 0003']);
  assert.deepEqual(read(`${named}.2.bak`), ['line 0000', 'line 0001']);
});

let fakeNow = Date.UTC(2026, 10, 26, 10, 15, 0) / 1000; // Thursday
class ClockedHandler extends TimedRotatingFileHandler {
  override _now(): number {
    return fakeNow;
  }
}

test("TimedRotatingFileHandler names backups with Python's suffix and prunes to backupCount", () => {
  fakeNow = Date.UTC(2026, 10, 26, 10, 15, 0) / 1000;
  const sub = mkdtempSync(join(dir, 'timed-'));
  const path = join(sub, 'app.log');
  const h = new ClockedHandler({ filename: path, when: 'H', backupCount: 2, utc: true, delay: true });
  assert.equal(h.rolloverAt, fakeNow + 3600);
  const log = loggerWith(h);
  for (let hour = 0; hour < 4; hour++) {
    log.info('hour %d', hour);
    fakeNow += 3600;
  }
  log.info('now');
  h.close();
  assert.deepEqual(readdirSync(sub).sort(), ['app.log', 'app.log.2026-11-26_12', 'app.log.2026-11-26_13']);
  assert.deepEqual(read(join(sub, 'app.log.2026-11-26_13')), ['hour 3']);
  assert.deepEqual(read(path), ['now']);
});

test('TimedRotatingFileHandler suffixes per when', () => {
  const expected: Record<string, [string, RegExp]> = {
    S: ['%Y-%m-%d_%H-%M-%S', /(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?!\d)/],
    M: ['%Y-%m-%d_%H-%M', /(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}-\d{2}(?!\d)/],
    H: ['%Y-%m-%d_%H', /(?<!\d)\d{4}-\d{2}-\d{2}_\d{2}(?!\d)/],
    D: ['%Y-%m-%d', /(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)/],
    MIDNIGHT: ['%Y-%m-%d', /(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)/],
    W0: ['%Y-%m-%d', /(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)/],
  };
  for (const [when, [suffix, ext]] of Object.entries(expected)) {
    const h = new TimedRotatingFileHandler(
      join(dir, `suffix-${when}.log`),
      when.toLowerCase(),
      1,
      0,
      null,
      true,
    );
    assert.equal(h.suffix, suffix);
    assert.equal(h.extMatch.source, ext.source);
    h.close();
  }
  assert.throws(
    () => new TimedRotatingFileHandler(join(dir, 'bad.log'), 'W7', 1, 0, null, true),
    /Invalid day specified/,
  );
  assert.throws(
    () => new TimedRotatingFileHandler(join(dir, 'bad.log'), 'X', 1, 0, null, true),
    /Invalid rollover interval/,
  );
});

test('TimedRotatingFileHandler computes midnight, atTime and weekly rollovers as Python does', () => {
  const thu = Date.UTC(2026, 10, 26, 10, 15, 0) / 1000;
  const at = (when: string, atTime: { hour: number } | null = null) => {
    const h = new TimedRotatingFileHandler({
      filename: join(dir, 'compute.log'),
      when,
      utc: true,
      atTime,
      delay: true,
    });
    const v = h.computeRollover(thu);
    h.close();
    return new Date(v * 1000).toISOString();
  };
  assert.equal(at('midnight'), '2026-11-27T00:00:00.000Z');
  assert.equal(at('midnight', { hour: 3 }), '2026-11-27T03:00:00.000Z');
  assert.equal(at('midnight', { hour: 12 }), '2026-11-26T12:00:00.000Z');
  assert.equal(at('W3'), '2026-11-27T00:00:00.000Z');
  assert.equal(at('W0'), '2026-12-01T00:00:00.000Z');
  assert.equal(at('W0', { hour: 12 }), '2026-11-30T12:00:00.000Z');
  assert.equal(at('D'), '2026-11-27T10:15:00.000Z');
});

test('WatchedFileHandler re-opens the path after the file is moved', () => {
  const path = join(dir, 'watched.log');
  const h = new WatchedFileHandler(path);
  const log = loggerWith(h);
  log.info('before');
  h.flush();
  renameSync(path, `${path}.moved`);
  log.info('after');
  h.close();
  assert.deepEqual(read(`${path}.moved`), ['before']);
  assert.deepEqual(read(path), ['after']);
});

test('reopen() and reopenOnSighup() start a new file at the same path', async () => {
  const path = join(dir, 'hup.log');
  const h = new FileHandler(path);
  const log = loggerWith(h);
  log.info('first');
  h.flush();
  renameSync(path, `${path}.1`);
  h.reopen();
  log.info('second');
  h.flush();
  assert.deepEqual(read(path), ['second']);
  renameSync(path, `${path}.2`);
  const uninstall = reopenOnSighup();
  try {
    process.kill(process.pid, 'SIGHUP');
    const deadline = Date.now() + 5000;
    while (!existsSync(path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  } finally {
    uninstall();
  }
  log.info('third');
  h.close();
  assert.deepEqual(read(`${path}.1`), ['first']);
  assert.deepEqual(read(`${path}.2`), ['second']);
  assert.deepEqual(read(path), ['third']);
});

test('an unwritable file path is reported through handleError, not thrown from the log call', () => {
  const h = new FileHandler(join(dir, 'missing-dir', 'x.log'), 'a', null, true);
  const errors: unknown[] = [];
  h.handleError = (_r: LogRecord, e?: unknown) => {
    errors.push(e);
  };
  const log = loggerWith(h);
  assert.doesNotThrow(() => log.info('x'));
  assert.equal(errors.length, 1);
  assert.match(String((errors[0] as Error).message), /ENOENT/);
});

test('a failed background write (disk full) goes to handleError instead of crashing', {
  skip: !existsSync('/dev/full'),
}, async () => {
  const h = new FileHandler('/dev/full');
  const errors: unknown[] = [];
  h.handleError = (_r: LogRecord, e?: unknown) => {
    errors.push(e);
  };
  const log = loggerWith(h);
  log.info('nowhere to go');
  const deadline = Date.now() + 5000;
  while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.match(String((errors[0] as Error).message), /ENOSPC/);
  h.close();
});

test("setFileWriteMode('main') writes on the main thread with the same batching and order", async () => {
  const path = join(dir, 'main-mode.log');
  const h = new FileHandler(path);
  const log = loggerWith(h);
  log.info('thread %d', 1);
  setFileWriteMode('main');
  try {
    log.info('main %d', 2);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      read(path),
      ['thread 1', 'main 2'],
      'the switch waits for the thread, then writes in order',
    );
    log.info('main %d', 3);
    h.flush();
    assert.deepEqual(read(path), ['thread 1', 'main 2', 'main 3']);
  } finally {
    setFileWriteMode('thread');
    h.close();
  }
});
