import { getLogger, StreamHandler } from '../../src/index.js';
import type { ConformanceCase, ConformanceClass } from '../case.js';
import { py } from '../case.js';
import { pyStr } from './fixed-record.js';

/** `log.warning(msg, *args)` on a logger writing `%(message)s` to stdout, in both languages. */
function messageCase(name: string, msg: string, pyArgs: string, tsArgs: unknown[]): ConformanceCase {
  return {
    name,
    python: py`
      lg = logging.getLogger('m'); lg.addHandler(logging.StreamHandler(sys.stdout))
      lg.warning(${pyStr(msg)}${pyArgs === '' ? '' : `, ${pyArgs}`})
    `,
    run() {
      const lg = getLogger('m');
      lg.addHandler(new StreamHandler(process.stdout));
      lg.warning(msg, ...tsArgs);
    },
  };
}

/** `msg % args` as `LogRecord.getMessage()` applies it (CPython's printf-style formatting). */
export const messageFormattingTest: ConformanceClass = {
  name: 'MessageFormattingTest',
  cases: [
    messageCase('no_args_leaves_percent', '100% done %s %d', '', []),
    messageCase('string', 'hello %s', "'world'", ['world']),
    messageCase('two_args', 'user %s did %d things', "'ada', 3", ['ada', 3]),
    messageCase('int_truncates_float', '%d %i', '3.7, -2.5', [3.7, -2.5]),
    messageCase(
      'float_precision',
      '%5.2f|%-8.3f|%+.1f|% .0f',
      '3.14258, 2.5, 1.25, 7.0',
      [3.14258, 2.5, 1.25, 7],
    ),
    messageCase('float_half_even', '%.0f %.0f %.0f %.1f', '0.5, 1.5, 2.5, 0.25', [0.5, 1.5, 2.5, 0.25]),
    messageCase('exponent', '%e %.2E %e', '12345.678, 0.000123, 0', [12345.678, 0.000123, 0]),
    messageCase(
      'general',
      '%g %g %g %G %.3g',
      '0.00001234, 123456789, 100000, 1e-10, 3.14258',
      [0.00001234, 123456789, 100000, 1e-10, 3.14258],
    ),
    messageCase('hex_octal', '%x %X %o %#x %#o %#X', '255, 255, 8, 255, 8, 255', [255, 255, 8, 255, 8, 255]),
    messageCase('negative_hex', '%x %o', '-255, -8', [-255, -8]),
    messageCase('char', '%c%c', "65, 'z'", [65, 'z']),
    messageCase('repr_and_ascii', '%r %a', "'it', 'café'", ['it', 'café']),
    messageCase('width_and_flags', '[%5d][%-5d][%05d][%+d][% d]', '42, 42, 42, 42, 42', [42, 42, 42, 42, 42]),
    messageCase('string_width_precision', '[%10s][%-10s][%.2s][%8.3s]', "'right', 'left', 'cut', 'abcdef'", [
      'right',
      'left',
      'cut',
      'abcdef',
    ]),
    messageCase('star_width', '[%*d][%-*s][%.*f]', "5, 42, 4, 'ab', 2, 3.14258", [
      5,
      42,
      4,
      'ab',
      2,
      3.14258,
    ]),
    messageCase('mapping', '%(user)s has %(n)03d', "{'user': 'ada', 'n': 7}", [{ user: 'ada', n: 7 }]),
    messageCase('mapping_reused_key', '%(a)s-%(a)s-%(b)r', "{'a': 'x', 'b': 'y'}", [{ a: 'x', b: 'y' }]),
    messageCase('percent_literal', '%d%% of %s', "50, 'all'", [50, 'all']),
    messageCase('big_int', '%d %x', '2**70, 2**70', [2n ** 70n, 2n ** 70n]),
    messageCase('float_from_int', '%f %.3e', '3, 3', [3, 3]),
    messageCase('large_float', '%f %.2f', '1e20, 1e16', [1e20, 1e16]),
    messageCase('nan_inf', '%f %F %e %g', "float('nan'), float('inf'), float('-inf'), float('inf')", [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]),
    messageCase('empty_mapping_is_not_a_mapping', 'value %s', '{}', [{}]),
  ],
};
