import { LoggingError } from './errors.js';
import { ascii, repr, str } from './value-text.js';

/**
 * Python's `%` string operator (printf-style formatting), as used by `LogRecord.getMessage()`
 * (`msg % args`) and by the `%` formatter style (`fmt % record.__dict__`).
 *
 * A format string is parsed once into parts and cached; applying it is a loop over parts.
 */

/** One conversion specifier such as `%(name)-10s` or `%05.1f`. */
export interface PercentSpec {
  readonly key: string | null;
  readonly minus: boolean;
  readonly plus: boolean;
  readonly space: boolean;
  readonly alt: boolean;
  readonly zero: boolean;
  /** -1: none; -2: `*` (taken from the arguments). */
  readonly width: number;
  readonly precision: number;
  readonly type: string;
  /** True for a bare `%s` / `%(key)s` with no flags, width or precision. */
  readonly plain: boolean;
  /** The specifier's source text, e.g. `%(name)s`. */
  readonly source: string;
}

export type PercentPart = string | PercentSpec;

/** A parsed format string. */
export interface PercentTemplate {
  readonly parts: readonly PercentPart[];
  readonly keys: readonly string[];
  readonly usesKeys: boolean;
  readonly usesPositional: boolean;
}

const TYPES = 'diouxXeEfFgGcrsa%';

function formatError(message: string): LoggingError {
  return new LoggingError('LOGGING_BAD_FORMAT', 'ValueError', message);
}

function argsError(message: string): LoggingError {
  return new LoggingError('LOGGING_FORMAT_ARGS', 'TypeError', message);
}

/**
 * Parse a %-format string.
 * @throws LoggingError `LOGGING_BAD_FORMAT` for an incomplete or unsupported specifier,
 *   with Python's message ("unsupported format character 'z' (0x7a) at index 5").
 */
export function parsePercent(fmt: string): PercentTemplate {
  const parts: PercentPart[] = [];
  const keys: string[] = [];
  let usesKeys = false;
  let usesPositional = false;
  let literal = '';
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      literal += fmt.slice(i);
      break;
    }
    literal += fmt.slice(i, pct);
    const start = pct;
    i = pct + 1;
    if (i >= n) throw formatError('incomplete format');
    let key: string | null = null;
    if (fmt[i] === '(') {
      let depth = 1;
      const keyStart = i + 1;
      i++;
      while (i < n && depth > 0) {
        if (fmt[i] === '(') depth++;
        else if (fmt[i] === ')') depth--;
        i++;
      }
      if (depth > 0) throw formatError('incomplete format key');
      key = fmt.slice(keyStart, i - 1);
    }
    let minus = false;
    let plus = false;
    let space = false;
    let alt = false;
    let zero = false;
    for (; i < n; i++) {
      const c = fmt[i];
      if (c === '-') minus = true;
      else if (c === '+') plus = true;
      else if (c === ' ') space = true;
      else if (c === '#') alt = true;
      else if (c === '0') zero = true;
      else break;
    }
    let width = -1;
    if (fmt[i] === '*') {
      width = -2;
      i++;
    } else {
      let w = '';
      while (i < n && fmt[i] >= '0' && fmt[i] <= '9') w += fmt[i++];
      if (w !== '') width = Number(w);
    }
    let precision = -1;
    if (fmt[i] === '.') {
      i++;
      if (fmt[i] === '*') {
        precision = -2;
        i++;
      } else {
        let p = '';
        while (i < n && fmt[i] >= '0' && fmt[i] <= '9') p += fmt[i++];
        precision = p === '' ? 0 : Number(p);
      }
    }
    while (i < n && (fmt[i] === 'h' || fmt[i] === 'l' || fmt[i] === 'L')) i++;
    if (i >= n) throw formatError('incomplete format');
    const type = fmt[i];
    i++;
    if (!TYPES.includes(type)) {
      const code = type.codePointAt(0)!;
      throw formatError(`unsupported format character '${type}' (0x${code.toString(16)}) at index ${i - 1}`);
    }
    if (type === '%' && key === null) {
      literal += '%';
      continue;
    }
    if (literal !== '') {
      parts.push(literal);
      literal = '';
    }
    if (key !== null) {
      usesKeys = true;
      keys.push(key);
    } else if (type !== '%') {
      usesPositional = true;
    }
    const plain = !minus && !plus && !space && !alt && !zero && width === -1 && precision === -1;
    parts.push({
      key,
      minus,
      plus,
      space,
      alt,
      zero,
      width,
      precision,
      type,
      plain,
      source: fmt.slice(start, i),
    });
  }
  if (literal !== '') parts.push(literal);
  return { parts, keys, usesKeys, usesPositional };
}

const cache = new Map<string, PercentTemplate>();
const CACHE_LIMIT = 2048;

