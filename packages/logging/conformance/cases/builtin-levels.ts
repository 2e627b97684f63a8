import {
  basicConfig,
  CRITICAL,
  critical,
  DEBUG,
  debug,
  disable,
  ERROR,
  error,
  Formatter,
  getLevelName,
  getLevelNamesMapping,
  getLogger,
  INFO,
  info,
  log,
  StreamHandler,
  WARNING,
  warning,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

function stdoutHandler(fmt = '%(name)s:%(levelname)s:%(message)s'): StreamHandler {
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  return h;
}

/** Levels and the logger hierarchy (CPython's `BuiltinLevelsTest`). */
export const builtinLevels: ConformanceClass = {
  name: 'BuiltinLevelsTest',
  cases: [
    {
      name: 'flat',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(name)s:%(levelname)s:%(message)s'))
        logging.getLogger().addHandler(h)
        for name, level in [('ERR', logging.ERROR), ('INF', logging.INFO), ('DEB', logging.DEBUG)]:
            lg = logging.getLogger(name)
            lg.setLevel(level)
            lg.critical('c %d', 1); lg.error('e %d', 2); lg.warning('w %d', 3)
            lg.info('i %d', 4); lg.debug('d %d', 5)
      `,
      run() {
        getLogger().addHandler(stdoutHandler());
        for (const [name, level] of [
          ['ERR', ERROR],
          ['INF', INFO],
          ['DEB', DEBUG],
        ] as const) {
          const lg = getLogger(name);
          lg.setLevel(level);
          lg.critical('c %d', 1);
          lg.error('e %d', 2);
          lg.warning('w %d', 3);
          lg.info('i %d', 4);
          lg.debug('d %d', 5);
        }
      },
    },
    {
      name: 'nested_explicit',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(name)s:%(levelname)s:%(message)s'))
        logging.getLogger().addHandler(h)
        logging.getLogger('INF').setLevel(logging.INFO)
        m = logging.getLogger('INF.ERR')
        m.setLevel(logging.ERROR)
        m.critical('a'); m.error('b'); m.warning('c'); m.info('d')
      `,
      run() {
        getLogger().addHandler(stdoutHandler());
        getLogger('INF').setLevel(INFO);
        const m = getLogger('INF.ERR');
        m.setLevel(ERROR);
        m.critical('a');
        m.error('b');
        m.warning('c');
        m.info('d');
      },
    },
    {
      name: 'nested_inherited',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(name)s:%(levelname)s:%(message)s'))
        logging.getLogger().addHandler(h)
        logging.getLogger('INF').setLevel(logging.INFO)
        for name in ['INF.UNDEF', 'INF.BADPARENT.UNDEF', 'INF.BADPARENT']:
            lg = logging.getLogger(name)
            lg.critical('c'); lg.info('i'); lg.debug('d')
      `,
      run() {
        getLogger().addHandler(stdoutHandler());
        getLogger('INF').setLevel(INFO);
        for (const name of ['INF.UNDEF', 'INF.BADPARENT.UNDEF', 'INF.BADPARENT']) {
          const lg = getLogger(name);
          lg.critical('c');
          lg.info('i');
          lg.debug('d');
        }
      },
    },
    {
      name: 'nested_with_virtual_parent',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        h.setFormatter(logging.Formatter('%(name)s:%(levelname)s:%(message)s'))
        logging.getLogger().addHandler(h)
        child = logging.getLogger('INF.BADPARENT.UNDEF')
        child.info('before')
        logging.getLogger('INF').setLevel(logging.INFO)
        child.info('after')
        print(child.parent.name)
        logging.getLogger('INF.BADPARENT')
        print(child.parent.name)
      `,
      run() {
        getLogger().addHandler(stdoutHandler());
        const child = getLogger('INF.BADPARENT.UNDEF');
        child.info('before');
        getLogger('INF').setLevel(INFO);
        child.info('after');
        print(child.parent!.name);
        getLogger('INF.BADPARENT');
        print(child.parent!.name);
      },
    },
    {
      name: 'regression_22386',
      python: py`
        print(logging.getLevelName('INFO'), logging.getLevelName(logging.INFO))
        print(logging.getLevelName('WARN'), logging.getLevelName('FATAL'), logging.getLevelName(33))
      `,
      run() {
        print(getLevelName('INFO'), getLevelName(INFO));
        print(getLevelName('WARN'), getLevelName('FATAL'), getLevelName(33));
      },
    },
    {
      name: 'level_names_mapping',
      python: py`
        m = logging.getLevelNamesMapping()
        print(sorted(m.items()))
        m['X'] = 1
        print('X' in logging.getLevelNamesMapping())
      `,
      run() {
        const m = getLevelNamesMapping();
        print(
          `[${Object.entries(m)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `('${k}', ${v})`)
            .join(', ')}]`,
        );
        m.X = 1;
        print('X' in getLevelNamesMapping());
      },
    },
    {
      name: 'module_functions_use_root',
      python: py`
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format='%(levelname)s:%(name)s:%(message)s')
        logging.debug('d %s', 1); logging.info('i'); logging.warning('w'); logging.error('e'); logging.critical('c')
        logging.log(logging.INFO, 'log %d', 7)
      `,
      run() {
        basicConfig({ stream: process.stdout, level: DEBUG, format: '%(levelname)s:%(name)s:%(message)s' });
        debug('d %s', 1);
        info('i');
        warning('w');
        error('e');
        critical('c');
        log(INFO, 'log %d', 7);
      },
    },
    {
      name: 'effective_level',
      python: py`
        a = logging.getLogger('a'); b = logging.getLogger('a.b.c')
        print(a.getEffectiveLevel(), b.getEffectiveLevel())
        logging.getLogger().setLevel(logging.ERROR)
        print(a.getEffectiveLevel(), b.getEffectiveLevel())
        a.setLevel('DEBUG')
        print(a.getEffectiveLevel(), b.getEffectiveLevel(), b.isEnabledFor(logging.DEBUG), b.isEnabledFor(5))
      `,
      run() {
        const a = getLogger('a');
        const b = getLogger('a.b.c');
        print(a.getEffectiveLevel(), b.getEffectiveLevel());
        getLogger().setLevel(ERROR);
        print(a.getEffectiveLevel(), b.getEffectiveLevel());
        a.setLevel('DEBUG');
        print(a.getEffectiveLevel(), b.getEffectiveLevel(), b.isEnabledFor(DEBUG), b.isEnabledFor(5));
      },
    },
    {
      name: 'disable',
      python: py`
        logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))
        lg = logging.getLogger('d')
        logging.disable(logging.WARNING)
        lg.warning('dropped'); lg.error('kept'); print(lg.isEnabledFor(logging.WARNING))
        logging.disable('ERROR')
        lg.error('dropped too'); lg.critical('kept too')
        logging.disable()
        lg.critical('dropped at last')
        logging.disable(logging.NOTSET)
        lg.warning('back')
        print(logging.root.manager.disable)
      `,
      run() {
        getLogger().addHandler(new StreamHandler(process.stdout));
        const lg = getLogger('d');
        disable(WARNING);
        lg.warning('dropped');
        lg.error('kept');
        print(lg.isEnabledFor(WARNING));
        disable('ERROR');
        lg.error('dropped too');
        lg.critical('kept too');
        disable();
        lg.critical('dropped at last');
        disable(0);
        lg.warning('back');
        print(getLogger().manager.disable);
      },
    },
    {
      name: 'propagate_false_stops',
      python: py`
        top = logging.StreamHandler(sys.stdout); top.setFormatter(logging.Formatter('root saw %(message)s'))
        logging.getLogger().addHandler(top)
        mid = logging.getLogger('p'); own = logging.StreamHandler(sys.stdout)
        own.setFormatter(logging.Formatter('p saw %(message)s')); mid.addHandler(own)
        logging.getLogger('p.q').warning('one')
        mid.propagate = False
        logging.getLogger('p.q').warning('two')
      `,
      run() {
        getLogger().addHandler(stdoutHandler('root saw %(message)s'));
        const mid = getLogger('p');
        mid.addHandler(stdoutHandler('p saw %(message)s'));
        getLogger('p.q').warning('one');
        mid.propagate = false;
        getLogger('p.q').warning('two');
      },
    },
    {
      name: 'handler_level_filters',
      python: py`
        lg = logging.getLogger('hl'); lg.setLevel(logging.DEBUG)
        h = logging.StreamHandler(sys.stdout); h.setLevel(logging.WARNING); lg.addHandler(h)
        lg.info('no'); lg.warning('yes'); lg.log(35, 'custom %s', 35)
      `,
      run() {
        const lg = getLogger('hl');
        lg.setLevel(DEBUG);
        const h = new StreamHandler(process.stdout);
        h.setLevel(WARNING);
        lg.addHandler(h);
        lg.info('no');
        lg.warning('yes');
        lg.log(35, 'custom %s', 35);
      },
    },
    {
      name: 'critical_and_fatal',
      python: py`
        lg = logging.getLogger('f'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.fatal('fatal %s', 'x'); lg.critical('critical'); lg.warn('warn')
        print(logging.FATAL == logging.CRITICAL, logging.WARN == logging.WARNING)
      `,
      run() {
        const lg = getLogger('f');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.fatal('fatal %s', 'x');
        lg.critical('critical');
        lg.warn('warn');
        print(CRITICAL === 50, WARNING === 30);
      },
      normalize: (t) => t.replace(/^.*DeprecationWarning.*\n(.*\n)?/gm, ''),
    },
  ],
};
