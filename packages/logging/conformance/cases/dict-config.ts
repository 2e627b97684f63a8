import type { DictConfig } from '../../src/config.js';
import { dictConfig } from '../../src/config.js';
import type { LoggingError, LogRecord } from '../../src/index.js';
import { Formatter, getLogger } from '../../src/index.js';
import type { ConformanceCase, ConformanceClass, HandSetExpectation } from '../case.js';
import { print, py } from '../case.js';

/**
 * The same dictionary in both languages: written once as JSON, which is also a Python
 * literal once `true`/`false`/`null` are spelled `True`/`False`/`None`.
 */
function pyDict(config: object): string {
  return JSON.stringify(config)
    .replace(/\btrue\b/g, 'True')
    .replace(/\bfalse\b/g, 'False')
    .replace(/\bnull\b/g, 'None');
}

/** CPython's wording: `Unable to configure handler 'h'`; the port adds `: <cause>` after it. */
function cpythonPart(message: string): string {
  const m = /^(Unable to configure root logger|Unable to (?:configure|add|set) [^']*'[^']*')/.exec(message);
  return m === null ? message : m[1];
}

/** dictConfig(config), then `after` in both languages; a failure prints `ValueError <CPython's message>`. */
function configCase(
  name: string,
  config: object,
  pyAfter: string,
  tsAfter: () => void,
  extra: { cpython313?: HandSetExpectation; deviation?: ConformanceCase['deviation'] } = {},
): ConformanceCase {
  return {
    name,
    python: `config = ${pyDict(config)}
try:
    logging.config.dictConfig(config)
except Exception as e:
    print(type(e).__name__, e)
${pyAfter}`,
    run() {
      try {
        dictConfig(structuredClone(config) as DictConfig);
      } catch (e) {
        const err = e as LoggingError;
        print(err.pythonType, cpythonPart(err.message));
      }
      tsAfter();
    },
    ...extra,
  };
}

const STDOUT = { class: 'logging.StreamHandler', stream: 'ext://sys.stdout' };

/** dictConfig (CPython's `ConfigDictTest`). */
export const configDictTest: ConformanceClass = {
  name: 'ConfigDictTest',
  cases: [
    configCase(
      'formatter_and_handler',
      {
        version: 1,
        formatters: { plain: { format: '%(levelname)s %(name)s: %(message)s' } },
        handlers: { out: { ...STDOUT, formatter: 'plain', level: 'INFO' } },
        root: { level: 'DEBUG', handlers: ['out'] },
      },
      "logging.getLogger('app').info('configured'); logging.getLogger('app').debug('below handler level')",
      () => {
        getLogger('app').info('configured');
        getLogger('app').debug('below handler level');
      },
    ),
    configCase(
      'loggers_section',
      {
        version: 1,
        handlers: { out: STDOUT },
        loggers: { 'api.db': { level: 'ERROR', handlers: ['out'], propagate: false } },
        root: { level: 'DEBUG', handlers: ['out'] },
      },
      "logging.getLogger('api.db').warning('dropped'); logging.getLogger('api.db').error('once'); logging.getLogger('api').warning('root only')",
      () => {
        getLogger('api.db').warning('dropped');
        getLogger('api.db').error('once');
        getLogger('api').warning('root only');
      },
    ),
    {
      name: 'disable_existing_loggers',
      python: py`
        old = logging.getLogger('old'); kept = logging.getLogger('named.child')
        logging.config.dictConfig({'version': 1, 'handlers': {'out': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout'}},
            'loggers': {'named': {'handlers': ['out']}}, 'root': {'handlers': ['out']}})
        print(old.disabled, kept.disabled, kept.propagate)
        old.warning('disabled'); kept.warning('child of a named logger')
      `,
      run() {
        const old = getLogger('old');
        const kept = getLogger('named.child');
        dictConfig({
          version: 1,
          handlers: { out: { ...STDOUT } },
          loggers: { named: { handlers: ['out'] } },
          root: { handlers: ['out'] },
        });
        print(old.disabled, kept.disabled, kept.propagate);
        old.warning('disabled');
        kept.warning('child of a named logger');
      },
    },
    {
      name: 'keep_existing_loggers',
      python: py`
        old = logging.getLogger('old')
        logging.config.dictConfig({'version': 1, 'disable_existing_loggers': False,
            'handlers': {'out': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout'}}, 'root': {'handlers': ['out']}})
        print(old.disabled); old.warning('still enabled')
      `,
      run() {
        const old = getLogger('old');
        dictConfig({
          version: 1,
          disable_existing_loggers: false,
          handlers: { out: { ...STDOUT } },
          root: { handlers: ['out'] },
        });
        print(old.disabled);
        old.warning('still enabled');
      },
    },
    {
      name: 'incremental',
      python: py`
        logging.config.dictConfig({'version': 1, 'handlers': {'out': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout', 'level': 'ERROR'}},
            'loggers': {'inc': {'handlers': ['out'], 'level': 'ERROR'}}})
        lg = logging.getLogger('inc'); lg.warning('hidden')
        logging.config.dictConfig({'version': 1, 'incremental': True, 'handlers': {'out': {'level': 'INFO'}}, 'loggers': {'inc': {'level': 'INFO'}}})
        lg.info('shown after incremental'); print(len(lg.handlers))
      `,
      run() {
        dictConfig({
          version: 1,
          handlers: { out: { ...STDOUT, level: 'ERROR' } },
          loggers: { inc: { handlers: ['out'], level: 'ERROR' } },
        });
        const lg = getLogger('inc');
        lg.warning('hidden');
        dictConfig({
          version: 1,
          incremental: true,
          handlers: { out: { level: 'INFO' } },
          loggers: { inc: { level: 'INFO' } },
        });
        lg.info('shown after incremental');
        print(lg.handlers.length);
      },
    },
    configCase(
      'cfg_reference_in_formatter',
      {
        version: 1,
        settings: { fmt: '%(levelname)s cfg: %(message)s', datefmt: '%H' },
        formatters: { f: { format: 'cfg://settings.fmt', datefmt: 'cfg://settings.datefmt' } },
        handlers: { out: { ...STDOUT, formatter: 'f' } },
        root: { handlers: ['out'] },
      },
      "logging.warning('resolved'); print(logging.root.handlers[0].formatter.datefmt)",
      () => {
        getLogger().warning('resolved');
        print(getLogger().handlers[0].formatter!.datefmt);
      },
    ),
    configCase(
      'cfg_reference_in_handler_and_logger',
      {
        version: 1,
        levels: ['DEBUG', 'WARNING'],
        handlers: { out: { ...STDOUT, level: 'cfg://levels[1]' } },
        loggers: { x: { level: 'cfg://levels[0]', handlers: ['out'] } },
      },
      "logging.getLogger('x').info('below the handler'); logging.getLogger('x').warning('at the handler'); print(logging.getLogger('x').level)",
      () => {
        getLogger('x').info('below the handler');
        getLogger('x').warning('at the handler');
        print(getLogger('x').level);
      },
    ),
    configCase(
      'memory_handler_target',
      {
        version: 1,
        formatters: { f: { format: 'target: %(message)s' } },
        handlers: {
          buffer: {
            class: 'logging.handlers.MemoryHandler',
            capacity: 2,
            target: 'console',
            flushLevel: 'ERROR',
          },
          console: { ...STDOUT, formatter: 'f' },
        },
        root: { handlers: ['buffer'] },
      },
      "logging.warning('a'); print('buffered'); logging.warning('b'); print('after capacity')",
      () => {
        getLogger().warning('a');
        print('buffered');
        getLogger().warning('b');
        print('after capacity');
      },
      {
        cpython313: {
          cite: 'CPython 3.13 Lib/logging/config.py:793 (a MemoryHandler flushLevel name is converted with _checkLevel)',
          expected: { stdout: 'buffered\ntarget: a\ntarget: b\nafter capacity\n', stderr: '' },
        },
      },
    ),
    configCase(
      'memory_handler_target_missing',
      {
        version: 1,
        handlers: { buffer: { class: 'logging.handlers.MemoryHandler', capacity: 2, target: 'nowhere' } },
      },
      "print('after')",
      () => print('after'),
    ),
    configCase(
      'memory_handler_chain',
      {
        version: 1,
        handlers: {
          a: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'b' },
          b: { class: 'logging.handlers.MemoryHandler', capacity: 1, target: 'c' },
          c: { ...STDOUT },
        },
        root: { handlers: ['a'] },
      },
      "logging.warning('through two buffers')",
      () => getLogger().warning('through two buffers'),
      {
        deviation: {
          reason:
            "handlers that refer to handlers are configured in dependency order, so a chain `a → b → c` works; CPython retries deferred handlers once and fails with `Unable to configure handler 'a'`",
          ours: { stdout: 'through two buffers\n', stderr: '' },
        },
      },
    ),
    configCase('no_version', { handlers: {} }, '', () => {}),
    configCase('unsupported_version', { version: 2 }, '', () => {}),
    configCase(
      'bad_handler_class',
      { version: 1, handlers: { h: { class: 'logging.NoSuchHandler' } } },
      '',
      () => {},
    ),
    configCase(
      'unknown_formatter',
      { version: 1, handlers: { h: { ...STDOUT, formatter: 'missing' } } },
      '',
      () => {},
    ),
    configCase(
      'unknown_handler_in_logger',
      { version: 1, loggers: { x: { handlers: ['missing'] } } },
      '',
      () => {},
    ),
    configCase('bad_root_level', { version: 1, root: { level: 'LOUD' } }, '', () => {}),
    {
      name: 'error_message_detail',
      python: py`
        try:
            logging.config.dictConfig({'version': 1, 'handlers': {'h': {'class': 'logging.StreamHandler', 'formatter': 'missing'}}})
        except ValueError as e:
            print(e)
      `,
      run() {
        try {
          dictConfig({
            version: 1,
            handlers: { h: { class: 'logging.StreamHandler', formatter: 'missing' } },
          });
        } catch (e) {
          print((e as Error).message);
        }
      },
      deviation: {
        reason:
          "a configuration error keeps CPython's message and adds its cause after it (`Unable to configure handler 'h': Unable to set formatter 'missing'`); CPython keeps the cause in `__cause__`",
        ours: { stdout: "Unable to configure handler 'h': Unable to set formatter 'missing'\n" },
      },
    },
    {
      name: 'factory_and_properties',
      python: py`
        class OnlyWarnings:
            def __init__(self, level):
                self.level = level
            def filter(self, record):
                return record.levelno == self.level
        def make_formatter(prefix):
            return logging.Formatter(prefix + '%(message)s')
        logging.config.dictConfig({'version': 1,
            'formatters': {'f': {'()': make_formatter, 'prefix': '>> '}},
            'filters': {'w': {'()': OnlyWarnings, 'level': 30}},
            'handlers': {'out': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout', 'formatter': 'f', 'filters': ['w'], '.': {'terminator': ' <<\n'}}},
            'root': {'handlers': ['out'], 'level': 'DEBUG'}})
        logging.info('no'); logging.warning('yes'); logging.error('no')
      `,
      run() {
        class OnlyWarnings {
          level: number;
          constructor({ level }: { level: number }) {
            this.level = level;
          }
          filter(record: LogRecord): boolean {
            return record.levelno === this.level;
          }
        }
        dictConfig({
          version: 1,
          formatters: {
            f: {
              '()': ({ prefix }: { prefix: string }) => new Formatter(`${prefix}%(message)s`),
              prefix: '>> ',
            },
          },
          filters: { w: { '()': OnlyWarnings, level: 30 } },
          handlers: { out: { ...STDOUT, formatter: 'f', filters: ['w'], '.': { terminator: ' <<\n' } } },
          root: { handlers: ['out'], level: 'DEBUG' },
        });
        getLogger().info('no');
        getLogger().warning('yes');
        getLogger().error('no');
      },
    },
    configCase(
      'formatter_style_and_defaults',
      {
        version: 1,
        formatters: { b: { format: '{levelname}|{ip}|{message}', style: '{', defaults: { ip: '-' } } },
        handlers: { out: { ...STDOUT, formatter: 'b' } },
        root: { handlers: ['out'] },
      },
      "logging.warning('styled')",
      () => getLogger().warning('styled'),
      {
        cpython313: {
          cite: 'CPython 3.13 Lib/logging/config.py:708 (formatter `defaults`, new in 3.12)',
          expected: { stdout: 'WARNING|-|styled\n', stderr: '' },
        },
      },
    ),
    configCase(
      'queue_handler_handlers',
      {
        version: 1,
        handlers: {
          out: { ...STDOUT },
          q: { class: 'logging.handlers.QueueHandler', handlers: ['out'] },
        },
        root: { handlers: ['q'] },
      },
      "h = logging.getHandlerByName('q') if hasattr(logging, 'getHandlerByName') else None\nif h is not None:\n    h.listener.start(); logging.warning('through the queue'); h.listener.stop()",
      () => {
        const h = getLogger().handlers[0] as unknown as { listener: { start(): void; stop(): void } };
        h.listener.start();
        getLogger().warning('through the queue');
        h.listener.stop();
      },
      {
        cpython313: {
          cite: 'CPython 3.13 Lib/logging/config.py:844 (QueueHandler `handlers` and `listener`, new in 3.12)',
          expected: { stdout: 'through the queue\n' },
        },
      },
    ),
    configCase(
      'second_config_closes_old_handlers',
      {
        version: 1,
        handlers: { out: { ...STDOUT, formatter: 'f' } },
        formatters: { f: { format: 'first: %(message)s' } },
        root: { handlers: ['out'] },
      },
      "logging.warning('one')\nlogging.config.dictConfig({'version': 1, 'handlers': {'o2': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout'}}, 'root': {'handlers': ['o2']}})\nlogging.warning('two'); print(len(logging.root.handlers))",
      () => {
        getLogger().warning('one');
        dictConfig({ version: 1, handlers: { o2: { ...STDOUT } }, root: { handlers: ['o2'] } });
        getLogger().warning('two');
        print(getLogger().handlers.length);
      },
    ),
  ],
};
