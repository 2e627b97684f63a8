import { writeFileSync } from 'node:fs';
import { LogQueue, MemoryHandler, QueueHandler, QueueListener } from '../../src/handlers.js';
import type { LogRecord } from '../../src/index.js';
import {
  ERROR,
  FileHandler,
  Formatter,
  getHandlerByName,
  getHandlerNames,
  getLogger,
  Handler,
  lastResort,
  NullHandler,
  StreamHandler,
  setLastResort,
  setRaiseExceptions,
  WARNING,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py, pyRepr } from '../case.js';

function stdoutHandler(fmt = '%(levelname)s:%(message)s'): StreamHandler {
  const h = new StreamHandler(process.stdout);
  h.setFormatter(new Formatter(fmt));
  return h;
}

/** Handler basics, StreamHandler and FileHandler (CPython's `HandlerTest`, `StreamHandlerTest`). */
export const handlerTest: ConformanceClass = {
  name: 'HandlerTest',
  cases: [
    {
      name: 'name_and_lookup',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        print(h.get_name())
        h.set_name('console')
        print(h.name, logging.getHandlerByName('console') is h, sorted(logging.getHandlerNames()))
        h.close()
        print(logging.getHandlerByName('console'))
      `,
      run() {
        const h = new StreamHandler(process.stdout);
        print(h.get_name());
        h.set_name('console');
        print(h.name, getHandlerByName('console') === h, [...getHandlerNames()].sort());
        h.close();
        print(getHandlerByName('console') ?? null);
      },
      cpython313: {
        cite: 'CPython 3.13 Lib/logging/__init__.py:906 (getHandlerByName, getHandlerNames, new in 3.12)',
        expected: { stdout: "None\nconsole True ['console']\nNone\n", stderr: '' },
      },
    },
    {
      name: 'repr',
      python: py`
        print(repr(logging.StreamHandler(sys.stderr)), repr(logging.StreamHandler(sys.stdout)))
        h = logging.NullHandler(); h.setLevel(logging.ERROR)
        print(repr(h))
        f = logging.FileHandler('app.log', delay=True); f.setLevel(25)
        print(repr(f).replace(os.getcwd(), '.'))
      `,
      run() {
        print(String(new StreamHandler(process.stderr)), String(new StreamHandler(process.stdout)));
        const h = new NullHandler();
        h.setLevel(ERROR);
        print(String(h));
        const f = new FileHandler('app.log', 'a', null, true);
        f.setLevel(25);
        print(String(f).replace(process.cwd(), '.'));
      },
    },
    {
      name: 'stream_handler_terminator',
      python: py`
        h = logging.StreamHandler(sys.stdout); h.terminator = ' | '
        lg = logging.getLogger('t'); lg.addHandler(h)
        lg.warning('one'); lg.warning('two')
        print()
      `,
      run() {
        const h = new StreamHandler(process.stdout);
        h.terminator = ' | ';
        const lg = getLogger('t');
        lg.addHandler(h);
        lg.warning('one');
        lg.warning('two');
        print();
      },
    },
    {
      name: 'set_stream',
      python: py`
        h = logging.StreamHandler(sys.stdout)
        lg = logging.getLogger('s'); lg.addHandler(h)
        lg.warning('to stdout')
        old = h.setStream(sys.stderr)
        print(old is sys.stdout, h.setStream(sys.stderr))
        lg.warning('to stderr')
      `,
      run() {
        const h = new StreamHandler(process.stdout);
        const lg = getLogger('s');
        lg.addHandler(h);
        lg.warning('to stdout');
        const old = h.setStream(process.stderr);
        print(old === process.stdout, h.setStream(process.stderr));
        lg.warning('to stderr');
      },
    },
    {
      name: 'file_handler_writes',
      python: py`
        h = logging.FileHandler('app.log')
        h.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
        lg = logging.getLogger('f'); lg.addHandler(h)
        lg.warning('first %d', 1); lg.error('second')
      `,
      run() {
        const h = new FileHandler('app.log');
        h.setFormatter(new Formatter('%(levelname)s %(message)s'));
        const lg = getLogger('f');
        lg.addHandler(h);
        lg.warning('first %d', 1);
        lg.error('second');
      },
    },
    {
      name: 'file_handler_delay_has_no_stream',
      python: py`
        h = logging.FileHandler('late.log', delay=True)
        print(h.stream, os.path.exists('late.log'))
        lg = logging.getLogger('d'); lg.addHandler(h)
        lg.warning('now it opens')
        print(h.stream is None, os.path.exists('late.log'))
        h.close()
        print(h.stream)
      `,
      async run() {
        const { existsSync } = await import('node:fs');
        const h = new FileHandler('late.log', 'a', null, true);
        print(h.stream, existsSync('late.log'));
        const lg = getLogger('d');
        lg.addHandler(h);
        lg.warning('now it opens');
        print(h.stream === null, existsSync('late.log'));
        h.close();
        print(h.stream);
      },
    },
    {
      name: 'file_handler_modes',
      python: py`
        with open('w.log', 'w') as f:
            f.write('old line\n')
        with open('a.log', 'w') as f:
            f.write('old line\n')
        for name, mode in [('w.log', 'w'), ('a.log', 'a')]:
            h = logging.FileHandler(name, mode)
            lg = logging.getLogger(name); lg.addHandler(h)
            lg.warning('new line')
            h.close()
      `,
      async run() {
        const { writeFileSync } = await import('node:fs');
        writeFileSync('w.log', 'old line\n');
        writeFileSync('a.log', 'old line\n');
        for (const [name, mode] of [
          ['w.log', 'w'],
          ['a.log', 'a'],
        ]) {
          const h = new FileHandler(name, mode);
          const lg = getLogger(name);
          lg.addHandler(h);
          lg.warning('new line');
          h.close();
        }
      },
    },
    {
      name: 'file_handler_mode_x',
      python: py`
        with open('x.log', 'w') as f:
            f.write('keep\n')
        try:
            logging.FileHandler('x.log', 'x')
        except FileExistsError as e:
            print('FileExistsError')
      `,
      run() {
        writeFileSync('x.log', 'keep\n');
        try {
          new FileHandler('x.log', 'x');
        } catch (e) {
          print((e as NodeJS.ErrnoException).code === 'EEXIST' ? 'FileExistsError' : String(e));
        }
      },
    },
    {
      name: 'file_handler_reopens_after_close',
      python: py`
        h = logging.FileHandler('re.log')
        lg = logging.getLogger('re'); lg.addHandler(h)
        lg.warning('before close'); h.close()
        lg.warning('after close')
      `,
      run() {
        const h = new FileHandler('re.log');
        const lg = getLogger('re');
        lg.addHandler(h);
        lg.warning('before close');
        h.close();
        lg.warning('after close');
      },
    },
    {
      name: 'custom_handler_emit',
      python: py`
        class Collect(logging.Handler):
            def __init__(self):
                super().__init__()
                self.seen = []
            def emit(self, record):
                self.seen.append(self.format(record))
        h = Collect(); h.setFormatter(logging.Formatter('<%(message)s>'))
        lg = logging.getLogger('c'); lg.addHandler(h)
        lg.warning('a'); lg.error('b %s', 'c')
        print(h.seen)
      `,
      run() {
        class Collect extends Handler {
          seen: string[] = [];
          override emit(record: LogRecord): void {
            this.seen.push(this.format(record));
          }
        }
        const h = new Collect();
        h.setFormatter(new Formatter('<%(message)s>'));
        const lg = getLogger('c');
        lg.addHandler(h);
        lg.warning('a');
        lg.error('b %s', 'c');
        print(h.seen);
      },
    },
    {
      name: 'null_handler_silences_last_resort',
      python: py`
        lg = logging.getLogger('lib'); lg.addHandler(logging.NullHandler())
        lg.error('nobody sees this')
        print('done')
      `,
      run() {
        const lg = getLogger('lib');
        lg.addHandler(new NullHandler());
        lg.error('nobody sees this');
        print('done');
      },
    },
    {
      name: 'add_handler_twice',
      python: py`
        lg = logging.getLogger('twice'); h = logging.StreamHandler(sys.stdout)
        lg.addHandler(h); lg.addHandler(h)
        lg.warning('once')
        lg.removeHandler(h); lg.removeHandler(h)
        print(len(lg.handlers))
      `,
      run() {
        const lg = getLogger('twice');
        const h = new StreamHandler(process.stdout);
        lg.addHandler(h);
        lg.addHandler(h);
        lg.warning('once');
        lg.removeHandler(h);
        lg.removeHandler(h);
        print(lg.handlers.length);
      },
    },
  ],
};

/** MemoryHandler (CPython's `MemoryHandlerTest`). */
export const memoryHandlerTest: ConformanceClass = {
  name: 'MemoryHandlerTest',
  cases: [
    {
      name: 'flush_when_full',
      python: py`
        target = logging.StreamHandler(sys.stdout)
        mh = logging.handlers.MemoryHandler(3, logging.ERROR, target)
        lg = logging.getLogger('mem'); lg.addHandler(mh)
        for i in range(7):
            lg.warning('n%d', i)
            print('buffered', len(mh.buffer))
      `,
      run() {
        const target = new StreamHandler(process.stdout);
        const mh = new MemoryHandler(3, ERROR, target);
        const lg = getLogger('mem');
        lg.addHandler(mh);
        for (let i = 0; i < 7; i++) {
          lg.warning('n%d', i);
          print('buffered', mh.buffer.length);
        }
      },
    },
    {
      name: 'flush_at_level',
      python: py`
        mh = logging.handlers.MemoryHandler(100, logging.ERROR, logging.StreamHandler(sys.stdout))
        lg = logging.getLogger('mem'); lg.addHandler(mh)
        lg.warning('a'); lg.warning('b'); print('nothing yet')
        lg.error('c'); print('flushed')
      `,
      run() {
        const mh = new MemoryHandler(100, ERROR, new StreamHandler(process.stdout));
        const lg = getLogger('mem');
        lg.addHandler(mh);
        lg.warning('a');
        lg.warning('b');
        print('nothing yet');
        lg.error('c');
        print('flushed');
      },
    },
    {
      name: 'flush_on_close',
      python: py`
        for flag in (True, False):
            mh = logging.handlers.MemoryHandler(10, logging.ERROR, logging.StreamHandler(sys.stdout), flushOnClose=flag)
            lg = logging.getLogger('m%s' % flag); lg.addHandler(mh)
            lg.warning('flushOnClose=%s', flag)
            mh.close()
      `,
      run() {
        for (const flag of [true, false]) {
          const mh = new MemoryHandler(10, ERROR, new StreamHandler(process.stdout), flag);
          const lg = getLogger(`m${flag ? 'True' : 'False'}`);
          lg.addHandler(mh);
          lg.warning('flushOnClose=%s', flag ? 'True' : 'False');
          mh.close();
        }
      },
    },
    {
      name: 'no_target_keeps_buffer',
      python: py`
        mh = logging.handlers.MemoryHandler(2)
        lg = logging.getLogger('nt'); lg.addHandler(mh)
        lg.error('e1'); lg.error('e2'); lg.error('e3')
        print(len(mh.buffer))
        mh.setTarget(logging.StreamHandler(sys.stdout))
        mh.flush()
        print(len(mh.buffer))
      `,
      run() {
        const mh = new MemoryHandler(2);
        const lg = getLogger('nt');
        lg.addHandler(mh);
        lg.error('e1');
        lg.error('e2');
        lg.error('e3');
        print(mh.buffer.length);
        mh.setTarget(new StreamHandler(process.stdout));
        mh.flush();
        print(mh.buffer.length);
      },
    },
    {
      name: 'target_level_applies',
      python: py`
        target = logging.StreamHandler(sys.stdout); target.setLevel(logging.ERROR)
        mh = logging.handlers.MemoryHandler(2, logging.CRITICAL, target)
        lg = logging.getLogger('tl'); lg.addHandler(mh)
        lg.warning('below target level'); lg.error('at target level')
      `,
      run() {
        const target = new StreamHandler(process.stdout);
        target.setLevel(ERROR);
        const mh = new MemoryHandler(2, 50, target);
        const lg = getLogger('tl');
        lg.addHandler(mh);
        lg.warning('below target level');
        lg.error('at target level');
      },
    },
  ],
};

/** QueueHandler and QueueListener (CPython's `QueueHandlerTest`). */
export const queueHandlerTest: ConformanceClass = {
  name: 'QueueHandlerTest',
  cases: [
    {
      name: 'prepare_clears_fields',
      python: py`
        q = queue.Queue(); h = logging.handlers.QueueHandler(q)
        h.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
        lg = logging.getLogger('q'); lg.addHandler(h)
        lg.warning('user %s', 'ada', stack_info=False)
        r = q.get_nowait()
        print(repr(r.msg), repr(r.message), r.args, r.exc_info, r.exc_text, r.stack_info)
      `,
      run() {
        const q = new LogQueue();
        const h = new QueueHandler(q);
        h.setFormatter(new Formatter('%(levelname)s %(message)s'));
        const lg = getLogger('q');
        lg.addHandler(h);
        lg.warning('user %s', 'ada');
        const r = q.get_nowait()!;
        print(pyRepr(r.msg), pyRepr(r.message), r.args, r.exc_info, r.exc_text, r.stack_info);
      },
    },
    {
      name: 'original_record_untouched',
      python: py`
        q = queue.Queue(); h = logging.handlers.QueueHandler(q)
        seen = []
        class Keep(logging.Handler):
            def emit(self, record):
                seen.append((record.msg, record.args))
        lg = logging.getLogger('q'); lg.addHandler(h); lg.addHandler(Keep())
        lg.warning('n=%d', 5)
        print(seen, q.get_nowait().msg)
      `,
      run() {
        const q = new LogQueue();
        const h = new QueueHandler(q);
        const seen: string[] = [];
        class Keep extends Handler {
          override emit(record: LogRecord): void {
            seen.push(`('${String(record.msg)}', (${(record.args as number[]).join(', ')},))`);
          }
        }
        const lg = getLogger('q');
        lg.addHandler(h);
        lg.addHandler(new Keep());
        lg.warning('n=%d', 5);
        print(`[${seen.join(', ')}]`, q.get_nowait()!.msg);
      },
    },
    {
      name: 'listener_handles_and_stop_drains',
      python: py`
        q = queue.Queue(); h = logging.handlers.QueueHandler(q)
        lg = logging.getLogger('ql'); lg.addHandler(h)
        out = logging.StreamHandler(sys.stdout); out.setFormatter(logging.Formatter('listener: %(message)s'))
        listener = logging.handlers.QueueListener(q, out)
        listener.start()
        for i in range(3):
            lg.warning('item %d', i)
        listener.stop()
        print('stopped')
      `,
      run() {
        const q = new LogQueue();
        const h = new QueueHandler(q);
        const lg = getLogger('ql');
        lg.addHandler(h);
        const out = stdoutHandler('listener: %(message)s');
        const listener = new QueueListener(q, out);
        listener.start();
        for (let i = 0; i < 3; i++) lg.warning('item %d', i);
        listener.stop();
        print('stopped');
      },
    },
    {
      name: 'respect_handler_level',
      python: py`
        for respect in (False, True):
            q = queue.Queue(); lg = logging.getLogger('r%s' % respect); lg.addHandler(logging.handlers.QueueHandler(q))
            out = logging.StreamHandler(sys.stdout); out.setLevel(logging.ERROR)
            out.setFormatter(logging.Formatter('respect=%s %%(levelname)s %%(message)s' % respect))
            listener = logging.handlers.QueueListener(q, out, respect_handler_level=respect)
            listener.start(); lg.warning('warn'); lg.error('err'); listener.stop()
      `,
      run() {
        for (const respect of [false, true]) {
          const q = new LogQueue();
          const lg = getLogger(`r${respect}`);
          lg.addHandler(new QueueHandler(q));
          const out = stdoutHandler(`respect=${respect ? 'True' : 'False'} %(levelname)s %(message)s`);
          out.setLevel(ERROR);
          const listener = new QueueListener(q, out, { respect_handler_level: respect });
          listener.start();
          lg.warning('warn');
          lg.error('err');
          listener.stop();
        }
      },
    },
    {
      name: 'formats_in_caller',
      python: py`
        q = queue.Queue(); h = logging.handlers.QueueHandler(q)
        h.setFormatter(logging.Formatter('[%(name)s] %(message)s'))
        lg = logging.getLogger('caller'); lg.addHandler(h)
        lg.warning('hello %s', 'there')
        r = q.get_nowait()
        print(logging.Formatter('%(levelname)s %(message)s').format(r))
      `,
      run() {
        const q = new LogQueue();
        const h = new QueueHandler(q);
        h.setFormatter(new Formatter('[%(name)s] %(message)s'));
        const lg = getLogger('caller');
        lg.addHandler(h);
        lg.warning('hello %s', 'there');
        print(new Formatter('%(levelname)s %(message)s').format(q.get_nowait()!));
      },
    },
  ],
};

/** What happens with no handler at all (CPython's `LastResortTest`). */
export const lastResortTest: ConformanceClass = {
  name: 'LastResortTest',
  cases: [
    {
      name: 'warning_goes_to_stderr',
      python: py`
        lg = logging.getLogger('lr')
        lg.info('not shown'); lg.warning('shown %s', 'plainly'); lg.error('also')
        print(repr(logging.lastResort))
      `,
      run() {
        const lg = getLogger('lr');
        lg.info('not shown');
        lg.warning('shown %s', 'plainly');
        lg.error('also');
        print(String(lastResort));
      },
    },
    {
      name: 'last_resort_none',
      python: py`
        logging.lastResort = None
        lg = logging.getLogger('none')
        lg.warning('first'); lg.warning('second')
        logging.raiseExceptions = False
        logging.root.manager.emittedNoHandlerWarning = False
        lg.warning('third')
      `,
      async run() {
        const { manager } = await import('../../src/index.js');
        setLastResort(null);
        const lg = getLogger('none');
        lg.warning('first');
        lg.warning('second');
        setRaiseExceptions(false);
        manager.emittedNoHandlerWarning = false;
        lg.warning('third');
      },
    },
    {
      name: 'last_resort_level',
      python: py`
        logging.lastResort.setLevel(logging.ERROR)
        lg = logging.getLogger('lvl')
        lg.warning('hidden now'); lg.error('still shown')
        logging.lastResort.setLevel(logging.WARNING)
      `,
      run() {
        lastResort.setLevel(ERROR);
        const lg = getLogger('lvl');
        lg.warning('hidden now');
        lg.error('still shown');
        lastResort.setLevel(WARNING);
      },
    },
    {
      name: 'handler_below_level_is_not_last_resort',
      python: py`
        lg = logging.getLogger('h'); h = logging.StreamHandler(sys.stdout); h.setLevel(logging.CRITICAL)
        lg.addHandler(h)
        lg.warning('no handler took it, but one exists')
        print('end')
      `,
      run() {
        const lg = getLogger('h');
        const h = new StreamHandler(process.stdout);
        h.setLevel(50);
        lg.addHandler(h);
        lg.warning('no handler took it, but one exists');
        print('end');
      },
    },
  ],
};
