import type { FormatStyleName, LoggingError } from '../../src/index.js';
import { Formatter, gmtime } from '../../src/index.js';
import type { ConformanceCase, ConformanceClass } from '../case.js';
import { print, py } from '../case.js';
import { fixedRecord, PY_RECORD, pyStr } from './fixed-record.js';

interface FormatSpec {
  fmt: string | null;
  datefmt?: string | null;
  style?: FormatStyleName;
  validate?: boolean;
  defaults?: Record<string, string>;
}

function pyFormatter(s: FormatSpec): string {
  const defaults =
    s.defaults === undefined
      ? ''
      : `, defaults={${Object.entries(s.defaults)
          .map(([k, v]) => `${pyStr(k)}: ${pyStr(v)}`)
          .join(', ')}}`;
  return `logging.Formatter(${pyStr(s.fmt)}, ${pyStr(s.datefmt)}, ${pyStr(s.style ?? '%')}, ${s.validate === false ? 'False' : 'True'}${defaults})`;
}

function tsFormatter(s: FormatSpec): Formatter {
  return new Formatter(s.fmt, s.datefmt ?? null, s.style ?? '%', s.validate ?? true, {
    defaults: s.defaults ?? null,
  });
}

/** Format the fixed record with a formatter; print the text, or the error Python raises. */
function formatCase(name: string, spec: FormatSpec, extra: Partial<ConformanceCase> = {}): ConformanceCase {
  return {
    name,
    python: py`
      ${PY_RECORD}
      try:
          print(${pyFormatter(spec)}.format(r))
      except Exception as e:
          print(type(e).__name__, e)
    `,
    run() {
      try {
        print(tsFormatter(spec).format(fixedRecord()));
      } catch (e) {
        const err = e as LoggingError;
        print(err.pythonType, err.message);
      }
    },
    ...extra,
  };
}

const percentFormats: [string, string][] = [
  ['default_format', '%(message)s'],
  ['name_level_message', '%(name)s:%(levelname)s:%(message)s'],
  ['padded_levelname', '%(levelno)d %(levelname)-8s|%(levelname)8s|'],
  ['asctime_default', '%(asctime)s %(message)s'],
  ['location_fields', '%(pathname)s %(filename)s %(module)s %(lineno)d %(funcName)s'],
  ['created_msecs_relative', '%(created)f %(msecs)d %(relativeCreated)d %(msecs)03d'],
  ['numeric_conversions', '%(levelno)+5d|%(levelno)x|%(levelno)o|%(levelno)e|%(levelno).2f|%(levelno)05d'],
  ['repr_conversion', '%(message)r %(name)a'],
  ['literal_percent', '%%(literal)s %(message)s 100%%'],
  ['thread_and_process_names', '%(threadName)s %(processName)s'],
  ['string_precision', '%(name).3s|%(levelname)-10.4s|'],
  ['star_free_width', '[%(name)12s][%(name)-12s]'],
];

const braceFormats: [string, string][] = [
  ['brace_message', '{message}'],
  ['brace_name_level', '{name}:{levelname}:{message}'],
  ['brace_align_and_fill', '{levelname:<8}|{levelno:>5}|{levelno:05d}|{name:*^12}'],
  ['brace_conversions', '{message!r} {name!s} {levelname!a}'],
  ['brace_float_spec', '{created:.3f} {relativeCreated:10.2f} {levelno:#x} {levelno:b}'],
  ['brace_escaped', '{{literal}} {message}'],
  ['brace_precision_on_string', '{levelname:.3}|{name:>10.2}'],
  ['brace_asctime', '{asctime} {message}'],
];

