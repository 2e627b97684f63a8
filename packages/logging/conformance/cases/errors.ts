import type { LogRecord } from '../../src/index.js';
import {
  Formatter,
  getLogger,
  Handler,
  kw,
  LoggerAdapter,
  StreamHandler,
  setRaiseExceptions,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

/**
 * Keep only what both languages print the same way about a logging error: the banner,
 * the exception's `Type: message` line for Python's own errors, and the message and
 * arguments. Python's traceback frames and the JavaScript stack are dropped.
 */
function loggingErrorSummary(text: string): string {
  return text
    .split('\n')
    .filter((l) => l === '--- Logging error ---' || l.startsWith('Message: ') || l.startsWith('Arguments: '))
    .map((l) => `${l}\n`)
    .join('');
}

/** Python's traceback lines (header, frames, source lines) and JavaScript `at` frames, dropped. */
function withoutFrames(text: string): string {
  return text
    .split('\n')
    .filter((l) => !(l === 'Traceback (most recent call last):' || /^ {2}File /.test(l) || /^ {4}/.test(l)))
    .join('\n');
}

function stdoutLogger(name: string, fmt = '%(levelname)s %(message)s') {
  const lg = getLogger(name);
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  lg.addHandler(h);
  return lg;
}

class ValueError extends Error {
  override name = 'ValueError';
}

/** Errors while logging, `raiseExceptions`, and exception text (CPython's `ExceptionTest`, `HandlerTest.test_*error*`). */
export const exceptionTest: ConformanceClass = {
  name: 'ExceptionTest',
  cases: [
    {
      name: 'wrong_arguments_reported_and_dropped',
      python: py`
        lg = logging.getLogger('e'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.warning('user %s did %d things', 'ada')
        lg.warning('%d', 'x')
        lg.warning('too many', 1)
        lg.warning('after')
      `,
      run() {
        const lg = getLogger('e');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.warning('user %s did %d things', 'ada');
        lg.warning('%d', 'x');
        lg.warning('too many', 1);
        lg.warning('after');
      },
      normalize: loggingErrorSummary,
    },
    {
      name: 'raise_exceptions_off_is_silent',
      python: py`
        logging.raiseExceptions = False
        lg = logging.getLogger('e'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.warning('%d', 'x')
        lg.warning('kept')
      `,
      run() {
        setRaiseExceptions(false);
        const lg = getLogger('e');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.warning('%d', 'x');
        lg.warning('kept');
      },
    },
    {
      name: 'missing_format_field_drops_record',
      python: py`
        lg = logging.getLogger('mf')
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(user)s %(message)s')); lg.addHandler(h)
        lg.warning('no user field')
        lg.warning('with user', extra={'user': 'ada'})
      `,
      run() {
        const lg = stdoutLogger('mf', '%(user)s %(message)s');
        lg.warning('no user field');
        lg.warning('with user', kw({ extra: { user: 'ada' } }));
      },
      normalize: loggingErrorSummary,
    },
    {
      name: 'missing_format_field_raise_off',
      python: py`
        logging.raiseExceptions = False
        for fmt, style in [('%(user)s %(message)s', '%'), ('{user} {message}', '{'), ('$user $message', '$')]:
            lg = logging.getLogger(style)
            h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter(fmt, style=style)); lg.addHandler(h)
            lg.warning('dropped, not garbled')
            lg.warning('written', extra={'user': 'ada'})
      `,
      run() {
        setRaiseExceptions(false);
        for (const [fmt, style] of [
          ['%(user)s %(message)s', '%'],
          ['{user} {message}', '{'],
          ['$user $message', '$'],
        ] as const) {
          const lg = getLogger(style);
          const h = new StreamHandler(process.stdout);
          h.setFormatter(new Formatter(fmt, null, style));
          lg.addHandler(h);
          lg.warning('dropped, not garbled');
          lg.warning('written', kw({ extra: { user: 'ada' } }));
        }
      },
    },
    {
      name: 'mapping_key_missing',
      python: py`
        logging.raiseExceptions = False
        lg = logging.getLogger('mk'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.warning('%(a)s %(b)s', {'a': 1})
        lg.warning('%(a)s', {'a': 1})
      `,
      run() {
        setRaiseExceptions(false);
        const lg = getLogger('mk');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.warning('%(a)s %(b)s', { a: 1 });
        lg.warning('%(a)s', { a: 1 });
      },
    },
    {
      name: 'error_without_stack',
      python: py`
        lg = logging.getLogger('x'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.error('failed', exc_info=ValueError('bad value'))
        lg.error('no message', exc_info=ValueError())
      `,
      run() {
        const lg = getLogger('x');
        lg.addHandler(new StreamHandler(process.stdout));
        const bad = new ValueError('bad value');
        bad.stack = undefined;
        const empty = new ValueError();
        empty.stack = undefined;
        lg.error('failed', kw({ exc_info: bad }));
        lg.error('no message', kw({ exc_info: empty }));
      },
      normalize: withoutFrames,
    },
    {
      name: 'exception_with_traceback',
      python: py`
        lg = logging.getLogger('x'); h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(levelname)s %(message)s')); lg.addHandler(h)
        try:
            raise ValueError('boom')
        except ValueError:
            lg.exception('it failed')
        print('after')
      `,
      run() {
        const lg = stdoutLogger('x');
        try {
          throw new ValueError('boom');
        } catch (err) {
          lg.exception('it failed', kw({ exc_info: err }));
        }
        print('after');
      },
      normalize: (t) =>
        t
          .split('\n')
          .filter((l) => !/^\s+at /.test(l) && !/^ {2}File /.test(l) && !/^ {4}/.test(l))
          .join('\n'),
      deviation: {
        reason:
          'the exception text is the JavaScript error (`util.inspect`: `Name: message` and its stack frames) instead of a Python traceback',
        ours: { stdout: 'ERROR it failed\nValueError: boom\nafter\n' },
      },
    },
    {
      name: 'exc_text_cached_between_handlers',
      python: py`
        lg = logging.getLogger('x')
        for tag in ('one', 'two'):
            h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter(tag + ': %(message)s')); lg.addHandler(h)
        e = ValueError('cached'); e.__traceback__ = None
        lg.error('twice', exc_info=(ValueError, e, None))
      `,
      run() {
        const lg = getLogger('x');
        for (const tag of ['one', 'two']) {
          const h = new StreamHandler(process.stdout);
          h.setFormatter(new Formatter(`${tag}: %(message)s`));
          lg.addHandler(h);
        }
        const e = new ValueError('cached');
        e.stack = undefined;
        lg.error('twice', kw({ exc_info: e }));
      },
    },
    {
      name: 'handler_emit_error',
      python: py`
        class Broken(logging.Handler):
            def emit(self, record):
                try:
                    raise OSError('disk full')
                except Exception:
                    self.handleError(record)
        lg = logging.getLogger('b'); lg.addHandler(Broken())
        lg.warning('lost %s', 'line')
        print('caller continues')
      `,
      run() {
        class Broken extends Handler {
          override emit(record: LogRecord): void {
            try {
              throw new Error('disk full');
            } catch (err) {
              this.handleError(record, err);
            }
          }
        }
        const lg = getLogger('b');
        lg.addHandler(new Broken());
        lg.warning('lost %s', 'line');
        print('caller continues');
      },
      normalize: loggingErrorSummary,
    },
    {
      name: 'adapter_error_reported',
      python: py`
        lg = logging.getLogger('ad'); lg.addHandler(logging.StreamHandler(sys.stdout))
        a = logging.LoggerAdapter(lg, {'k': 1})
        a.warning('%s %s', 'only one')
        a.warning('fine %s', 'now')
      `,
      run() {
        const lg = getLogger('ad');
        lg.addHandler(new StreamHandler(process.stdout));
        const a = new LoggerAdapter(lg, { k: 1 });
        a.warning('%s %s', 'only one');
        a.warning('fine %s', 'now');
      },
      normalize: loggingErrorSummary,
    },
  ],
};
