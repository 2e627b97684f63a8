import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { TimeOfDay } from '../../src/handlers.js';
import { RotatingFileHandler, TimedRotatingFileHandler } from '../../src/handlers.js';
import type { LoggingError } from '../../src/index.js';
import { getLogger, makeLogRecord } from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

/** 2025-11-26 10:00:00 UTC, a Wednesday. */
const START = 1764151200;

/** The Python side's fake clock: `time.time()` returns `NOW[0]`. */
const PY_CLOCK = `NOW = [${START}]; time.time = lambda: NOW[0]`;

/** A TimedRotatingFileHandler on a fake clock (CPython's tests patch `time.time` the same way). */
function timedHandler(
  clock: { now: number },
  when: string,
  interval = 1,
  backupCount = 0,
  utc = false,
  atTime: TimeOfDay | null = null,
): TimedRotatingFileHandler {
  class OnFakeClock extends TimedRotatingFileHandler {
    override _now(): number {
      return clock.now;
    }
  }
  return new OnFakeClock('app.log', when, interval, backupCount, null, true, utc, atTime);
}

/** RotatingFileHandler (CPython's `RotatingFileHandlerTest`). */
export const rotatingFileHandlerTest: ConformanceClass = {
  name: 'RotatingFileHandlerTest',
  cases: [
    {
      name: 'rolls_over_by_size',
      python: py`
        h = logging.handlers.RotatingFileHandler('app.log', maxBytes=20, backupCount=2)
        lg = logging.getLogger('r'); lg.addHandler(h)
        for i in range(8):
            lg.warning('line number %d', i)
      `,
      run() {
        const h = new RotatingFileHandler('app.log', 'a', 20, 2);
        const lg = getLogger('r');
        lg.addHandler(h);
        for (let i = 0; i < 8; i++) lg.warning('line number %d', i);
      },
    },
    {
      name: 'no_backup_count_never_rolls',
      python: py`
        h = logging.handlers.RotatingFileHandler('app.log', maxBytes=10)
        lg = logging.getLogger('r'); lg.addHandler(h)
        for i in range(4):
            lg.warning('longer than ten bytes %d', i)
      `,
      run() {
        const h = new RotatingFileHandler('app.log', 'a', 10);
        const lg = getLogger('r');
        lg.addHandler(h);
        for (let i = 0; i < 4; i++) lg.warning('longer than ten bytes %d', i);
      },
    },
    {
      name: 'should_rollover',
      python: py`
        h = logging.handlers.RotatingFileHandler('app.log', maxBytes=1)
        r = logging.makeLogRecord({'msg': 'x'})
        print(bool(h.shouldRollover(r)))
        h.emit(r)
        print(bool(h.shouldRollover(r)))
        h0 = logging.handlers.RotatingFileHandler('zero.log', maxBytes=0)
        print(bool(h0.shouldRollover(r)))
      `,
      run() {
        const h = new RotatingFileHandler('app.log', 'a', 1);
        const r = makeLogRecord({ msg: 'x' });
        print(h.shouldRollover(r));
        h.emit(r);
        print(h.shouldRollover(r));
        const h0 = new RotatingFileHandler('zero.log', 'a', 0);
        print(h0.shouldRollover(r));
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/handlers.py:201 (gh-116263: never roll over an empty file)',
        expected: { stdout: 'False\nTrue\nFalse\n' },
      },
    },
    {
      name: 'empty_file_not_rolled',
      python: py`
        h = logging.handlers.RotatingFileHandler('app.log', maxBytes=5, backupCount=1)
        lg = logging.getLogger('e'); lg.addHandler(h)
        lg.warning('a record longer than maxBytes')
        lg.warning('second')
      `,
      run() {
        const h = new RotatingFileHandler('app.log', 'a', 5, 1);
        const lg = getLogger('e');
        lg.addHandler(h);
        lg.warning('a record longer than maxBytes');
        lg.warning('second');
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/handlers.py:201 (gh-116263: never roll over an empty file)',
        expected: { files: { 'app.log': 'second\n', 'app.log.1': 'a record longer than maxBytes\n' } },
      },
    },
    {
      name: 'namer_and_rotator',
      python: py`
        h = logging.handlers.RotatingFileHandler('app.log', maxBytes=12, backupCount=2)
        h.namer = lambda name: name + '.old'
        def rotator(source, dest):
            with open(source) as f:
                data = f.read()
            with open(dest, 'w') as f:
                f.write(data.upper())
            os.remove(source)
        h.rotator = rotator
        lg = logging.getLogger('n'); lg.addHandler(h)
        for w in ['alpha', 'beta', 'gamma', 'delta']:
            lg.warning('%s one', w)
      `,
      run() {
        const h = new RotatingFileHandler('app.log', 'a', 12, 2);
        h.namer = (name) => `${name}.old`;
        h.rotator = (source, dest) => {
          writeFileSync(dest, readFileSync(source, 'utf8').toUpperCase());
          unlinkSync(source);
        };
        const lg = getLogger('n');
        lg.addHandler(h);
        for (const w of ['alpha', 'beta', 'gamma', 'delta']) lg.warning('%s one', w);
      },
    },
    {
      name: 'mode_w_becomes_append',
      python: py`
        with open('app.log', 'w') as f:
            f.write('kept\n')
        h = logging.handlers.RotatingFileHandler('app.log', 'w', maxBytes=100, backupCount=1)
        lg = logging.getLogger('m'); lg.addHandler(h)
        lg.warning('appended')
      `,
      run() {
        writeFileSync('app.log', 'kept\n');
        const h = new RotatingFileHandler('app.log', 'w', 100, 1);
        const lg = getLogger('m');
        lg.addHandler(h);
        lg.warning('appended');
      },
    },
  ],
};

