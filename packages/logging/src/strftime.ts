/**
 * Python's `time.localtime`, `time.gmtime` and `time.strftime` (C locale, glibc codes),
 * used by `Formatter.formatTime`. A format string is compiled once into a list of pieces.
 */

/** Python's `time.struct_time` (months 1–12, `tm_wday` 0 = Monday, `tm_yday` 1–366). */
export interface TimeStruct {
  readonly tm_year: number;
  readonly tm_mon: number;
  readonly tm_mday: number;
  readonly tm_hour: number;
  readonly tm_min: number;
  readonly tm_sec: number;
  readonly tm_wday: number;
  readonly tm_yday: number;
  readonly tm_isdst: number;
  /** Offset from UTC in seconds (east positive). */
  readonly tm_gmtoff: number;
  /** Whole seconds since the epoch this struct was made from (for `%s` and `%Z`). */
  readonly epoch: number;
  readonly utc: boolean;
}

/** A converter as in Python's `Formatter.converter`: seconds since the epoch → struct. */
export type TimeConverter = (secs: number) => TimeStruct;

function dayOfYear(year: number, month0: number, day: number): number {
  return (Date.UTC(year, month0, day) - Date.UTC(year, 0, 1)) / 86_400_000 + 1;
}

/** Python's `time.localtime(secs)`. */
export function localtime(secs: number = Date.now() / 1000): TimeStruct {
  const epoch = Math.floor(secs);
  const d = new Date(epoch * 1000);
  const year = d.getFullYear();
  const month0 = d.getMonth();
  const day = d.getDate();
  const offset = -d.getTimezoneOffset();
  const jan = new Date(year, 0, 1).getTimezoneOffset();
  const jul = new Date(year, 6, 1).getTimezoneOffset();
  const isdst = jan !== jul && -offset === Math.min(jan, jul) ? 1 : 0;
  return {
    tm_year: year,
    tm_mon: month0 + 1,
    tm_mday: day,
    tm_hour: d.getHours(),
    tm_min: d.getMinutes(),
    tm_sec: d.getSeconds(),
    tm_wday: (d.getDay() + 6) % 7,
    tm_yday: dayOfYear(year, month0, day),
    tm_isdst: isdst,
    tm_gmtoff: offset * 60,
    epoch,
    utc: false,
  };
}

/** Python's `time.gmtime(secs)`. */
export function gmtime(secs: number = Date.now() / 1000): TimeStruct {
  const epoch = Math.floor(secs);
  const d = new Date(epoch * 1000);
  const year = d.getUTCFullYear();
  const month0 = d.getUTCMonth();
  const day = d.getUTCDate();
  return {
    tm_year: year,
    tm_mon: month0 + 1,
    tm_mday: day,
    tm_hour: d.getUTCHours(),
    tm_min: d.getUTCMinutes(),
    tm_sec: d.getUTCSeconds(),
    tm_wday: (d.getUTCDay() + 6) % 7,
    tm_yday: dayOfYear(year, month0, day),
    tm_isdst: 0,
    tm_gmtoff: 0,
    epoch,
    utc: true,
  };
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

function spaced(n: number): string {
  return n < 10 ? ` ${n}` : String(n);
}

function isoWeek(t: TimeStruct): { year: number; week: number } {
  const wday = t.tm_wday + 1; // 1 = Monday … 7 = Sunday
  const thursdayYday = t.tm_yday - wday + 4;
  let year = t.tm_year;
  const daysInYear = (y: number) => (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 366 : 365);
  if (thursdayYday < 1) {
    year--;
    const prevDays = daysInYear(year);
    return { year, week: Math.floor((thursdayYday + prevDays - 1) / 7) + 1 };
  }
  if (thursdayYday > daysInYear(year)) {
    return { year: year + 1, week: 1 };
  }
  return { year, week: Math.floor((thursdayYday - 1) / 7) + 1 };
}

const zoneNames = new Map<number, string>();

function zoneName(t: TimeStruct): string {
  // glibc names the zone of a gmtime() struct GMT (Python's time.gmtime().tm_zone).
  if (t.utc) return 'GMT';
  const hour = Math.floor(t.epoch / 3600);
  let name = zoneNames.get(hour);
  if (name === undefined) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(
      new Date(t.epoch * 1000),
    );
    name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (zoneNames.size > 256) zoneNames.clear();
    zoneNames.set(hour, name);
  }
  return name;
}

