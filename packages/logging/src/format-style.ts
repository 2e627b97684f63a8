import { LoggingError } from './errors.js';
import { convertValue, formatWithSpec } from './format-spec.js';
import type { PercentSpec } from './percent-format.js';
import { applyPercent, formatValue, parsePercent } from './percent-format.js';
import type { LogRecord } from './record.js';
import { str } from './value-text.js';

/** The three format styles of Python's `Formatter`. */
export type FormatStyleName = '%' | '{' | '$';

/** A compiled record format: Python's `PercentStyle`, `StrFormatStyle`, `StringTemplateStyle`. */
export interface FormatStyle {
  readonly fmt: string;
  usesTime(): boolean;
  /** Whether the format shows the caller location (so records must capture a stack). */
  usesCaller(): boolean;
  /** @throws LoggingError `LOGGING_BAD_FORMAT` with Python's message. */
  validate(): void;
  /** Render a record; a field missing from the record is reported on `record._formatError`. */
  format(record: LogRecord): string;
}

const CALLER_FIELDS = /pathname|filename|module|lineno|funcName/;

type RecordView = Record<string, unknown>;

function missingField(record: RecordView, key: string, source: string): string {
  if (record._formatError === undefined) {
    record._formatError = new LoggingError(
      'LOGGING_FORMAT_KEY',
      'ValueError',
      `Formatting field not found in record: '${key}'`,
    );
  }
  return source;
}

function lookup(
  record: RecordView,
  defaults: Record<string, unknown> | null,
  key: string,
): { found: boolean; value: unknown } {
  if (key in record) return { found: true, value: record[key] };
  if (defaults !== null && key in defaults) return { found: true, value: defaults[key] };
  return { found: false, value: undefined };
}

/**
 * `%`-style: `fmt % record.__dict__`. The format is compiled once into a function with
 * one property read per field, so formatting a record is a single string concatenation.
 */
export class PercentStyle implements FormatStyle {
  static readonly defaultFormat = '%(message)s';
  static readonly asctimeFormat = '%(asctime)s';
  static readonly asctimeSearch = '%(asctime)';
  static readonly validationPattern = /%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]/i;
  readonly fmt: string;
  readonly defaults: Record<string, unknown> | null;
  private compiled: ((r: RecordView) => string) | null = null;

  constructor(fmt?: string | null, defaults?: Record<string, unknown> | null) {
    this.fmt = fmt || PercentStyle.defaultFormat;
    this.defaults = defaults ?? null;
  }

  usesTime(): boolean {
    return this.fmt.includes(PercentStyle.asctimeSearch);
  }

  usesCaller(): boolean {
    return CALLER_FIELDS.test(this.fmt);
  }

  validate(): void {
    if (!PercentStyle.validationPattern.test(this.fmt)) {
      throw new LoggingError(
        'LOGGING_BAD_FORMAT',
        'ValueError',
        `Invalid format '${this.fmt}' for '%' style`,
      );
    }
    parsePercent(this.fmt);
  }

  format(record: LogRecord): string {
    let fn = this.compiled;
    if (fn === null) fn = this.compiled = this.compile();
    return fn(record as unknown as RecordView);
  }

  private compile(): (r: RecordView) => string {
    const template = parsePercent(this.fmt);
    const defaults = this.defaults;
    const generic =
      template.usesPositional ||
      template.parts.some((p) => typeof p !== 'string' && (p.width === -2 || p.precision === -2));
    if (generic) {
      return (r) => applyPercent(template, defaults === null ? r : { ...defaults, ...r });
    }
    const specs: PercentSpec[] = [];
    const pieces: string[] = [];
    for (const part of template.parts) {
      if (typeof part === 'string') {
        pieces.push(JSON.stringify(part));
        continue;
      }
      if (part.type === '%') {
        pieces.push('"%"');
        continue;
      }
      const i = specs.push(part) - 1;
      const k = JSON.stringify(part.key);
      const get = `((v = r[${k}]) !== undefined || (${k} in r) ? v : (f = lookup(r, defaults, ${k})).found ? f.value : missing)`;
      if (part.plain && part.type === 's') {
        pieces.push(
          `((v = ${get}) === missing ? missingField(r, ${k}, specs[${i}].source) : typeof v === "string" ? v : str(v))`,
        );
      } else {
        pieces.push(
          `((v = ${get}) === missing ? missingField(r, ${k}, specs[${i}].source) : formatValue(v, specs[${i}], specs[${i}].width, specs[${i}].precision))`,
        );
      }
    }
    const body = pieces.length === 0 ? '""' : pieces.join(' + ');
    const factory = new Function(
      'str',
      'formatValue',
      'specs',
      'lookup',
      'defaults',
      'missing',
      'missingField',
      `return function formatRecord(r) { let v, f; return ${body}; };`,
    );
    return factory(str, formatValue, specs, lookup, defaults, MISSING, missingField) as (
      r: RecordView,
    ) => string;
  }
}

