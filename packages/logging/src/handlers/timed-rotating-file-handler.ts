import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LoggingError } from '../errors.js';
import type { Level } from '../levels.js';
import type { LogRecord } from '../record.js';
import { gmtime, localtime, strftime } from '../strftime.js';
import { BaseRotatingHandler } from './rotating-file-handler.js';

const MIDNIGHT = 24 * 60 * 60;

/** A time of day for `atTime` (Python's `datetime.time`). */
export interface TimeOfDay {
  hour: number;
  minute?: number;
  second?: number;
}

/** Keyword options of `TimedRotatingFileHandler` (Python's names). */
export interface TimedRotatingFileHandlerOptions {
  filename: string;
  /** `'S'`, `'M'`, `'H'` (default), `'D'`, `'MIDNIGHT'`, or `'W0'`–`'W6'` (Monday–Sunday); any case. */
  when?: string;
  /** Multiples of `when`. Default 1. */
  interval?: number;
  /** Backups to keep; 0 (default) keeps all. */
  backupCount?: number;
  encoding?: BufferEncoding | null;
  delay?: boolean;
  /** Use UTC for the rollover times and suffixes. Default `false` (local time). */
  utc?: boolean;
  /** Time of day to roll over for `'MIDNIGHT'` and `'W*'`. Default midnight. */
  atTime?: TimeOfDay | null;
  errors?: string | null;
  level?: Level;
}

/**
 * Python's `TimedRotatingFileHandler`: rolls `app.log` over to `app.log.2026-11-26`
 * (suffix per `when`: `%Y-%m-%d_%H-%M-%S`, `%Y-%m-%d_%H-%M`, `%Y-%m-%d_%H`, `%Y-%m-%d`)
 * on a schedule, keeping `backupCount` backups.
 */
export class TimedRotatingFileHandler extends BaseRotatingHandler {
  when: string;
  backupCount: number;
  utc: boolean;
  atTime: TimeOfDay | null;
  interval: number;
  suffix: string;
  extMatch: RegExp;
  dayOfWeek = 0;
  rolloverAt: number;

  /** `new TimedRotatingFileHandler(filename, when?, interval?, backupCount?, encoding?, delay?, utc?, atTime?)` or an options object. */
  constructor(
    filename: string | TimedRotatingFileHandlerOptions,
    when = 'h',
    interval = 1,
    backupCount = 0,
    encoding: BufferEncoding | null = null,
    delay = false,
    utc = false,
    atTime: TimeOfDay | null = null,
    errors: string | null = null,
  ) {
    const o: TimedRotatingFileHandlerOptions =
      typeof filename === 'string'
        ? { filename, when, interval, backupCount, encoding, delay, utc, atTime, errors }
        : filename;
    super({ ...o, mode: 'a' });
    this.when = (o.when ?? 'h').toUpperCase();
    this.backupCount = o.backupCount ?? 0;
    this.utc = o.utc ?? false;
    this.atTime = o.atTime ?? null;
    const n = o.interval ?? 1;
    if (n <= 0) {
      throw new LoggingError(
        'LOGGING_BAD_ARGUMENT',
        'ValueError',
        `Invalid rollover interval, must be a positive integer: ${n}`,
      );
    }
    let base: number;
    let ext: string;
    switch (this.when) {
      case 'S':
        base = 1;
        this.suffix = '%Y-%m-%d_%H-%M-%S';
        ext = '\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}';
        break;
      case 'M':
        base = 60;
        this.suffix = '%Y-%m-%d_%H-%M';
        ext = '\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}';
        break;
      case 'H':
        base = 60 * 60;
        this.suffix = '%Y-%m-%d_%H';
        ext = '\\d{4}-\\d{2}-\\d{2}_\\d{2}';
        break;
      case 'D':
      case 'MIDNIGHT':
        base = MIDNIGHT;
        this.suffix = '%Y-%m-%d';
        ext = '\\d{4}-\\d{2}-\\d{2}';
        break;
      default: {
        // CPython 3.13 Lib/logging/handlers.py, TimedRotatingFileHandler.__init__ (the 'W' branch).
        let message: string | null = null;
        if (!this.when.startsWith('W')) message = `Invalid rollover interval specified: ${this.when}`;
        else if (this.when.length !== 2)
          message = `You must specify a day for weekly rollover from 0 to 6 (0 is Monday): ${this.when}`;
        else if (this.when[1]! < '0' || this.when[1]! > '6')
          message = `Invalid day specified for weekly rollover: ${this.when}`;
        if (message !== null) throw new LoggingError('LOGGING_BAD_ARGUMENT', 'ValueError', message);
        base = MIDNIGHT * 7;
        this.dayOfWeek = Number(this.when[1]);
        this.suffix = '%Y-%m-%d';
        ext = '\\d{4}-\\d{2}-\\d{2}';
      }
    }
    // As CPython 3.13: the date may sit anywhere in a custom name, but not inside a longer number.
    this.extMatch = new RegExp(`(?<!\\d)${ext}(?!\\d)`);
    this.interval = base * n;
    let t: number;
    try {
      t = Math.trunc(statSync(this.baseFilename).mtimeMs / 1000);
    } catch {
      t = Math.trunc(this._now());
    }
    this.rolloverAt = this.computeRollover(t);
  }

