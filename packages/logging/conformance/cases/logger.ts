import { _setTimeSource } from '../../src/clock.js';
import type { LoggingError } from '../../src/index.js';
import {
  DEBUG,
  Formatter,
  getLogger,
  getLogRecordFactory,
  INFO,
  kw,
  Logger,
  LogRecord,
  makeLogRecord,
  manager,
  root,
  StreamHandler,
  setLoggerClass,
  setLogRecordFactory,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py, pyRepr } from '../case.js';
import { fixedRecord, PY_RECORD } from './fixed-record.js';

function toStdout(logger: Logger, fmt = '%(name)s:%(levelname)s:%(message)s'): StreamHandler {
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  logger.addHandler(h);
  return h;
}

function printError(e: unknown): void {
  const err = e as LoggingError;
  print(err.pythonType, err.message);
}

/** Python prints a float with an integer value as `1.0`. */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** Loggers, the manager and records (CPython's `LoggerTest`, `ManagerTest`, `LogRecordTest`). */
export const loggerTest: ConformanceClass = {
  name: 'LoggerTest',
  cases: [
    {
      name: 'root_by_name',
      python: py`
        print(logging.getLogger() is logging.root, logging.getLogger('') is logging.root, logging.getLogger('root') is logging.root)
        print(repr(logging.getLogger()), repr(logging.getLogger('a.b')))
      `,
      run() {
        print(getLogger() === root, getLogger('') === root, getLogger('root') === root);
        print(String(getLogger()), String(getLogger('a.b')));
      },
    },
    {
      name: 'get_child',
      python: py`
        a = logging.getLogger('a')
        print(a.getChild('b') is logging.getLogger('a.b'), a.getChild('b.c').name)
        print(logging.root.getChild('x').name)
      `,
      run() {
        const a = getLogger('a');
        print(a.getChild('b') === getLogger('a.b'), a.getChild('b.c').name);
        print(root.getChild('x').name);
      },
    },
    {
      name: 'get_children',
      python: py`
        a = logging.getLogger('a'); logging.getLogger('a.b'); logging.getLogger('a.c.d'); logging.getLogger('a.c')
        try:
            print(sorted(c.name for c in a.getChildren()))
            print(sorted(c.name for c in logging.root.getChildren()))
        except AttributeError as e:
            print('AttributeError')
      `,
      run() {
        const a = getLogger('a');
        getLogger('a.b');
        getLogger('a.c.d');
        getLogger('a.c');
        print([...a.getChildren()].map((c) => c.name).sort());
        print([...root.getChildren()].map((c) => c.name).sort());
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:1802 (Logger.getChildren, new in 3.12)',
        expected: { stdout: "['a.b', 'a.c']\n['a']\n" },
      },
    },
    {
      name: 'has_handlers',
      python: py`
        a = logging.getLogger('a'); b = logging.getLogger('a.b')
        print(b.hasHandlers())
        a.addHandler(logging.NullHandler())
        print(b.hasHandlers())
        b.propagate = False
        print(b.hasHandlers())
      `,
      async run() {
        const { NullHandler } = await import('../../src/index.js');
        const a = getLogger('a');
        const b = getLogger('a.b');
        print(b.hasHandlers());
        a.addHandler(new NullHandler());
        print(b.hasHandlers());
        b.propagate = false;
        print(b.hasHandlers());
      },
    },
    {
      name: 'set_level_errors',
      python: py`
        lg = logging.getLogger('x')
        for bad in ['info', 'NOPE', 1.5, None]:
            try:
                lg.setLevel(bad)
            except Exception as e:
                print(type(e).__name__, e)
      `,
      run() {
        const lg = getLogger('x');
        for (const bad of ['info', 'NOPE', 1.5, null]) {
          try {
            lg.setLevel(bad as never);
          } catch (e) {
            printError(e);
          }
        }
      },
      deviation: {
        reason:
          'an unknown level name adds a hint (`level names are case-sensitive: use one of …`); `null` is spelled `null`',
        ours: {
          stdout:
            "ValueError Unknown level: 'info' (level names are case-sensitive: use one of CRITICAL, FATAL, ERROR, WARN, WARNING, INFO, DEBUG, NOTSET)\nValueError Unknown level: 'NOPE' (level names are case-sensitive: use one of CRITICAL, FATAL, ERROR, WARN, WARNING, INFO, DEBUG, NOTSET)\nTypeError Level not an integer or a valid string: 1.5\nTypeError Level not an integer or a valid string: null\n",
        },
      },
    },
    {
      name: 'log_level_must_be_int',
      python: py`
        lg = logging.getLogger('x')
        try:
            lg.log('INFO', 'text')
        except TypeError as e:
            print('TypeError', e)
        logging.raiseExceptions = False
        lg.log('INFO', 'ignored')
        print('no error')
      `,
      async run() {
        const { setRaiseExceptions } = await import('../../src/index.js');
        const lg = getLogger('x');
        try {
          lg.log('INFO' as never, 'text');
        } catch (e) {
          printError(e);
        }
        setRaiseExceptions(false);
        lg.log('INFO' as never, 'ignored');
        print('no error');
      },
    },
    {
      name: 'extra_becomes_attributes',
      python: py`
        lg = logging.getLogger('x'); h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(room)s %(seq)d %(message)s')); lg.addHandler(h)
        lg.warning('posted', extra={'room': 'physics', 'seq': 42})
      `,
      run() {
        const lg = getLogger('x');
        toStdout(lg, '%(room)s %(seq)d %(message)s');
        lg.warning('posted', kw({ extra: { room: 'physics', seq: 42 } }));
      },
    },
    {
      name: 'extra_clash',
      python: py`
        lg = logging.getLogger('x'); lg.addHandler(logging.NullHandler())
        for key in ['message', 'asctime', 'name']:
            try:
                lg.warning('m', extra={key: 1})
            except KeyError as e:
                print('KeyError', e)
      `,
      async run() {
        const { NullHandler } = await import('../../src/index.js');
        const lg = getLogger('x');
        lg.addHandler(new NullHandler());
        for (const key of ['message', 'asctime', 'name']) {
          try {
            lg.warning('m', kw({ extra: { [key]: 1 } }));
          } catch (e) {
            // str(KeyError(text)) is the repr of the text.
            const err = e as LoggingError;
            print(err.pythonType, pyRepr(err.message));
          }
        }
      },
    },
    {
      name: 'exception_without_active_error',
      python: py`
        lg = logging.getLogger('x'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.exception('no error here')
        lg.error('explicit', exc_info=False)
      `,
      run() {
        const lg = getLogger('x');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.exception('no error here');
        lg.error('explicit', kw({ exc_info: false }));
      },
      deviation: {
        reason:
          'JavaScript has no current exception: `exception()` without `exc_info` appends nothing, where Python appends `NoneType: None`',
        ours: { stdout: 'no error here\nexplicit\n' },
      },
    },
    {
      name: 'logger_class',
      python: py`
        class Mine(logging.Logger):
            pass
        logging.setLoggerClass(Mine)
        print(type(logging.getLogger('made.after')).__name__, type(logging.root).__name__)
        logging.setLoggerClass(logging.Logger)
        print(type(logging.getLogger('made.later')).__name__, logging.getLoggerClass().__name__)
      `,
      run() {
        class Mine extends Logger {}
        setLoggerClass(Mine);
        print(getLogger('made.after').constructor.name, root.constructor.name);
        setLoggerClass(Logger);
        print(getLogger('made.later').constructor.name, 'Logger');
      },
    },
    {
      name: 'logger_dict_placeholders',
      python: py`
        logging.getLogger('p.q.r')
        d = logging.root.manager.loggerDict
        print(sorted((k, type(v).__name__) for k, v in d.items()))
      `,
      run() {
        getLogger('p.q.r');
        print(
          `[${[...manager.loggerDict.entries()]
            .map(([k, v]) => [k, v.constructor.name] as const)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, t]) => `('${k}', '${t}')`)
            .join(', ')}]`,
        );
      },
    },
    {
      name: 'make_record_and_handle',
      python: py`
        lg = logging.getLogger('x'); lg.setLevel(logging.DEBUG)
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(levelname)s %(lineno)d %(funcName)s %(message)s'))
        lg.addHandler(h)
        r = lg.makeRecord('x', logging.INFO, '/a/b.py', 7, 'made %s', ('here',), None, 'fn', {'k': 'v'})
        print(r.k)
        lg.handle(r)
      `,
      run() {
        const lg = getLogger('x');
        lg.setLevel(DEBUG);
        toStdout(lg, '%(levelname)s %(lineno)d %(funcName)s %(message)s');
        const r = lg.makeRecord('x', INFO, '/a/b.py', 7, 'made %s', ['here'], null, 'fn', { k: 'v' });
        print((r as unknown as { k: string }).k);
        lg.handle(r);
      },
    },
    {
      name: 'disabled_logger',
      python: py`
        lg = logging.getLogger('x'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.disabled = True
        lg.error('hidden')
        lg.disabled = False
        lg.error('shown')
      `,
      run() {
        const lg = getLogger('x');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.disabled = true;
        lg.error('hidden');
        lg.disabled = false;
        lg.error('shown');
      },
    },
    {
      name: 'level_change_after_cache',
      python: py`
        lg = logging.getLogger('c'); lg.addHandler(logging.StreamHandler(sys.stdout))
        print(lg.isEnabledFor(logging.INFO))
        lg.info('dropped')
        logging.getLogger().setLevel(logging.INFO)
        print(lg.isEnabledFor(logging.INFO))
        lg.info('kept')
      `,
      run() {
        const lg = getLogger('c');
        lg.addHandler(new StreamHandler(process.stdout));
        print(lg.isEnabledFor(INFO));
        lg.info('dropped');
        root.setLevel(INFO);
        print(lg.isEnabledFor(INFO));
        lg.info('kept');
      },
    },
  ],
};

/** LogRecord attributes, factories and times (CPython's `LogRecordTest`). */
export const logRecordTest: ConformanceClass = {
  name: 'LogRecordTest',
  cases: [
    {
      name: 'str_of_record',
      python: py`
        ${PY_RECORD}
        print(str(r))
      `,
      run() {
        print(String(fixedRecord()));
      },
    },
    {
      name: 'single_mapping_argument',
      python: py`
        r = logging.LogRecord('n', logging.INFO, 'p', 1, '%(a)s and %(b)s', ({'a': 1, 'b': 2},), None)
        print(type(r.args).__name__, r.getMessage())
        r2 = logging.LogRecord('n', logging.INFO, 'p', 1, 'tuple %s', ((1, 2),), None)
        print(r2.getMessage())
      `,
      run() {
        const r = new LogRecord('n', INFO, 'p', 1, '%(a)s and %(b)s', [{ a: 1, b: 2 }], null);
        print(Array.isArray(r.args) ? 'tuple' : 'dict', r.getMessage());
        const r2 = new LogRecord('n', INFO, 'p', 1, 'tuple %s', [[1, 2]], null);
        print(r2.getMessage());
      },
      deviation: {
        reason:
          '`%s` of a JavaScript array prints `[ 1, 2 ]` (`util.format`); Python prints a tuple `(1, 2)`',
        ours: { stdout: 'dict 1 and 2\ntuple [ 1, 2 ]\n' },
      },
    },
    {
      name: 'non_string_msg',
      python: py`
        r = logging.LogRecord('n', logging.INFO, 'p', 1, 42, (), None)
        print(r.getMessage())
        r = logging.LogRecord('n', logging.INFO, 'p', 1, 42, ('x',), None)
        try:
            r.getMessage()
        except TypeError as e:
            print('TypeError', e)
      `,
      run() {
        print(new LogRecord('n', INFO, 'p', 1, 42, [], null).getMessage());
        try {
          new LogRecord('n', INFO, 'p', 1, 42, ['x'], null).getMessage();
        } catch (e) {
          printError(e);
        }
      },
    },
    {
      name: 'make_log_record',
      python: py`
        r = logging.makeLogRecord({'msg': 'hi %s', 'args': ('there',), 'levelno': 40, 'levelname': 'ERROR', 'custom': 1})
        print(r.getMessage(), r.levelno, r.levelname, r.custom, r.name, r.exc_info)
        e = logging.makeLogRecord({})
        print(repr(e.name), e.levelno, repr(e.levelname), repr(e.msg), e.args)
      `,
      run() {
        const r = makeLogRecord({
          msg: 'hi %s',
          args: ['there'],
          levelno: 40,
          levelname: 'ERROR',
          custom: 1,
        });
        print(
          r.getMessage(),
          r.levelno,
          r.levelname,
          (r as unknown as { custom: number }).custom,
          r.name,
          r.exc_info,
        );
        const e = makeLogRecord({});
        print(pyRepr(e.name), e.levelno, pyRepr(e.levelname), pyRepr(e.msg), '()');
      },
      deviation: {
        reason:
          "`makeLogRecord`'s blank record has name `''` and level 0 (`NOTSET`) so the fields keep their types; CPython's has `None` and `'Level None'`",
        ours: { stdout: "hi there 40 ERROR 1  None\n'' 0 'NOTSET' '' ()\n" },
      },
    },
    {
      name: 'record_factory',
      python: py`
        old = logging.getLogRecordFactory()
        def factory(*args, **kwargs):
            r = old(*args, **kwargs)
            r.custom = 'added'
            return r
        logging.setLogRecordFactory(factory)
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(custom)s %(message)s'))
        lg = logging.getLogger('f'); lg.addHandler(h)
        lg.warning('with factory')
        logging.setLogRecordFactory(old)
        print(logging.getLogRecordFactory() is old)
      `,
      run() {
        const old = getLogRecordFactory();
        setLogRecordFactory((...a) => {
          const r = old(...a);
          (r as unknown as { custom: string }).custom = 'added';
          return r;
        });
        const lg = getLogger('f');
        toStdout(lg, '%(custom)s %(message)s');
        lg.warning('with factory');
        setLogRecordFactory(old);
        print(getLogRecordFactory() === old);
      },
    },
    {
      name: 'task_name',
      python: py`
        r = logging.makeLogRecord({})
        print(getattr(r, 'taskName', 'absent'))
        print(logging.Formatter('%(taskName)s|%(message)s').format(logging.makeLogRecord({'msg': 'm'})))
      `,
      run() {
        print(makeLogRecord({}).taskName);
        print(new Formatter('%(taskName)s|%(message)s').format(makeLogRecord({ msg: 'm' })));
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:378 (LogRecord.taskName, new in 3.12)',
        expected: { stdout: 'None\nNone|m\n', stderr: '' },
      },
      deviation: {
        reason:
          "`%s` of `null` prints `null` (JavaScript's spelling), so `%(taskName)s` shows `null` where CPython shows `None`",
        ours: { stdout: 'None\nnull|m\n', stderr: '' },
      },
    },
    {
      name: 'created_sub_millisecond',
      python: py`
        time.time_ns = lambda: 1_700_000_000_123_456_789
        time.time = lambda: 1_700_000_000_123_456_789 / 1e9
        r = logging.makeLogRecord({})
        print('%.6f' % r.created, int(r.msecs))
      `,
      run() {
        _setTimeSource(() => 1_700_000_000_123.4568);
        const r = makeLogRecord({});
        print(r.created.toFixed(6), Math.trunc(r.msecs));
      },
    },
    {
      name: 'msecs_at_second_edge',
      python: py`
        for ns in [1_677_903_920_999_999_900, 1_677_903_920_999_999_700, 1_677_903_920_999_000_000]:
            time.time_ns = lambda: ns
            time.time = lambda: ns / 1e9
            r = logging.makeLogRecord({})
            print(repr(r.created), repr(r.msecs))
      `,
      run() {
        // In milliseconds as doubles: 100 ns before the second is the second itself; 300 ns
        // before is the largest double below it.
        for (const ms of [1_677_903_921_000, 1_677_903_920_999.9998, 1_677_903_920_999]) {
          _setTimeSource(() => ms);
          const r = makeLogRecord({});
          print(pyFloat(r.created), pyFloat(r.msecs));
        }
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:347 (msecs from time_ns; 0 when created rounds up)',
        expected: { stdout: '1677903921.0 0.0\n1677903920.9999998 999.0\n1677903920.999 999.0\n' },
      },
    },
  ],
};