const MISSING = Symbol('missing');

type StrPart =
  | string
  | { field: string; path: (string | number)[]; conversion: string; spec: string; source: string };

/** `{`-style: `fmt.format(**record.__dict__)`. */
export class StrFormatStyle implements FormatStyle {
  static readonly defaultFormat = '{message}';
  static readonly asctimeFormat = '{asctime}';
  static readonly asctimeSearch = '{asctime';
  static readonly fmtSpec = /^(.?[<>=^])?[+ -]?#?0?(\d+|{\w+})?[,_]?(\.(\d+|{\w+}))?[bcdefgnosx%]?$/i;
  static readonly fieldSpec = /^(\d+|\w+)(\.\w+|\[[^\]]+\])*$/i;
  readonly fmt: string;
  readonly defaults: Record<string, unknown> | null;
  private parts: StrPart[] | null = null;

  constructor(fmt?: string | null, defaults?: Record<string, unknown> | null) {
    this.fmt = fmt || StrFormatStyle.defaultFormat;
    this.defaults = defaults ?? null;
  }

  usesTime(): boolean {
    return this.fmt.includes(StrFormatStyle.asctimeSearch);
  }

  usesCaller(): boolean {
    return CALLER_FIELDS.test(this.fmt);
  }

  validate(): void {
    const parts = this.parse();
    const fields = new Set<string>();
    for (const p of parts) {
      if (typeof p === 'string') continue;
      const name = p.source.slice(1, -1).split(/[!:]/)[0];
      if (!StrFormatStyle.fieldSpec.test(name)) {
        throw new LoggingError(
          'LOGGING_BAD_FORMAT',
          'ValueError',
          `invalid format: invalid field name/expression: '${name}'`,
        );
      }
      fields.add(name);
      if (p.conversion !== '' && !'rsa'.includes(p.conversion)) {
        throw new LoggingError(
          'LOGGING_BAD_FORMAT',
          'ValueError',
          `invalid format: invalid conversion: '${p.conversion}'`,
        );
      }
      if (p.spec !== '' && !StrFormatStyle.fmtSpec.test(p.spec)) {
        throw new LoggingError(
          'LOGGING_BAD_FORMAT',
          'ValueError',
          `invalid format: bad specifier: '${p.spec}'`,
        );
      }
    }
    if (fields.size === 0)
      throw new LoggingError('LOGGING_BAD_FORMAT', 'ValueError', 'invalid format: no fields');
  }

  private parse(): StrPart[] {
    if (this.parts !== null) return this.parts;
    const fmt = this.fmt;
    const parts: StrPart[] = [];
    let literal = '';
    let i = 0;
    while (i < fmt.length) {
      const ch = fmt[i];
      if (ch === '{') {
        if (fmt[i + 1] === '{') {
          literal += '{';
          i += 2;
          continue;
        }
        let depth = 1;
        let j = i + 1;
        while (j < fmt.length && depth > 0) {
          if (fmt[j] === '{') depth++;
          else if (fmt[j] === '}') depth--;
          j++;
        }
        if (depth > 0) {
          throw new LoggingError(
            'LOGGING_BAD_FORMAT',
            'ValueError',
            "invalid format: expected '}' before end of string",
          );
        }
        const inner = fmt.slice(i + 1, j - 1);
        const colon = inner.indexOf(':');
        const head = colon < 0 ? inner : inner.slice(0, colon);
        const spec = colon < 0 ? '' : inner.slice(colon + 1);
        const bang = head.indexOf('!');
        const name = bang < 0 ? head : head.slice(0, bang);
        const conversion = bang < 0 ? '' : head.slice(bang + 1);
        const path: (string | number)[] = [];
        const m = /^[^.[]*/.exec(name)!;
        const field = m[0];
        const rest = name.slice(field.length);
        const re = /\.(\w+)|\[([^\]]+)\]/g;
        let mm: RegExpExecArray | null = re.exec(rest);
        while (mm !== null) {
          if (mm[1] !== undefined) path.push(mm[1]);
          else path.push(/^\d+$/.test(mm[2]) ? Number(mm[2]) : mm[2]);
          mm = re.exec(rest);
        }
        if (literal !== '') parts.push(literal);
        literal = '';
        parts.push({ field, path, conversion, spec, source: fmt.slice(i, j) });
        i = j;
        continue;
      }
      if (ch === '}') {
        if (fmt[i + 1] === '}') {
          literal += '}';
          i += 2;
          continue;
        }
        throw new LoggingError(
          'LOGGING_BAD_FORMAT',
          'ValueError',
          "invalid format: Single '}' encountered in format string",
        );
      }
      literal += ch;
      i++;
    }
    if (literal !== '') parts.push(literal);
    this.parts = parts;
    return parts;
  }

  format(record: LogRecord): string {
    const parts = this.parse();
    const r = record as unknown as RecordView;
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      const found = lookup(r, this.defaults, p.field);
      if (!found.found) {
        out += missingField(r, p.field, p.source);
        continue;
      }
      let v = found.value;
      for (const step of p.path)
        v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[step];
      if (p.conversion !== '') v = convertValue(v, p.conversion);
      out += formatWithSpec(v, p.spec);
    }
    return out;
  }
}