  /** Seconds since the epoch; a seam for tests. */
  _now(): number {
    return Date.now() / 1000;
  }

  /** Python's `computeRollover(currentTime)`: the next rollover time in seconds. */
  computeRollover(currentTime: number): number {
    let result = currentTime + this.interval;
    if (this.when === 'MIDNIGHT' || this.when.startsWith('W')) {
      const t = this.utc ? gmtime(currentTime) : localtime(currentTime);
      let currentDay = t.tm_wday;
      const rotateTs =
        this.atTime === null
          ? MIDNIGHT
          : (this.atTime.hour * 60 + (this.atTime.minute ?? 0)) * 60 + (this.atTime.second ?? 0);
      let r = rotateTs - ((t.tm_hour * 60 + t.tm_min) * 60 + t.tm_sec);
      if (r <= 0) {
        r += MIDNIGHT;
        currentDay = (currentDay + 1) % 7;
      }
      result = currentTime + r;
      if (this.when.startsWith('W')) {
        const day = currentDay;
        if (day !== this.dayOfWeek) {
          const daysToWait = day < this.dayOfWeek ? this.dayOfWeek - day : 6 - day + this.dayOfWeek + 1;
          result += daysToWait * MIDNIGHT;
        }
        result += this.interval - MIDNIGHT * 7;
      } else {
        result += this.interval - MIDNIGHT;
      }
      if (!this.utc) {
        const dstNow = t.tm_isdst;
        const dstAtRollover = localtime(result).tm_isdst;
        if (dstNow !== dstAtRollover) {
          // DST starts before the next rollover: an hour earlier, unless that hour is not in DST either.
          if (!dstNow) result += localtime(result - 3600).tm_isdst ? -3600 : 0;
          else result += 3600;
        }
      }
    }
    return result;
  }

  /** Python's `shouldRollover(record)`: the rollover time has passed (and the file is a regular file). */
  shouldRollover(_record: LogRecord): boolean {
    const t = Math.trunc(this._now());
    if (t < this.rolloverAt) return false;
    try {
      if (!statSync(this.baseFilename).isFile()) {
        this.rolloverAt = this.computeRollover(t);
        return false;
      }
    } catch {
      // missing: roll over anyway (a new file is opened)
    }
    return true;
  }

  /** Python's `getFilesToDelete()`: the oldest backups beyond `backupCount`. */
  getFilesToDelete(): string[] {
    const dir = dirname(this.baseFilename);
    const prefix = `${basename(this.baseFilename)}.`;
    const whole = new RegExp(`^(?:${this.extMatch.source})$`);
    const anywhere = new RegExp(this.extMatch.source, 'g');
    const result: string[] = [];
    for (const name of readdirSync(dir)) {
      if (this.namer === null) {
        if (name.startsWith(prefix) && whole.test(name.slice(prefix.length))) result.push(join(dir, name));
        continue;
      }
      // A custom name: find a date in it that this handler's namer turns into exactly this name.
      for (let from = 0; from <= name.length; ) {
        anywhere.lastIndex = from;
        const m = anywhere.exec(name);
        if (m === null) break;
        if (basename(this.namer(`${this.baseFilename}.${m[0]}`)) === name) {
          result.push(join(dir, name));
          break;
        }
        from = m.index + 1;
      }
    }
    if (result.length < this.backupCount) return [];
    result.sort();
    return result.slice(0, result.length - this.backupCount);
  }

  /** Python's `doRollover()`: rename to the dated name, prune old backups, start a new file. */
  doRollover(): void {
    const currentTime = Math.trunc(this._now());
    const t = this.rolloverAt - this.interval;
    let timeTuple = this.utc ? gmtime(t) : localtime(t);
    if (!this.utc) {
      const dstNow = localtime(currentTime).tm_isdst;
      if (dstNow !== timeTuple.tm_isdst) timeTuple = localtime(t + (dstNow ? 3600 : -3600));
    }
    const dfn = this.rotation_filename(`${this.baseFilename}.${strftime(this.suffix, timeTuple)}`);
    if (existsSync(dfn)) {
      // Already rolled over (another process, or a restart within the interval): keep that
      // file and go on appending to the current one, as CPython 3.13 does. Unlike CPython,
      // which keeps retrying the same name on every record, schedule the next rollover.
      let again = this.computeRollover(currentTime);
      while (again <= currentTime) again += this.interval;
      this.rolloverAt = again;
      return;
    }
    if (this.sink !== null) {
      this.sink.close();
      this.sink = null;
      this.stream = null;
    }
    this.rotate(this.baseFilename, dfn);
    if (this.backupCount > 0) {
      for (const s of this.getFilesToDelete()) unlinkSync(s);
    }
    this.position = 0;
    if (!this.delay) {
      this.sink = this._open();
      this.stream = this.sink;
    }
    let next = this.computeRollover(currentTime);
    while (next <= currentTime) next += this.interval;
    this.rolloverAt = next;
  }
}
