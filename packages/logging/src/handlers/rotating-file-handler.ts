import { existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { FileHandler } from '../file-handler.js';
import type { FileSink } from '../file-sink.js';
import type { Level } from '../levels.js';
import type { LogRecord } from '../record.js';

/**
 * Python's `BaseRotatingHandler`: a FileHandler that can roll its file over. Set `namer`
 * to change backup names and `rotator` to change how the file is moved (e.g. compress).
 */
export abstract class BaseRotatingHandler extends FileHandler {
  /** Python's `namer(default_name)`; `null` keeps the default name. */
  namer: ((defaultName: string) => string) | null = null;
  /** Python's `rotator(source, dest)`; `null` renames. */
  rotator: ((source: string, dest: string) => void) | null = null;
  /** @internal bytes in the file (on disk plus queued); set by `_open()` (no initialiser: it would run after the constructor opened the file). */
  declare position: number;

  abstract shouldRollover(record: LogRecord): boolean;
  abstract doRollover(): void;

  /** Python's `rotation_filename(default_name)`. */
  rotation_filename(defaultName: string): string {
    return this.namer === null ? defaultName : this.namer(defaultName);
  }

  /** Python's `rotate(source, dest)`: the rotator, or a rename when the source exists. */
  rotate(source: string, dest: string): void {
    if (this.rotator !== null) this.rotator(source, dest);
    else if (existsSync(source)) renameSync(source, dest);
  }

  override _open(): FileSink {
    const sink = super._open();
    try {
      this.position = statSync(this.baseFilename).size;
    } catch {
      this.position = 0;
    }
    return sink;
  }

  /** @internal write text that is already formatted, rolling over first when due. */
  protected writeText(text: string): void {
    if (this.sink === null) {
      this.sink = this._open();
      this.stream = this.sink;
    }
    this.sink.write(text);
    this.position += Buffer.byteLength(text, this.encoding);
    if (this._closed) this.sink.flushSync();
  }

  override emit(record: LogRecord): void {
    this.lastRecord = record;
    try {
      if (this.shouldRollover(record)) this.doRollover();
      this.writeText(this.format(record) + this.terminator);
    } catch (err) {
      this.handleError(record, err);
    }
  }
}

/** Keyword options of `RotatingFileHandler` (Python's names). */
export interface RotatingFileHandlerOptions {
  filename: string;
  mode?: string;
  /** Roll over when the file would reach this size; 0 (default) never. */
  maxBytes?: number;
  /** How many `.1 .2 …` backups to keep; 0 (default) means the file is never rolled over. */
  backupCount?: number;
  encoding?: BufferEncoding | null;
  delay?: boolean;
  errors?: string | null;
  level?: Level;
}

/**
 * Python's `RotatingFileHandler`: when the next record would take the file to `maxBytes`,
 * `app.log` becomes `app.log.1`, `app.log.1` becomes `app.log.2` … up to `backupCount`.
 */
export class RotatingFileHandler extends BaseRotatingHandler {
  maxBytes: number;
  backupCount: number;

  /** `new RotatingFileHandler(filename, mode?, maxBytes?, backupCount?, encoding?, delay?)` or an options object. */
  constructor(
    filename: string | RotatingFileHandlerOptions,
    mode = 'a',
    maxBytes = 0,
    backupCount = 0,
    encoding: BufferEncoding | null = null,
    delay = false,
    errors: string | null = null,
  ) {
    const o: RotatingFileHandlerOptions =
      typeof filename === 'string'
        ? { filename, mode, maxBytes, backupCount, encoding, delay, errors }
        : filename;
    const max = o.maxBytes ?? 0;
    super({ ...o, mode: max > 0 ? 'a' : (o.mode ?? 'a') });
    this.maxBytes = max;
    this.backupCount = o.backupCount ?? 0;
  }

  /** Python 3.13: never for an empty file; otherwise when this record would reach `maxBytes`. */
  shouldRollover(record: LogRecord): boolean {
    return this.wouldOverflow(this.format(record) + this.terminator);
  }

  private wouldOverflow(text: string): boolean {
    if (this.maxBytes <= 0) return false;
    if (this.sink === null) {
      this.sink = this._open();
      this.stream = this.sink;
    }
    if (this.position === 0) return false;
    if (this.position + Buffer.byteLength(text, this.encoding) < this.maxBytes) return false;
    try {
      if (!statSync(this.baseFilename).isFile()) return false;
    } catch {
      // missing file: rolling over is harmless
    }
    return true;
  }

  override emit(record: LogRecord): void {
    this.lastRecord = record;
    try {
      const text = this.format(record) + this.terminator;
      if (this.wouldOverflow(text)) this.doRollover();
      this.writeText(text);
    } catch (err) {
      this.handleError(record, err);
    }
  }

  /** Python's `doRollover()`: shift the backups and start a new file. */
  doRollover(): void {
    if (this.sink !== null) {
      this.sink.close();
      this.sink = null;
      this.stream = null;
    }
    if (this.backupCount > 0) {
      for (let i = this.backupCount - 1; i > 0; i--) {
        const sfn = this.rotation_filename(`${this.baseFilename}.${i}`);
        const dfn = this.rotation_filename(`${this.baseFilename}.${i + 1}`);
        if (existsSync(sfn)) {
          if (existsSync(dfn)) unlinkSync(dfn);
          renameSync(sfn, dfn);
        }
      }
      const dfn = this.rotation_filename(`${this.baseFilename}.1`);
      if (existsSync(dfn)) unlinkSync(dfn);
      this.rotate(this.baseFilename, dfn);
    }
    this.position = 0;
    if (!this.delay) {
      this.sink = this._open();
      this.stream = this.sink;
    }
  }
}