/** `parsePercent` with a bounded cache (message strings are usually literals). */
export function compilePercent(fmt: string): PercentTemplate {
  let t = cache.get(fmt);
  if (t === undefined) {
    t = parsePercent(fmt);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(fmt, t);
  }
  return t;
}

/** A value Python's logging treats as a mapping argument: a plain object. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `fmt % args`: positional when `args` is an array, by key when it is a mapping.
 * @throws LoggingError with Python's messages: `LOGGING_FORMAT_ARGS` (TypeError: not enough
 *   arguments / not all arguments converted / wrong type), `LOGGING_FORMAT_KEY` (KeyError),
 *   `LOGGING_BAD_FORMAT` (ValueError).
 */
export function percentFormat(fmt: string, args: readonly unknown[] | Record<string, unknown>): string {
  return applyPercent(compilePercent(fmt), args);
}

/** Apply a parsed template; see `percentFormat`. */
export function applyPercent(
  template: PercentTemplate,
  args: readonly unknown[] | Record<string, unknown>,
): string {
  const parts = template.parts;
  const positional = Array.isArray(args);
  const list = positional ? (args as readonly unknown[]) : null;
  const map = positional ? null : (args as Record<string, unknown>);
  let argi = 0;
  let out = '';
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let width = part.width;
    let precision = part.precision;
    if (width === -2 || precision === -2) {
      if (list === null) throw argsError('* wants int');
      if (width === -2) {
        if (argi >= list.length) throw argsError('not enough arguments for format string');
        const w = list[argi++];
        if (typeof w !== 'number' || !Number.isInteger(w)) throw argsError('* wants int');
        width = w;
      }
      if (precision === -2) {
        if (argi >= list.length) throw argsError('not enough arguments for format string');
        const pr = list[argi++];
        if (typeof pr !== 'number' || !Number.isInteger(pr)) throw argsError('* wants int');
        precision = pr;
      }
    }
    let value: unknown;
    if (part.key !== null) {
      if (map === null) throw argsError('format requires a mapping');
      if (!(part.key in map)) {
        throw new LoggingError('LOGGING_FORMAT_KEY', 'KeyError', `'${part.key}'`);
      }
      value = map[part.key];
    } else if (list !== null) {
      if (argi >= list.length) throw argsError('not enough arguments for format string');
      value = list[argi++];
    } else {
      if (argi > 0) throw argsError('not enough arguments for format string');
      argi++;
      value = map;
    }
    if (part.plain && part.type === 's') {
      out += typeof value === 'string' ? value : str(value);
    } else if (
      part.plain &&
      (part.type === 'd' || part.type === 'i') &&
      typeof value === 'number' &&
      Number.isSafeInteger(value)
    ) {
      out += String(value);
    } else {
      out += formatValue(value, part, width, precision);
    }
  }
  if (list !== null && argi < list.length) {
    throw argsError('not all arguments converted during string formatting');
  }
  return out;
}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
    default:
      if (Array.isArray(value)) return 'list';
      return (value as object).constructor?.name ?? 'object';
  }
}

function pad(body: string, width: number, left: boolean): string {
  if (width <= body.length) return body;
  return left ? body.padEnd(width, ' ') : body.padStart(width, ' ');
}

function signed(
  negative: boolean,
  prefix: string,
  digits: string,
  spec: PercentSpec,
  width: number,
  zeroAllowed: boolean,
): string {
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const head = sign + prefix;
  if (spec.minus) return pad(head + digits, width, true);
  if (spec.zero && zeroAllowed && width > head.length + digits.length) {
    return head + digits.padStart(width - head.length, '0');
  }
  return pad(head + digits, width, false);
}

function toInteger(value: unknown, type: string): bigint | number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) {
      throw new LoggingError('LOGGING_FORMAT_ARGS', 'ValueError', 'cannot convert float NaN to integer');
    }
    if (!Number.isFinite(value)) {
      throw new LoggingError(
        'LOGGING_FORMAT_ARGS',
        'OverflowError',
        'cannot convert float infinity to integer',
      );
    }
    if (type !== 'd' && type !== 'i' && type !== 'u' && !Number.isInteger(value)) {
      throw argsError(`%${type} format: an integer is required, not float`);
    }
    return Math.trunc(value);
  }
  if (type === 'd' || type === 'i' || type === 'u') {
    throw argsError(`%${type} format: a real number is required, not ${pyTypeName(value)}`);
  }
  throw argsError(`%${type} format: an integer is required, not ${pyTypeName(value)}`);
}

function integerDigits(n: bigint | number, radix: number): { negative: boolean; digits: string } {
  if (typeof n === 'number') {
    const negative = n < 0;
    const abs = Math.abs(n);
    const digits = abs < 1e21 ? abs.toString(radix) : BigInt(abs).toString(radix);
    return { negative, digits };
  }
  const negative = n < 0n;
  return { negative, digits: (negative ? -n : n).toString(radix) };
}

function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  throw argsError(`must be real number, not ${pyTypeName(value)}`);
}

