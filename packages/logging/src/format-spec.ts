import { LoggingError } from './errors.js';
import { ascii, repr, str } from './value-text.js';

/**
 * Python's `format(value, spec)` (the format-spec mini-language used by `{}`-style
 * formats): `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
 */

interface ParsedSpec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number;
  type: string;
}

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;
const parsed = new Map<string, ParsedSpec>();

function parse(spec: string): ParsedSpec {
  let p = parsed.get(spec);
  if (p !== undefined) return p;
  const m = SPEC.exec(spec);
  if (m === null) throw new LoggingError('LOGGING_BAD_FORMAT', 'ValueError', 'Invalid format specifier');
  p = {
    fill: m[1] ?? (m[2] === undefined && m[6] !== undefined ? '0' : ' '),
    align: m[2] ?? (m[6] !== undefined ? '=' : ''),
    sign: m[3] ?? '-',
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] === undefined ? -1 : Number(m[7]),
    grouping: m[8] ?? '',
    precision: m[9] === undefined ? -1 : Number(m[9]),
    type: m[10] ?? '',
  };
  if (parsed.size > 512) parsed.clear();
  parsed.set(spec, p);
  return p;
}

function group(int: string, sep: string, every: number): string {
  if (sep === '') return int;
  let out = '';
  for (let i = int.length; i > 0; i -= every) {
    const chunk = int.slice(Math.max(0, i - every), i);
    out = out === '' ? chunk : `${chunk}${sep}${out}`;
  }
  return out;
}

function align(body: string, sign: string, p: ParsedSpec, defaultAlign: string): string {
  const total = sign.length + body.length;
  if (p.width <= total) return sign + body;
  const padLen = p.width - total;
  const a = p.align === '' ? defaultAlign : p.align;
  const fill = p.fill;
  if (a === '<') return sign + body + fill.repeat(padLen);
  if (a === '>') return fill.repeat(padLen) + sign + body;
  if (a === '=') return sign + fill.repeat(padLen) + body;
  const left = Math.floor(padLen / 2);
  return fill.repeat(left) + sign + body + fill.repeat(padLen - left);
}

function expFix(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatNumber(n: number | bigint, p: ParsedSpec): string {
  let type = p.type;
  const isInt = typeof n === 'bigint' || Number.isInteger(n);
  if (type === '' && !isInt) type = 'r';
  const negative = typeof n === 'bigint' ? n < 0n : n < 0 || Object.is(n, -0);
  const signText = negative ? '-' : p.sign === '+' ? '+' : p.sign === ' ' ? ' ' : '';
  let body: string;
  if (
    type === '' ||
    type === 'd' ||
    type === 'n' ||
    type === 'b' ||
    type === 'o' ||
    type === 'x' ||
    type === 'X' ||
    type === 'c'
  ) {
    if (!isInt) {
      throw new LoggingError(
        'LOGGING_FORMAT_ARGS',
        'ValueError',
        `Unknown format code '${p.type}' for object of type 'float'`,
      );
    }
    if (type === 'c') return align(String.fromCodePoint(Number(n)), '', p, '>');
    const abs = typeof n === 'bigint' ? (n < 0n ? -n : n) : Math.abs(n);
    const radix = type === 'b' ? 2 : type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
    let digits = abs.toString(radix);
    if (type === 'X') digits = digits.toUpperCase();
    digits = group(digits, p.grouping, radix === 10 ? 3 : 4);
    const prefix = p.alt && radix !== 10 ? `0${type === 'b' ? 'b' : type === 'o' ? 'o' : type}` : '';
    body = prefix + digits;
    return align(body, signText, p, '>');
  }
  const abs = Math.abs(Number(n));
  if (!Number.isFinite(abs)) {
    body = Number.isNaN(abs) ? 'nan' : 'inf';
    if (type === 'E' || type === 'F' || type === 'G') body = body.toUpperCase();
    return align(body, Number.isNaN(abs) ? '' : signText, p, '>');
  }
  const prec = p.precision < 0 ? 6 : p.precision;
  switch (type) {
    case 'f':
    case 'F':
    case '%': {
      const v = type === '%' ? abs * 100 : abs;
      const [int, frac] = v.toFixed(prec).split('.');
      body = group(int, p.grouping, 3) + (frac !== undefined ? `.${frac}` : p.alt ? '.' : '');
      if (type === '%') body += '%';
      break;
    }
    case 'e':
    case 'E':
      body = expFix(abs.toExponential(prec));
      if (type === 'E') body = body.toUpperCase();
      break;
    case 'r':
      // no type on a float: Python's repr()
      body = String(abs);
      if (p.precision >= 0) body = String(Number(abs.toPrecision(p.precision || 1)));
      break;
    default: {
      const pp = prec === 0 ? 1 : prec;
      const exp = abs === 0 ? 0 : Number(abs.toExponential(pp - 1).split('e')[1]);
      if (exp >= -4 && exp < pp) body = abs.toFixed(Math.max(0, pp - 1 - exp));
      else body = expFix(abs.toExponential(pp - 1));
      if (!p.alt && body.includes('.')) {
        body = body.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
      }
      if (type === 'G') body = body.toUpperCase();
    }
  }
  return align(body, signText, p, '>');
}

/**
 * `format(value, spec)` as in Python, for the values records hold (strings, numbers).
 * @throws LoggingError `LOGGING_BAD_FORMAT` / `LOGGING_FORMAT_ARGS` as Python's ValueError.
 */
export function formatWithSpec(value: unknown, spec: string): string {
  if (spec === '') return str(value);
  const p = parse(spec);
  if (typeof value === 'number' || typeof value === 'bigint') return formatNumber(value, p);
  if (typeof value === 'boolean' && p.type !== '' && p.type !== 's') return formatNumber(value ? 1 : 0, p);
  if (p.type !== '' && p.type !== 's') {
    throw new LoggingError(
      'LOGGING_FORMAT_ARGS',
      'ValueError',
      `Unknown format code '${p.type}' for object of type 'str'`,
    );
  }
  let s = str(value);
  if (p.precision >= 0) s = s.slice(0, p.precision);
  return align(s, '', p, '<');
}

/** Apply a `!r` / `!s` / `!a` conversion. */
export function convertValue(value: unknown, conversion: string): unknown {
  if (conversion === 'r') return repr(value);
  if (conversion === 'a') return ascii(value);
  if (conversion === 's') return str(value);
  return value;
}
