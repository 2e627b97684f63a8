import type { LogRecord } from '../../src/index.js';
import {
  addLevelName,
  Filter,
  Formatter,
  getLevelName,
  getLogger,
  makeLogRecord,
  StreamHandler,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

function stdoutHandler(fmt = '%(name)s:%(message)s'): StreamHandler {
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  return h;
}

const NAMES = ['spam', 'spam.eggs', 'spam.eggs.fish', 'spam.bakedbeans', 'spammy', 'other'];

/** Filters on loggers and handlers (CPython's `BasicFilterTest`). */
export const basicFilterTest: ConformanceClass = {
  name: 'BasicFilterTest',
  cases: [
    {
      name: 'filter_by_name',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(name)s:%(message)s'))
        logging.getLogger().addHandler(h)
        h.addFilter(logging.Filter('spam.eggs'))
        for n in ${JSON.stringify(NAMES)}:
            logging.getLogger(n).warning('hi')
      `,
      run() {
        const h = stdoutHandler();
        getLogger().addHandler(h);
        h.addFilter(new Filter('spam.eggs'));
        for (const n of NAMES) getLogger(n).warning('hi');
      },
    },
    {
      name: 'empty_name_passes_all',
      python: py`
        f = logging.Filter()
        print([bool(f.filter(logging.makeLogRecord({'name': n}))) for n in ['', 'a', 'a.b']])
        g = logging.Filter('a')
        print([bool(g.filter(logging.makeLogRecord({'name': n}))) for n in ['a', 'ab', 'a.b', 'b.a']])
      `,
      run() {
        const f = new Filter();
        print(['', 'a', 'a.b'].map((n) => Boolean(f.filter(makeLogRecord({ name: n })))));
        const g = new Filter('a');
        print(['a', 'ab', 'a.b', 'b.a'].map((n) => Boolean(g.filter(makeLogRecord({ name: n })))));
      },
    },
    {
      name: 'callable_filter',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(name)s:%(message)s'))
        logging.getLogger().addHandler(h)
        def only_spam(record):
            return record.name.startswith('spam')
        h.addFilter(only_spam)
        for n in ${JSON.stringify(NAMES)}:
            logging.getLogger(n).warning('hi')
        h.removeFilter(only_spam)
        logging.getLogger('other').warning('after removal')
      `,
      run() {
        const h = stdoutHandler();
        getLogger().addHandler(h);
        const onlySpam = (record: LogRecord) => record.name.startsWith('spam');
        h.addFilter(onlySpam);
        for (const n of NAMES) getLogger(n).warning('hi');
        h.removeFilter(onlySpam);
        getLogger('other').warning('after removal');
      },
    },
    {
      name: 'logger_filter_not_inherited',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(name)s:%(message)s'))
        logging.getLogger().addHandler(h)
        logging.getLogger('a').addFilter(lambda r: False)
        logging.getLogger('a').warning('blocked at a')
        logging.getLogger('a.b').warning('child passes: logger filters apply where the call is made')
      `,
      run() {
        getLogger().addHandler(stdoutHandler());
        getLogger('a').addFilter(() => false);
        getLogger('a').warning('blocked at a');
        getLogger('a.b').warning('child passes: logger filters apply where the call is made');
      },
    },
    {
      name: 'filter_modifies_record',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(user)s:%(message)s'))
        lg = logging.getLogger('m'); lg.addHandler(h)
        def add_user(record):
            record.user = 'ada'
            return True
        lg.addFilter(add_user)
        lg.warning('edited')
      `,
      run() {
        const lg = getLogger('m');
        lg.addHandler(stdoutHandler('%(user)s:%(message)s'));
        lg.addFilter((record) => {
          (record as unknown as { user: string }).user = 'ada';
          return true;
        });
        lg.warning('edited');
      },
    },
    {
      name: 'filter_returns_new_record',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(name)s:%(message)s'))
        lg = logging.getLogger('orig'); lg.addHandler(h)
        def replace(record):
            return logging.makeLogRecord({'name': 'replaced', 'msg': record.msg.upper(), 'levelno': record.levelno})
        h.addFilter(replace)
        lg.warning('quiet')
      `,
      run() {
        const h = stdoutHandler();
        const lg = getLogger('orig');
        lg.addHandler(h);
        h.addFilter((record) =>
          makeLogRecord({ name: 'replaced', msg: String(record.msg).toUpperCase(), levelno: record.levelno }),
        );
        lg.warning('quiet');
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:871 (Filterer.filter returns the replacement record, 3.12)',
        expected: { stdout: 'replaced:QUIET\n' },
      },
    },
    {
      name: 'filter_object_with_method',
      python: py`
        class Odd:
            def filter(self, record):
                return record.args[0] % 2
        h = logging.StreamHandler(sys.stdout); h.addFilter(Odd())
        lg = logging.getLogger('o'); lg.addHandler(h)
        for i in range(5):
            lg.warning('n=%d', i)
      `,
      run() {
        const h = new StreamHandler(process.stdout);
        h.addFilter({ filter: (record: LogRecord) => ((record.args as number[])[0] % 2) as number });
        const lg = getLogger('o');
        lg.addHandler(h);
        for (let i = 0; i < 5; i++) lg.warning('n=%d', i);
      },
    },
    {
      name: 'add_filter_twice',
      python: py`
        f = logging.Filter('x'); h = logging.NullHandler()
        h.addFilter(f); h.addFilter(f)
        print(len(h.filters))
        h.removeFilter(f); h.removeFilter(f)
        print(len(h.filters))
      `,
      async run() {
        const { NullHandler } = await import('../../src/index.js');
        const f = new Filter('x');
        const h = new NullHandler();
        h.addFilter(f);
        h.addFilter(f);
        print(h.filters.length);
        h.removeFilter(f);
        h.removeFilter(f);
        print(h.filters.length);
      },
    },
  ],
};

/** Custom level names and level-based filtering (CPython's `CustomLevelsAndFiltersTest`). */
export const customLevelsTest: ConformanceClass = {
  name: 'CustomLevelsAndFiltersTest',
  cases: [
    {
      name: 'add_level_name',
      python: py`
        logging.addLevelName(35, 'NOTICE'); logging.addLevelName(5, 'TRACE')
        print(logging.getLevelName(35), logging.getLevelName('NOTICE'), logging.getLevelName(5))
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(levelname)s %(levelno)d %(message)s'))
        lg = logging.getLogger('c'); lg.addHandler(h); lg.setLevel('TRACE')
        lg.log(35, 'notice'); lg.log(5, 'trace'); lg.log(3, 'below')
      `,
      run() {
        addLevelName(35, 'NOTICE');
        addLevelName(5, 'TRACE');
        print(getLevelName(35), getLevelName('NOTICE'), getLevelName(5));
        const lg = getLogger('c');
        lg.addHandler(stdoutHandler('%(levelname)s %(levelno)d %(message)s'));
        lg.setLevel('TRACE');
        lg.log(35, 'notice');
        lg.log(5, 'trace');
        lg.log(3, 'below');
      },
    },
    {
      name: 'unnamed_level',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(levelname)s|%(message)s'))
        lg = logging.getLogger('u'); lg.addHandler(h)
        lg.log(33, 'thirty-three')
        print(logging.getLevelName(33), logging.getLevelName('NOPE'))
      `,
      run() {
        const lg = getLogger('u');
        lg.addHandler(stdoutHandler('%(levelname)s|%(message)s'));
        lg.log(33, 'thirty-three');
        print(getLevelName(33), getLevelName('NOPE'));
      },
    },
    {
      name: 'rename_builtin_level',
      python: py`
        logging.addLevelName(logging.WARNING, 'WARN!')
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
        lg = logging.getLogger('r'); lg.addHandler(h)
        lg.warning('renamed')
        print(logging.getLevelName('WARNING'), logging.getLevelName(30))
      `,
      run() {
        addLevelName(30, 'WARN!');
        const lg = getLogger('r');
        lg.addHandler(stdoutHandler('%(levelname)s %(message)s'));
        lg.warning('renamed');
        print(getLevelName('WARNING'), getLevelName(30));
      },
    },
    {
      name: 'level_range_filter',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
        h.addFilter(lambda r: logging.INFO <= r.levelno < logging.ERROR)
        lg = logging.getLogger('lr'); lg.setLevel(logging.DEBUG); lg.addHandler(h)
        for lvl in (10, 20, 30, 40, 50):
            lg.log(lvl, 'at %d', lvl)
      `,
      run() {
        const h = stdoutHandler('%(levelname)s %(message)s');
        h.addFilter((r) => r.levelno >= 20 && r.levelno < 40);
        const lg = getLogger('lr');
        lg.setLevel(10);
        lg.addHandler(h);
        for (const lvl of [10, 20, 30, 40, 50]) lg.log(lvl, 'at %d', lvl);
      },
    },
  ],
};
