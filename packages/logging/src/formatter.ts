import { inspect } from 'node:util';
import type { FormatStyle, FormatStyleName } from './format-style.js';
import { makeStyle } from './format-style.js';
import { percentFormat } from './percent-format.js';
import type { LogRecord } from './record.js';
import type { TimeConverter } from './strftime.js';
import { localtime, strftime } from './strftime.js';
import { repr } from './value-text.js';

/** Keyword options of `new Formatter({...})`, Python's keyword arguments. */
export interface FormatterOptions {
  /** Default: `'%(message)s'` (or the style's equivalent). */
  fmt?: string | null;
  /** strftime codes; default `null` → `'%Y-%m-%d %H:%M:%S'` plus `,mmm`. */
  datefmt?: string | null;
  /** Default `'%'`. */
  style?: FormatStyleName;
  /** Check the format at construction (Python's default `true`). */
  validate?: boolean;
  /** Values for fields a record lacks (Python 3.10's `defaults`). */
  defaults?: Record<string, unknown> | null;
}

/** The text of an exception as `formatException` prints it. */
export function exceptionText(exc: unknown): string {
  if (exc instanceof Error && (typeof exc.stack !== 'string' || exc.stack === '')) {
    // No stack to show: Python's last traceback line, `Name: message` (`Name` alone when empty).
    return exc.message === '' ? exc.name : `${exc.name}: ${exc.message}`;
  }
  if (exc instanceof Error) {
    const text = inspect(exc, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }
  return `${exc === null || exc === undefined ? 'NoneType' : 'thrown value'}: ${repr(exc)}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/**
 * Python's `logging.Formatter`: turns a record into text with a `%`, `{` or `$` format.
 * The format is compiled once; the date part is cached per second.
 */
export class Formatter {
  /** Class-wide default, as Python's class attribute: `Formatter.default_time_format = '…'` affects every formatter. */
  static default_time_format = '%Y-%m-%d %H:%M:%S';
  /** Class-wide default `'%s,%03d'`; `null` drops the milliseconds. */
  static default_msec_format: string | null = '%s,%03d';
  /** Class-wide default `localtime`; `Formatter.converter = gmtime` makes every formatter use UTC. */
  static converter: TimeConverter = localtime;
  private ownTimeFormat: string | undefined;
  private ownMsecFormat: string | null | undefined;
  private ownConverter: TimeConverter | undefined;
  datefmt: string | null;
  readonly _style: FormatStyle;
  readonly _fmt: string;
  private cachedSecond = Number.NaN;
  private cachedText = '';
  private cachedConverter: TimeConverter | null = null;
  private cachedDatefmt: string | null | undefined;
  private cachedDefaultFormat = '';

  /**
   * `new Formatter(fmt?, datefmt?, style?, validate?, { defaults })` or `new Formatter({ fmt, … })`.
   * @throws LoggingError `LOGGING_BAD_STYLE` / `LOGGING_BAD_FORMAT` (with `validate`).
   */
  constructor(
    fmt?: string | null | FormatterOptions,
    datefmt?: string | null,
    style: FormatStyleName = '%',
    validate = true,
    options: { defaults?: Record<string, unknown> | null } = {},
  ) {
    let defaults = options.defaults ?? null;
    if (fmt !== null && typeof fmt === 'object') {
      datefmt = fmt.datefmt;
      style = fmt.style ?? '%';
      validate = fmt.validate ?? true;
      defaults = fmt.defaults ?? null;
      fmt = fmt.fmt;
    }
    this._style = makeStyle(style, fmt, defaults);
    if (validate) this._style.validate();
    this._fmt = this._style.fmt;
    this.datefmt = datefmt ?? null;
  }

  /** `'%Y-%m-%d %H:%M:%S'` unless set on this formatter or on its class. */
  get default_time_format(): string {
    return this.ownTimeFormat ?? (this.constructor as typeof Formatter).default_time_format;
  }
  set default_time_format(value: string) {
    this.ownTimeFormat = value;
  }

  /** `'%s,%03d'` unless set on this formatter or on its class; `null` drops the milliseconds. */
  get default_msec_format(): string | null {
    return this.ownMsecFormat !== undefined
      ? this.ownMsecFormat
      : (this.constructor as typeof Formatter).default_msec_format;
  }
  set default_msec_format(value: string | null) {
    this.ownMsecFormat = value;
  }

  /** `localtime` unless set on this formatter or on its class; set `gmtime` for UTC. */
  get converter(): TimeConverter {
    return this.ownConverter ?? (this.constructor as typeof Formatter).converter;
  }
  set converter(value: TimeConverter) {
    this.ownConverter = value;
  }

  /** Python's `formatTime(record, datefmt=None)`. */
  formatTime(record: LogRecord, datefmt: string | null = null): string {
    const second = Math.floor(record.created);
    const converter = this.converter;
    const timeFormat = this.default_time_format;
    let text: string;
    if (
      second === this.cachedSecond &&
      converter === this.cachedConverter &&
      datefmt === this.cachedDatefmt &&
      (datefmt !== null || this.cachedDefaultFormat === timeFormat)
    ) {
      text = this.cachedText;
    } else {
      text = strftime(datefmt || timeFormat, converter(record.created));
      this.cachedSecond = second;
      this.cachedText = text;
      this.cachedConverter = converter;
      this.cachedDatefmt = datefmt;
      this.cachedDefaultFormat = timeFormat;
    }
    if (datefmt) return text;
    const msecFormat = this.default_msec_format;
    if (msecFormat === null || msecFormat === '') return text;
    if (msecFormat === '%s,%03d') return `${text},${pad3(Math.trunc(record.msecs))}`;
    return percentFormat(msecFormat, [text, record.msecs]);
  }

  /** Python's `formatException(ei)`: the error's stack (with causes), no trailing newline. */
  formatException(ei: unknown): string {
    return exceptionText(ei);
  }

  /** Python's `formatStack(stack_info)`: returned as is. */
  formatStack(stackInfo: string): string {
    return stackInfo;
  }

  /** Whether the format shows `asctime`. */
  usesTime(): boolean {
    return this._style.usesTime();
  }

  /** Whether the format shows the caller location. */
  usesCaller(): boolean {
    return this._style.usesCaller();
  }

  /** Python's `formatMessage(record)`: the style applied to the record. */
  formatMessage(record: LogRecord): string {
    return this._style.format(record);
  }

  /**
   * Python's `format(record)`: sets `record.message` (and `record.asctime`), applies the
   * format, then appends the exception and stack text.
   * @throws LoggingError when the arguments do not fit the message or a format field is
   * missing from the record; handlers catch it and report it through `handleError`, and the
   * record is not written (as in Python).
   */
  format(record: LogRecord): string {
    record.message = record.getMessage();
    if (this._style.usesTime()) record.asctime = this.formatTime(record, this.datefmt);
    let s = this.formatMessage(record);
    if (record._formatError !== undefined) {
      const err = record._formatError;
      record._formatError = undefined;
      throw err;
    }
    if (record.exc_info !== null && record.exc_info !== false && record.exc_info !== undefined) {
      if (!record.exc_text) record.exc_text = this.formatException(record.exc_info);
    }
    if (record.exc_text) {
      if (!s.endsWith('\n')) s += '\n';
      s += record.exc_text;
    }
    if (record.stack_info) {
      if (!s.endsWith('\n')) s += '\n';
      s += this.formatStack(record.stack_info);
    }
    return s;
  }
}

/** Python's `BufferingFormatter`: formats a batch of records (used by `MemoryHandler` users). */
export class BufferingFormatter {
  readonly linefmt: Formatter;
  constructor(linefmt?: Formatter | null) {
    this.linefmt = linefmt ?? defaultFormatter;
  }
  formatHeader(_records: readonly LogRecord[]): string {
    return '';
  }
  formatFooter(_records: readonly LogRecord[]): string {
    return '';
  }
  format(records: readonly LogRecord[]): string {
    if (records.length === 0) return '';
    let rv = this.formatHeader(records);
    for (const r of records) rv += this.linefmt.format(r);
    return rv + this.formatFooter(records);
  }
}

/** Python's `_defaultFormatter`: `'%(message)s'`. */
export const defaultFormatter = new Formatter();
