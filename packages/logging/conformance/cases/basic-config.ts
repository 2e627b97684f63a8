import type { LoggingError } from '../../src/index.js';
import {
  basicConfig,
  DEBUG,
  Formatter,
  getLogger,
  INFO,
  info,
  root,
  StreamHandler,
  warning,
} from '../../src/index.js';
import type { ConformanceClass } from '../case.js';
import { print, py } from '../case.js';

function printError(e: unknown): void {
  const err = e as LoggingError;
  print(err.pythonType, err.message);
}

/** basicConfig (CPython's `BasicConfigTest`). */
export const basicConfigTest: ConformanceClass = {
  name: 'BasicConfigTest',
  cases: [
    {
      name: 'defaults',
      python: py`
        logging.basicConfig()
        h = logging.root.handlers[0]
        print(type(h).__name__, h.stream is sys.stderr, h.formatter._fmt, logging.root.level)
        logging.warning('to %s', 'stderr')
      `,
      run() {
        basicConfig();
        const h = root.handlers[0] as StreamHandler;
        print(h.constructor.name, h.stream === process.stderr, h.formatter!._fmt, root.level);
        warning('to %s', 'stderr');
      },
    },
    {
      name: 'module_function_configures',
      python: py`
        logging.warning('implicit basicConfig')
        logging.info('below WARNING')
        print(len(logging.root.handlers))
      `,
      run() {
        warning('implicit basicConfig');
        info('below WARNING');
        print(root.handlers.length);
      },
    },
    {
      name: 'filename_and_mode',
      python: py`
        with open('basic.log', 'w') as f:
            f.write('previous\n')
        logging.basicConfig(filename='basic.log', filemode='w', level=logging.DEBUG, format='%(levelname)s|%(message)s')
        logging.debug('written to file')
      `,
      async run() {
        const { writeFileSync } = await import('node:fs');
        writeFileSync('basic.log', 'previous\n');
        basicConfig({
          filename: 'basic.log',
          filemode: 'w',
          level: DEBUG,
          format: '%(levelname)s|%(message)s',
        });
        getLogger().debug('written to file');
      },
    },
    {
      name: 'style_and_datefmt',
      python: py`
        logging.basicConfig(stream=sys.stdout, style='{', format='{levelname}:{name}:{message}', datefmt='%H')
        logging.getLogger('s').error('brace style')
        print(logging.root.handlers[0].formatter.datefmt)
      `,
      run() {
        basicConfig({
          stream: process.stdout,
          style: '{',
          format: '{levelname}:{name}:{message}',
          datefmt: '%H',
        });
        getLogger('s').error('brace style');
        print(root.handlers[0].formatter!.datefmt);
      },
    },
    {
      name: 'second_call_does_nothing',
      python: py`
        logging.basicConfig(stream=sys.stdout, format='first %(message)s')
        logging.basicConfig(stream=sys.stdout, format='second %(message)s', level=logging.DEBUG)
        logging.warning('which?'); logging.debug('hidden: level not changed')
      `,
      run() {
        basicConfig({ stream: process.stdout, format: 'first %(message)s' });
        basicConfig({ stream: process.stdout, format: 'second %(message)s', level: DEBUG });
        warning('which?');
        getLogger().debug('hidden: level not changed');
      },
    },
    {
      name: 'force_replaces',
      python: py`
        logging.basicConfig(stream=sys.stdout, format='first %(message)s')
        logging.basicConfig(stream=sys.stdout, format='forced %(message)s', level=logging.INFO, force=True)
        logging.info('after force'); print(len(logging.root.handlers))
      `,
      run() {
        basicConfig({ stream: process.stdout, format: 'first %(message)s' });
        basicConfig({ stream: process.stdout, format: 'forced %(message)s', level: INFO, force: true });
        info('after force');
        print(root.handlers.length);
      },
    },
    {
      name: 'handlers_keep_formatter',
      python: py`
        a = logging.StreamHandler(sys.stdout); a.setFormatter(logging.Formatter('own: %(message)s'))
        b = logging.StreamHandler(sys.stdout)
        logging.basicConfig(handlers=[a, b], format='basic: %(message)s')
        logging.warning('two handlers')
      `,
      run() {
        const a = new StreamHandler(process.stdout);
        a.setFormatter(new Formatter('own: %(message)s'));
        const b = new StreamHandler(process.stdout);
        basicConfig({ handlers: [a, b], format: 'basic: %(message)s' });
        warning('two handlers');
      },
    },
    {
      name: 'argument_errors',
      python: py`
        for kwargs in [dict(stream=sys.stdout, filename='x.log'), dict(stream=sys.stdout, handlers=[]), dict(bogus=1), dict(style='x')]:
            try:
                logging.basicConfig(**kwargs)
            except ValueError as e:
                print('ValueError', e)
        print(os.path.exists('x.log'))
      `,
      async run() {
        const { existsSync } = await import('node:fs');
        for (const kwargs of [
          { stream: process.stdout, filename: 'x.log' },
          { stream: process.stdout, handlers: [] },
          { bogus: 1 },
          { style: 'x' },
        ]) {
          try {
            basicConfig(kwargs as never);
          } catch (e) {
            printError(e);
          }
        }
        print(existsSync('x.log'));
      },
    },
    {
      name: 'level_by_name',
      python: py`
        logging.basicConfig(stream=sys.stdout, level='INFO', format='%(levelname)s %(message)s')
        logging.info('info shown'); logging.debug('debug hidden')
        print(logging.root.level)
      `,
      run() {
        basicConfig({ stream: process.stdout, level: 'INFO', format: '%(levelname)s %(message)s' });
        info('info shown');
        getLogger().debug('debug hidden');
        print(root.level);
      },
    },
    {
      name: 'default_format_fields',
      python: py`
        logging.basicConfig(stream=sys.stdout)
        logging.getLogger('app.part').error('default %s', 'format')
        print(logging.BASIC_FORMAT)
      `,
      async run() {
        const { BASIC_FORMAT } = await import('../../src/index.js');
        basicConfig({ stream: process.stdout });
        getLogger('app.part').error('default %s', 'format');
        print(BASIC_FORMAT);
      },
    },
  ],
};