/** TimedRotatingFileHandler on a fake clock (CPython's `TimedRotatingFileHandlerTest`). */
export const timedRotatingFileHandlerTest: ConformanceClass = {
  name: 'TimedRotatingFileHandlerTest',
  cases: [
    {
      name: 'rolls_over_each_second',
      python: py`
        ${PY_CLOCK}
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='S', delay=True)
        lg = logging.getLogger('t'); lg.addHandler(h)
        for step, msg in [(0, 'a'), (1, 'b'), (1, 'b2'), (3, 'c'), (6, 'd')]:
            NOW[0] = ${START} + step
            lg.warning(msg)
      `,
      run() {
        const clock = { now: START };
        const lg = getLogger('t');
        lg.addHandler(timedHandler(clock, 'S'));
        for (const [step, msg] of [
          [0, 'a'],
          [1, 'b'],
          [1, 'b2'],
          [3, 'c'],
          [6, 'd'],
        ] as const) {
          clock.now = START + step;
          lg.warning(msg);
        }
      },
    },
    {
      name: 'backup_count_prunes',
      python: py`
        ${PY_CLOCK}
        with open('app.log.txt', 'w') as f:
            f.write('not a backup\n')
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='M', backupCount=2, delay=True)
        lg = logging.getLogger('t'); lg.addHandler(h)
        for i in range(6):
            NOW[0] = ${START} + 60 * i
            lg.warning('minute %d', i)
      `,
      run() {
        writeFileSync('app.log.txt', 'not a backup\n');
        const clock = { now: START };
        const lg = getLogger('t');
        lg.addHandler(timedHandler(clock, 'M', 1, 2));
        for (let i = 0; i < 6; i++) {
          clock.now = START + 60 * i;
          lg.warning('minute %d', i);
        }
      },
    },
    {
      name: 'existing_dated_file_kept',
      python: py`
        ${PY_CLOCK}
        with open('app.log.2025-11-26_10-00-00', 'w') as f:
            f.write('precious\n')
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='S', delay=True)
        lg = logging.getLogger('t'); lg.addHandler(h)
        lg.warning('a')
        NOW[0] = ${START} + 1
        lg.warning('b')
      `,
      run() {
        writeFileSync('app.log.2025-11-26_10-00-00', 'precious\n');
        const clock = { now: START };
        const lg = getLogger('t');
        lg.addHandler(timedHandler(clock, 'S'));
        lg.warning('a');
        clock.now = START + 1;
        lg.warning('b');
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/handlers.py:446 (doRollover: "Already rolled over", the dated file is kept)',
        expected: { files: { 'app.log': 'a\nb\n', 'app.log.2025-11-26_10-00-00': 'precious\n' } },
      },
    },
    {
      name: 'existing_dated_file_then_next_interval',
      python: py`
        ${PY_CLOCK}
        with open('app.log.2025-11-26_10-00-00', 'w') as f:
            f.write('precious\n')
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='S', delay=True)
        lg = logging.getLogger('t'); lg.addHandler(h)
        for step, msg in [(0, 'a'), (1, 'b'), (2, 'c'), (3, 'd')]:
            NOW[0] = ${START} + step
            lg.warning(msg)
      `,
      run() {
        writeFileSync('app.log.2025-11-26_10-00-00', 'precious\n');
        const clock = { now: START };
        const lg = getLogger('t');
        lg.addHandler(timedHandler(clock, 'S'));
        for (const [step, msg] of [
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
          [3, 'd'],
        ] as const) {
          clock.now = START + step;
          lg.warning(msg);
        }
      },
      deviation: {
        reason:
          'after finding the dated name taken (the file is kept, as in 3.13) the next rollover is scheduled; CPython 3.13 keeps retrying the same name on every record, so that file never rotates again',
        ours: {
          files: {
            'app.log': 'd\n',
            'app.log.2025-11-26_10-00-00': 'precious\n',
            'app.log.2025-11-26_10-00-01': 'a\nb\n',
            'app.log.2025-11-26_10-00-02': 'c\n',
          },
        },
      },
    },
    {
      name: 'compute_rollover',
      python: py`
        import datetime
        ${PY_CLOCK}
        for when, at in [('S', None), ('M', None), ('H', None), ('D', None), ('MIDNIGHT', None), ('MIDNIGHT', datetime.time(2, 30)), ('MIDNIGHT', datetime.time(11, 0)), ('W0', None), ('W2', None), ('W2', datetime.time(12, 0)), ('W6', None)]:
            h = logging.handlers.TimedRotatingFileHandler('app.log', when=when, utc=True, atTime=at, delay=True)
            print(when, at, h.computeRollover(${START} + 7) - ${START})
      `,
      run() {
        const clock = { now: START };
        for (const [when, at] of [
          ['S', null],
          ['M', null],
          ['H', null],
          ['D', null],
          ['MIDNIGHT', null],
          ['MIDNIGHT', { hour: 2, minute: 30 }],
          ['MIDNIGHT', { hour: 11, minute: 0 }],
          ['W0', null],
          ['W2', null],
          ['W2', { hour: 12, minute: 0 }],
          ['W6', null],
        ] as const) {
          const h = timedHandler(clock, when, 1, 0, true, at);
          const text =
            at === null
              ? 'None'
              : `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}:00`;
          print(when, text, h.computeRollover(START + 7) - START);
        }
      },
    },
    {
      name: 'interval_multiplies',
      python: py`
        ${PY_CLOCK}
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='H', interval=6, delay=True)
        print(h.interval, h.rolloverAt - ${START}, h.suffix)
      `,
      run() {
        const h = timedHandler({ now: START }, 'H', 6);
        print(h.interval, h.rolloverAt - START, h.suffix);
      },
    },
    {
      name: 'invalid_when',
      python: py`
        for when in ['W', 'W7', 'X', 'W12']:
            try:
                logging.handlers.TimedRotatingFileHandler('app.log', when=when, delay=True)
            except ValueError as e:
                print(e)
      `,
      run() {
        for (const when of ['W', 'W7', 'X', 'W12']) {
          try {
            new TimedRotatingFileHandler('app.log', when, 1, 0, null, true);
          } catch (e) {
            print((e as LoggingError).message);
          }
        }
      },
    },
    {
      name: 'namer_backups_pruned',
      python: py`
        ${PY_CLOCK}
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='S', backupCount=1, delay=True)
        h.namer = lambda name: name.replace('app.log.', 'app-') + '.log'
        lg = logging.getLogger('t'); lg.addHandler(h)
        for i in range(4):
            NOW[0] = ${START} + i
            lg.warning('second %d', i)
      `,
      run() {
        const clock = { now: START };
        const h = timedHandler(clock, 'S', 1, 1);
        h.namer = (name) => `${name.replace('app.log.', 'app-')}.log`;
        const lg = getLogger('t');
        lg.addHandler(h);
        for (let i = 0; i < 4; i++) {
          clock.now = START + i;
          lg.warning('second %d', i);
        }
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/handlers.py:405 (getFilesToDelete finds the date in a custom name and checks it with the namer)',
        expected: { files: { 'app-2025-11-26_10-00-02.log': 'second 2\n', 'app.log': 'second 3\n' } },
      },
    },
    {
      name: 'rotator_used',
      python: py`
        ${PY_CLOCK}
        h = logging.handlers.TimedRotatingFileHandler('app.log', when='S', delay=True)
        h.rotator = lambda src, dst: os.rename(src, dst + '.moved')
        lg = logging.getLogger('t'); lg.addHandler(h)
        lg.warning('first'); NOW[0] += 1; lg.warning('second')
      `,
      run() {
        const clock = { now: START };
        const h = timedHandler(clock, 'S');
        h.rotator = (src, dst) => renameSync(src, `${dst}.moved`);
        const lg = getLogger('t');
        lg.addHandler(h);
        lg.warning('first');
        clock.now += 1;
        lg.warning('second');
      },
    },
  ],
};