function fixExponent(s: string): string {
  // JavaScript writes e+5; Python writes e+05.
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s[e + 1];
  const digits = s.slice(e + 2);
  return `${s.slice(0, e)}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

function toFixedPython(abs: number, precision: number): string {
  if (abs >= 1e21) {
    const int = BigInt(abs).toString();
    return precision > 0 ? `${int}.${'0'.repeat(precision)}` : int;
  }
  if (precision < 100) {
    // toFixed rounds an exact tie up; Python rounds it to even. A tie means the exact
    // binary value ends in 5 right after the last kept digit.
    const full = abs.toFixed(100);
    const dot = full.indexOf('.');
    const cut = dot + 1 + precision;
    if (full[cut] === '5' && /^0*$/.test(full.slice(cut + 1))) {
      const kept = precision === 0 ? full.slice(0, dot) : full.slice(0, cut);
      if (Number(kept[kept.length - 1]) % 2 === 0) return kept;
    }
    return abs.toFixed(precision);
  }
  if (precision === 100) return abs.toFixed(100);
  return abs.toFixed(100) + '0'.repeat(precision - 100);
}

function stripZeros(s: string): string {
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  if (!mantissa.includes('.')) return s;
  return mantissa.replace(/0+$/, '').replace(/\.$/, '') + exp;
}

function formatFloat(abs: number, type: string, precision: number, alt: boolean): string {
  const lower = type.toLowerCase();
  let p = precision < 0 ? 6 : precision;
  let body: string;
  if (lower === 'f') {
    body = toFixedPython(abs, p);
    if (alt && p === 0) body += '.';
  } else if (lower === 'e') {
    body = fixExponent(abs.toExponential(Math.min(p, 100)));
    if (alt && p === 0) body = body.replace('e', '.e');
  } else {
    if (p === 0) p = 1;
    const exp = abs === 0 ? 0 : Number(abs.toExponential(Math.min(p - 1, 100)).split('e')[1]);
    if (exp >= -4 && exp < p) {
      body = toFixedPython(abs, p - 1 - exp);
    } else {
      body = fixExponent(abs.toExponential(Math.min(p - 1, 100)));
    }
    if (!alt) body = stripZeros(body);
  }
  return type === lower ? body : body.toUpperCase();
}

/** Format one value for one specifier (everything but the plain `%s` fast path). */
export function formatValue(value: unknown, spec: PercentSpec, width: number, precision: number): string {
  const left = spec.minus || width < 0;
  if (width < 0) width = -width;
  switch (spec.type) {
    case 's':
    case 'r':
    case 'a': {
      let s = spec.type === 's' ? str(value) : spec.type === 'r' ? repr(value) : ascii(value);
      if (precision >= 0) s = s.slice(0, precision);
      return pad(s, width, left);
    }
    case 'd':
    case 'i':
    case 'u': {
      const { negative, digits } = integerDigits(toInteger(value, spec.type), 10);
      const body = precision > digits.length ? digits.padStart(precision, '0') : digits;
      return signed(negative, '', body, spec, width, true);
    }
    case 'o':
    case 'x':
    case 'X': {
      const radix = spec.type === 'o' ? 8 : 16;
      const { negative, digits: raw } = integerDigits(toInteger(value, spec.type), radix);
      let digits = spec.type === 'X' ? raw.toUpperCase() : raw;
      if (precision > digits.length) digits = digits.padStart(precision, '0');
      const prefix = spec.alt ? (spec.type === 'o' ? '0o' : spec.type === 'x' ? '0x' : '0X') : '';
      return signed(negative, prefix, digits, spec, width, true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const n = toFloat(value);
      const negative = n < 0 || Object.is(n, -0);
      if (!Number.isFinite(n)) {
        const word = Number.isNaN(n) ? 'nan' : 'inf';
        const upper = spec.type === 'E' || spec.type === 'F' || spec.type === 'G';
        return signed(
          negative && !Number.isNaN(n),
          '',
          upper ? word.toUpperCase() : word,
          spec,
          width,
          false,
        );
      }
      return signed(
        negative,
        '',
        formatFloat(Math.abs(n), spec.type, precision, spec.alt),
        spec,
        width,
        true,
      );
    }
    case 'c': {
      let ch: string;
      if (typeof value === 'number' && Number.isInteger(value)) {
        if (value < 0 || value > 0x10ffff) {
          throw new LoggingError('LOGGING_FORMAT_ARGS', 'OverflowError', '%c arg not in range(0x110000)');
        }
        ch = String.fromCodePoint(value);
      } else if (typeof value === 'string' && [...value].length === 1) {
        ch = value;
      } else {
        throw argsError(`%c requires an int or a unicode character, not ${pyTypeName(value)}`);
      }
      return pad(ch, width, left);
    }
    default:
      // '%' with a mapping key: Python prints a literal percent sign.
      return '%';
  }
}