type Piece = string | ((t: TimeStruct) => string);

const CODES: Record<string, (t: TimeStruct) => string> = {
  a: (t) => DAYS[t.tm_wday].slice(0, 3),
  A: (t) => DAYS[t.tm_wday],
  b: (t) => MONTHS[t.tm_mon - 1].slice(0, 3),
  h: (t) => MONTHS[t.tm_mon - 1].slice(0, 3),
  B: (t) => MONTHS[t.tm_mon - 1],
  c: (t) => strftime('%a %b %e %H:%M:%S %Y', t),
  C: (t) => two(Math.floor(t.tm_year / 100)),
  d: (t) => two(t.tm_mday),
  D: (t) => strftime('%m/%d/%y', t),
  e: (t) => spaced(t.tm_mday),
  F: (t) => strftime('%Y-%m-%d', t),
  G: (t) => String(isoWeek(t).year),
  g: (t) => two(isoWeek(t).year % 100),
  H: (t) => two(t.tm_hour),
  I: (t) => two(t.tm_hour % 12 === 0 ? 12 : t.tm_hour % 12),
  j: (t) => three(t.tm_yday),
  k: (t) => spaced(t.tm_hour),
  l: (t) => spaced(t.tm_hour % 12 === 0 ? 12 : t.tm_hour % 12),
  m: (t) => two(t.tm_mon),
  M: (t) => two(t.tm_min),
  n: () => '\n',
  p: (t) => (t.tm_hour < 12 ? 'AM' : 'PM'),
  P: (t) => (t.tm_hour < 12 ? 'am' : 'pm'),
  r: (t) => strftime('%I:%M:%S %p', t),
  R: (t) => strftime('%H:%M', t),
  s: (t) => String(t.epoch),
  S: (t) => two(t.tm_sec),
  t: () => '\t',
  T: (t) => strftime('%H:%M:%S', t),
  u: (t) => String(t.tm_wday + 1),
  U: (t) => two(Math.floor((t.tm_yday - 1 + 7 - ((t.tm_wday + 1) % 7)) / 7)),
  V: (t) => two(isoWeek(t).week),
  w: (t) => String((t.tm_wday + 1) % 7),
  W: (t) => two(Math.floor((t.tm_yday - 1 + 7 - t.tm_wday) / 7)),
  x: (t) => strftime('%m/%d/%y', t),
  X: (t) => strftime('%H:%M:%S', t),
  y: (t) => two(t.tm_year % 100),
  Y: (t) => String(t.tm_year),
  z: (t) => {
    const off = t.tm_gmtoff;
    const abs = Math.abs(off);
    return `${off < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}${two(Math.floor((abs % 3600) / 60))}`;
  },
  Z: zoneName,
  '%': () => '%',
};

const compiled = new Map<string, Piece[]>();

function compile(fmt: string): Piece[] {
  let pieces = compiled.get(fmt);
  if (pieces !== undefined) return pieces;
  pieces = [];
  let literal = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%' || i + 1 >= fmt.length) {
      literal += ch;
      continue;
    }
    const code = CODES[fmt[i + 1]];
    if (code === undefined) {
      // glibc leaves an unknown conversion as it is.
      literal += ch + fmt[i + 1];
    } else {
      if (literal !== '') pieces.push(literal);
      literal = '';
      pieces.push(code);
    }
    i++;
  }
  if (literal !== '') pieces.push(literal);
  if (compiled.size > 256) compiled.clear();
  compiled.set(fmt, pieces);
  return pieces;
}

/** Python's `time.strftime(format, t)` in the C locale. */
export function strftime(fmt: string, t: TimeStruct = localtime()): string {
  const pieces = compile(fmt);
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    out += typeof p === 'string' ? p : p(t);
  }
  return out;
}