const TEMPLATE = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}|())/gi;

/** `$`-style: `string.Template(fmt).substitute(**record.__dict__)`. */
export class StringTemplateStyle implements FormatStyle {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Python's string.Template syntax
  static readonly defaultFormat = '${message}';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Python's string.Template syntax
  static readonly asctimeFormat = '${asctime}';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Python's string.Template syntax
  static readonly asctimeSearch = '${asctime}';
  readonly fmt: string;
  readonly defaults: Record<string, unknown> | null;

  constructor(fmt?: string | null, defaults?: Record<string, unknown> | null) {
    this.fmt = fmt || StringTemplateStyle.defaultFormat;
    this.defaults = defaults ?? null;
  }

  usesTime(): boolean {
    return this.fmt.includes('$asctime') || this.fmt.includes(StringTemplateStyle.asctimeSearch);
  }

  usesCaller(): boolean {
    return CALLER_FIELDS.test(this.fmt);
  }

  validate(): void {
    const fields = new Set<string>();
    for (const m of this.fmt.matchAll(TEMPLATE)) {
      if (m[2] !== undefined) fields.add(m[2]);
      else if (m[3] !== undefined) fields.add(m[3]);
      else if (m[4] !== undefined) {
        throw new LoggingError('LOGGING_BAD_FORMAT', 'ValueError', "invalid format: bare '$' not allowed");
      }
    }
    if (fields.size === 0)
      throw new LoggingError('LOGGING_BAD_FORMAT', 'ValueError', 'invalid format: no fields');
  }

  format(record: LogRecord): string {
    const r = record as unknown as RecordView;
    return this.fmt.replace(TEMPLATE, (whole, dollar, named, braced) => {
      if (dollar !== undefined) return '$';
      const key = (named ?? braced) as string | undefined;
      if (key === undefined) {
        if (r._formatError === undefined) {
          r._formatError = new LoggingError(
            'LOGGING_BAD_FORMAT',
            'ValueError',
            'Invalid placeholder in string',
          );
        }
        return whole;
      }
      const found = lookup(r, this.defaults, key);
      return found.found ? str(found.value) : missingField(r, key, whole);
    });
  }
}

/** Make the style object for `style`. @throws LoggingError `LOGGING_BAD_STYLE`. */
export function makeStyle(
  style: string,
  fmt: string | null | undefined,
  defaults: Record<string, unknown> | null | undefined,
): FormatStyle {
  switch (style) {
    case '%':
      return new PercentStyle(fmt, defaults);
    case '{':
      return new StrFormatStyle(fmt, defaults);
    case '$':
      return new StringTemplateStyle(fmt, defaults);
    default:
      throw new LoggingError('LOGGING_BAD_STYLE', 'ValueError', 'Style must be one of: %,{,$');
  }
}

/** `basicConfig`'s default format per style (Python's `_STYLES[style][1]`). */
export const BASIC_FORMATS: Readonly<Record<FormatStyleName, string>> = {
  '%': '%(levelname)s:%(name)s:%(message)s',
  '{': '{levelname}:{name}:{message}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Python's string.Template syntax
  $: '${levelname}:${name}:${message}',
};

/** Python's `logging.BASIC_FORMAT`. */
export const BASIC_FORMAT = '%(levelname)s:%(name)s:%(message)s';
