import type { LogKwargs } from '../../src/index.js';
import { DEBUG, Formatter, getLogger, INFO, kw, LoggerAdapter, StreamHandler } from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

function stdoutLogger(name: string, fmt: string) {
  const lg = getLogger(name);
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  lg.addHandler(h);
  return lg;
}

/** LoggerAdapter (CPython's `LoggerAdapterTest`). */
export const loggerAdapterTest: ConformanceClass = {
  name: 'LoggerAdapterTest',
  cases: [
    {
      name: 'extra_added',
      python: py`
        lg = logging.getLogger('a'); h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(room)s %(levelname)s %(message)s')); lg.addHandler(h)
        ad = logging.LoggerAdapter(lg, {'room': 'physics'})
        ad.warning('joined %s', 'ada'); ad.error('left'); ad.log(logging.CRITICAL, 'closed')
      `,
      run() {
        const lg = stdoutLogger('a', '%(room)s %(levelname)s %(message)s');
        const ad = new LoggerAdapter(lg, { room: 'physics' });
        ad.warning('joined %s', 'ada');
        ad.error('left');
        ad.log(50, 'closed');
      },
    },
    {
      name: 'adapter_extra_replaces_call_extra',
      python: py`
        lg = logging.getLogger('a'); h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(room)s %(user)s %(message)s', defaults={'user': '-'})); lg.addHandler(h)
        ad = logging.LoggerAdapter(lg, {'room': 'physics'})
        ad.warning('call extra is replaced', extra={'user': 'ada', 'room': 'other'})
      `,
      run() {
        const lg = stdoutLogger('a', '%(room)s %(user)s %(message)s');
        lg.handlers[0].setFormatter(
          new Formatter('%(room)s %(user)s %(message)s', null, '%', true, { defaults: { user: '-' } }),
        );
        const ad = new LoggerAdapter(lg, { room: 'physics' });
        ad.warning('call extra is replaced', kw({ extra: { user: 'ada', room: 'other' } }));
      },
    },
    {
      name: 'merge_extra',
      python: py`
        lg = logging.getLogger('a'); h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(room)s %(user)s %(message)s')); lg.addHandler(h)
        try:
            ad = logging.LoggerAdapter(lg, {'room': 'physics'}, merge_extra=True)
            ad.warning('merged', extra={'user': 'ada', 'room': 'call wins'})
        except TypeError as e:
            print('TypeError')
      `,
      run() {
        const lg = stdoutLogger('a', '%(room)s %(user)s %(message)s');
        const ad = new LoggerAdapter(lg, { room: 'physics' }, true);
        ad.warning('merged', kw({ extra: { user: 'ada', room: 'call wins' } }));
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:1887 (LoggerAdapter merge_extra, new in 3.13)',
        expected: { stdout: 'call wins ada merged\n' },
      },
    },
    {
      name: 'process_override',
      python: py`
        class Prefix(logging.LoggerAdapter):
            def process(self, msg, kwargs):
                return '[%s] %s' % (self.extra['id'], msg), kwargs
        lg = logging.getLogger('p'); lg.addHandler(logging.StreamHandler(sys.stdout))
        Prefix(lg, {'id': 7}).warning('hello %s', 'you')
      `,
      run() {
        class Prefix extends LoggerAdapter<{ id: number }> {
          override process(msg: unknown, kwargs: LogKwargs): [unknown, LogKwargs] {
            return [`[${this.extra!.id}] ${String(msg)}`, kwargs];
          }
        }
        const lg = getLogger('p');
        lg.addHandler(new StreamHandler(process.stdout));
        new Prefix(lg, { id: 7 }).warning('hello %s', 'you');
      },
    },
    {
      name: 'repr_and_levels',
      python: py`
        lg = logging.getLogger('lvl')
        ad = logging.LoggerAdapter(lg, {})
        print(repr(ad))
        ad.setLevel(logging.DEBUG)
        print(repr(ad), ad.getEffectiveLevel(), ad.isEnabledFor(logging.INFO), ad.name, ad.manager is logging.root.manager)
        print(ad.hasHandlers())
      `,
      run() {
        const lg = getLogger('lvl');
        const ad = new LoggerAdapter(lg, {});
        print(String(ad));
        ad.setLevel(DEBUG);
        print(String(ad), ad.getEffectiveLevel(), ad.isEnabledFor(INFO), ad.name, ad.manager === lg.manager);
        print(ad.hasHandlers());
      },
    },
    {
      name: 'adapter_exception',
      python: py`
        lg = logging.getLogger('x'); lg.addHandler(logging.StreamHandler(sys.stdout))
        ad = logging.LoggerAdapter(lg, None)
        ad.exception('no current exception', exc_info=False)
        ad.critical('crit %d', 1)
      `,
      run() {
        const lg = getLogger('x');
        lg.addHandler(new StreamHandler(process.stdout));
        const ad = new LoggerAdapter(lg, null);
        ad.exception('no current exception', kw({ exc_info: false }));
        ad.critical('crit %d', 1);
      },
    },
  ],
};
