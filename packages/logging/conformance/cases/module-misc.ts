import { renameSync, unlinkSync } from 'node:fs';
import { WatchedFileHandler } from '../../src/handlers.js';
import {
  BufferingFormatter,
  FileHandler,
  Formatter,
  getLogger,
  kw,
  makeLogRecord,
  NullHandler,
  StreamHandler,
  shutdown,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

/** Python's stack text: the header, then frames; only the header is the same in both languages. */
function stackHeaderOnly(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^ {2}File /.test(l) && !/^ {4}/.test(l) && !/^\s+at /.test(l))
    .join('\n');
}

/** shutdown, BufferingFormatter, stack_info and other module-level behaviour (CPython's `ModuleLevelMiscTest`, `MiscTestCase`). */
export const moduleLevelMiscTest: ConformanceClass = {
  name: 'ModuleLevelMiscTest',
  cases: [
    {
      name: 'shutdown_flushes_and_closes',
      python: py`
        h = logging.FileHandler('shut.log'); lg = logging.getLogger('s'); lg.addHandler(h)
        lg.warning('written before shutdown')
        logging.shutdown()
        with open('shut.log') as f:
            print(f.read(), end='')
      `,
      async run() {
        const { readFileSync } = await import('node:fs');
        const h = new FileHandler('shut.log');
        const lg = getLogger('s');
        lg.addHandler(h);
        lg.warning('written before shutdown');
        shutdown();
        process.stdout.write(readFileSync('shut.log', 'utf8'));
      },
    },
    {
      name: 'buffering_formatter',
      python: py`
        class Framed(logging.BufferingFormatter):
            def formatHeader(self, records):
                return '%d records:\n' % len(records)
            def formatFooter(self, records):
                return '(end)'
        recs = [logging.makeLogRecord({'msg': m}) for m in ['a', 'b']]
        print(repr(logging.BufferingFormatter().format(recs)), repr(logging.BufferingFormatter().format([])))
        print(Framed(logging.Formatter('- %(message)s\n')).format(recs))
      `,
      run() {
        class Framed extends BufferingFormatter {
          override formatHeader(records: readonly unknown[]): string {
            return `${records.length} records:\n`;
          }
          override formatFooter(): string {
            return '(end)';
          }
        }
        const recs = ['a', 'b'].map((m) => makeLogRecord({ msg: m }));
        print(`'${new BufferingFormatter().format(recs)}'`, `'${new BufferingFormatter().format([])}'`);
        print(new Framed(new Formatter('- %(message)s\n')).format(recs));
      },
    },
    {
      name: 'stack_info_header',
      python: py`
        lg = logging.getLogger('st'); lg.addHandler(logging.StreamHandler(sys.stdout))
        lg.warning('where am I', stack_info=True)
      `,
      run() {
        const lg = getLogger('st');
        lg.addHandler(new StreamHandler(process.stdout));
        lg.warning('where am I', kw({ stack_info: true }));
      },
      normalize: stackHeaderOnly,
    },
    {
      name: 'null_handler_handle_returns',
      python: py`
        h = logging.NullHandler()
        r = logging.makeLogRecord({'msg': 'x'})
        h.handle(r); h.emit(r); h.createLock(); h.acquire(); h.release()
        print('ok', h.lock is None)
      `,
      run() {
        const h = new NullHandler();
        const r = makeLogRecord({ msg: 'x' });
        h.handle(r);
        h.emit(r);
        h.createLock();
        h.acquire();
        h.release();
        print('ok', true);
      },
    },
    {
      name: 'record_passes_through_logger_and_handler_filters_once',
      python: py`
        calls = []
        def count(where):
            def f(record):
                calls.append(where)
                return True
            return f
        lg = logging.getLogger('cnt'); h = logging.StreamHandler(sys.stdout)
        lg.addFilter(count('logger')); h.addFilter(count('handler')); lg.addHandler(h)
        logging.getLogger().addHandler(h)
        lg.warning('seen twice by the handler')
        print(calls)
      `,
      run() {
        const calls: string[] = [];
        const count = (where: string) => () => {
          calls.push(where);
          return true;
        };
        const lg = getLogger('cnt');
        const h = new StreamHandler(process.stdout);
        lg.addFilter(count('logger'));
        h.addFilter(count('handler'));
        lg.addHandler(h);
        getLogger().addHandler(h);
        lg.warning('seen twice by the handler');
        print(calls);
      },
    },
  ],
};

/** WatchedFileHandler (CPython's `HandlerTest.test_race` and friends, without threads). */
export const watchedFileHandlerTest: ConformanceClass = {
  name: 'WatchedFileHandlerTest',
  cases: [
    {
      name: 'reopens_after_move',
      python: py`
        h = logging.handlers.WatchedFileHandler('app.log'); lg = logging.getLogger('w'); lg.addHandler(h)
        lg.warning('before move')
        os.rename('app.log', 'app.log.1')
        lg.warning('after move')
      `,
      run() {
        const h = new WatchedFileHandler('app.log');
        const lg = getLogger('w');
        lg.addHandler(h);
        lg.warning('before move');
        h.flush();
        renameSync('app.log', 'app.log.1');
        lg.warning('after move');
      },
    },
    {
      name: 'reopens_after_delete',
      python: py`
        h = logging.handlers.WatchedFileHandler('app.log'); lg = logging.getLogger('w'); lg.addHandler(h)
        lg.warning('lost with the file')
        os.remove('app.log')
        lg.warning('in a new file')
      `,
      run() {
        const h = new WatchedFileHandler('app.log');
        const lg = getLogger('w');
        lg.addHandler(h);
        lg.warning('lost with the file');
        h.flush();
        unlinkSync('app.log');
        lg.warning('in a new file');
      },
    },
    {
      name: 'delay',
      python: py`
        h = logging.handlers.WatchedFileHandler('late.log', delay=True)
        print(os.path.exists('late.log'), h.stream)
        lg = logging.getLogger('w'); lg.addHandler(h); lg.warning('opened')
      `,
      async run() {
        const { existsSync } = await import('node:fs');
        const h = new WatchedFileHandler('late.log', 'a', null, true);
        print(existsSync('late.log'), h.stream);
        const lg = getLogger('w');
        lg.addHandler(h);
        lg.warning('opened');
      },
    },
  ],
};