const dollarFormats: [string, string][] = [
  ['dollar_message', '$message'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a string.Template format, not a JavaScript template
  ['dollar_braced', '${name}:$levelname:${message}'],
  ['dollar_escaped', '$$ $message $$$name'],
  ['dollar_asctime', '$asctime $message'],
];

/** Formatter in the three styles, with `defaults`, datefmt, msecs and validation (CPython's `FormatterTest`). */
export const formatterTest: ConformanceClass = {
  name: 'FormatterTest',
  cases: [
    ...percentFormats.map(([name, fmt]) => formatCase(name, { fmt })),
    ...braceFormats.map(([name, fmt]) => formatCase(name, { fmt, style: '{' })),
    ...dollarFormats.map(([name, fmt]) => formatCase(name, { fmt, style: '$' })),
    formatCase('no_format_is_message', { fmt: null }),
    formatCase('brace_no_format_is_message', { fmt: null, style: '{' }),
    formatCase('datefmt_codes', {
      fmt: '%(asctime)s',
      datefmt: '%a %A %b %B %d %H %I %j %m %M %p %S %U %w %W %y %Y %Z %%',
    }),
    formatCase('datefmt_locale_codes', { fmt: '%(asctime)s', datefmt: '%c|%x|%X' }),
    formatCase('datefmt_iso_week_and_zone', { fmt: '%(asctime)s', datefmt: '%G-W%V-%u %z %e %D %T %F' }),
    formatCase('defaults_fill_missing', { fmt: '%(ip)s %(message)s', defaults: { ip: '-' } }),
    formatCase('brace_defaults', {
      fmt: '{ip} {user} {message}',
      style: '{',
      defaults: { ip: '-', user: 'nobody' },
    }),
    formatCase('dollar_defaults', { fmt: '$ip $message', style: '$', defaults: { ip: '?' } }),
    formatCase('defaults_do_not_override_record', { fmt: '%(name)s', defaults: { name: 'other' } }),
    formatCase('invalid_percent', { fmt: '%(message)' }),
    formatCase('invalid_percent_no_field', { fmt: 'plain text' }),
    formatCase('invalid_brace_unclosed', { fmt: '{message', style: '{' }),
    formatCase('invalid_brace_conversion', { fmt: '{message!x}', style: '{' }),
    formatCase('invalid_brace_no_field', { fmt: 'plain text', style: '{' }),
    formatCase('invalid_dollar_no_field', { fmt: 'plain text', style: '$' }),
    formatCase('invalid_dollar_bare', { fmt: '$message $', style: '$' }),
    formatCase('invalid_style', { fmt: '%(message)s', style: 'x' as FormatStyleName }),
    formatCase('validate_false_keeps_text', { fmt: 'plain text', validate: false }),
    {
      name: 'default_msec_format_none',
      python: py`
        ${PY_RECORD}
        f = logging.Formatter('%(asctime)s'); f.default_msec_format = None
        print(f.format(r))
        f.default_msec_format = '%s.%03d'; f.default_time_format = '%H:%M:%S'
        print(f.format(r))
        print(f.formatTime(r, '%Y'))
      `,
      run() {
        const r = fixedRecord();
        const f = new Formatter('%(asctime)s');
        f.default_msec_format = null;
        print(f.format(r));
        f.default_msec_format = '%s.%03d';
        f.default_time_format = '%H:%M:%S';
        print(f.format(r));
        print(f.formatTime(r, '%Y'));
      },
    },
    {
      name: 'converter_gmtime',
      python: py`
        ${PY_RECORD}
        f = logging.Formatter('%(asctime)s', '%H:%M:%S %Z'); f.converter = time.gmtime
        print(f.format(r))
      `,
      run() {
        const f = new Formatter('%(asctime)s', '%H:%M:%S %Z');
        f.converter = gmtime;
        print(f.format(fixedRecord()));
      },
    },
    {
      name: 'uses_time',
      python: py`
        for fmt, style in [('%(asctime)s', '%'), ('%(message)s', '%'), ('{asctime}', '{'), ('$asctime', '$'), ('\${asctime}', '$')]:
            print(logging.Formatter(fmt, style=style).usesTime())
      `,
      run() {
        for (const [fmt, style] of [
          ['%(asctime)s', '%'],
          ['%(message)s', '%'],
          ['{asctime}', '{'],
          ['$asctime', '$'],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a string.Template format
          ['${asctime}', '$'],
        ] as const)
          print(new Formatter(fmt, null, style).usesTime());
      },
    },
    {
      name: 'message_is_set_on_record',
      python: py`
        ${PY_RECORD}
        logging.Formatter('%(message)s').format(r)
        print(r.message)
        print(r.getMessage())
      `,
      run() {
        const r = fixedRecord();
        new Formatter('%(message)s').format(r);
        print(r.message);
        print(r.getMessage());
      },
    },
    {
      name: 'stack_info_appended',
      python: py`
        ${PY_RECORD}
        r.stack_info = 'Stack (most recent call last):\n  here'
        print(logging.Formatter('%(levelname)s %(message)s').format(r))
      `,
      run() {
        const r = fixedRecord();
        r.stack_info = 'Stack (most recent call last):\n  here';
        print(new Formatter('%(levelname)s %(message)s').format(r));
      },
    },
    {
      name: 'exc_text_cached',
      python: py`
        ${PY_RECORD}
        r.exc_text = 'ValueError: cached'
        print(logging.Formatter().format(r))
      `,
      run() {
        const r = fixedRecord();
        r.exc_text = 'ValueError: cached';
        print(new Formatter().format(r));
      },
    },
  ],
};
