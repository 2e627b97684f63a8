import { resolve } from 'node:path';
import { FileSink } from './file-sink.js';
import { StreamHandler } from './handler.js';
import type { Level } from './levels.js';
import { levelNameOf } from './levels.js';
import type { LogRecord } from './record.js';
import { liveHandlers } from './shutdown.js';

/** Keyword options of `FileHandler` (Python's keyword arguments). */
export interface FileHandlerOptions {
  filename: string;
  /** `'a'` (default) appends, `'w'` truncates, `'x'` fails if the file exists. */
  mode?: string;
  /** Default `'utf8'`. */
  encoding?: BufferEncoding | null;
  /** Open the file on the first record instead of now. Default `false`. */
  delay?: boolean;
  /** Accepted for Python compatibility; Node always replaces unencodable characters. */
  errors?: string | null;
  level?: Level;
}

function fsFlags(mode: string): string {
  if (mode.includes('w')) return 'w';
  if (mode.includes('x')) return 'wx';
  return 'a';
}

/**
 * Python's `FileHandler`: appends formatted records to `baseFilename` (made absolute).
 * Writes are buffered and batched (one `write(2)` per event-loop turn); `flush()`,
 * `close()`, `shutdown()` and process exit write everything synchronously.
 */
export class FileHandler extends StreamHandler {
  readonly baseFilename: string;
  mode: string;
  encoding: BufferEncoding;
  delay: boolean;
  errors: string | null;
  /** @internal the buffered file; `null` while delayed or after `close()`. */
  sink: FileSink | null;

  /** `new FileHandler(filename, mode?, encoding?, delay?)` or `new FileHandler({ filename, … })`. */
  constructor(
    filename: string | FileHandlerOptions,
    mode = 'a',
    encoding: BufferEncoding | null = null,
    delay = false,
    errors: string | null = null,
  ) {
    const o: FileHandlerOptions =
      typeof filename === 'string' ? { filename, mode, encoding, delay, errors } : filename;
    super({ write: (_: string) => undefined });
    // Python's FileHandler has no stream until the file is opened.
    this.stream = null;
    this.baseFilename = resolve(o.filename);
    this.mode = o.mode ?? 'a';
    this.encoding = o.encoding ?? 'utf8';
    this.delay = o.delay ?? false;
    this.errors = o.errors ?? null;
    if (o.level !== undefined) this.setLevel(o.level);
    this.sink = null;
    if (!this.delay) {
      this.sink = this._open();
      this.stream = this.sink;
    }
  }

  /** @internal the last record written, named in reports of failed background writes. */
  lastRecord: LogRecord | null = null;

  /** Python's `_open()`: open the file with the handler's mode. @throws the `fs` error. */
  _open(): FileSink {
    return this.watch(new FileSink(this.baseFilename, fsFlags(this.mode), this.encoding));
  }

  /** @internal report a sink's failed background writes through `handleError`. */
  protected watch(sink: FileSink): FileSink {
    sink.onError = (err) => {
      if (this.lastRecord !== null) this.handleError(this.lastRecord, err);
    };
    return sink;
  }

  override emit(record: LogRecord): void {
    let sink = this.sink;
    if (sink === null) {
      if (this.mode === 'w' && this._closed) return;
      try {
        sink = this.sink = this._open();
        this.stream = sink;
      } catch (err) {
        this.handleError(record, err);
        return;
      }
    }
    let text: string;
    try {
      text = this.format(record) + this.terminator;
    } catch (err) {
      this.handleError(record, err);
      return;
    }
    this.lastRecord = record;
    sink.write(text);
    // After shutdown() (e.g. a record from a later 'exit' listener) there is no next
    // event-loop turn to write the batch: write it now.
    if (this._closed) sink.flushSync();
  }

  /** Write everything buffered now (synchronously). */
  override flush(): void {
    this.sink?.flushSync();
  }

  /** Flush and close the file. A later record re-opens it (Python does the same in append mode). */
  override close(): void {
    const sink = this.sink;
    this.sink = null;
    this.stream = null;
    try {
      sink?.close();
    } finally {
      super.close();
    }
  }

  /**
   * Close and re-open the file at `baseFilename` — call after an external tool
   * (logrotate) moved it, e.g. from `reopenOnSighup()`.
   */
  reopen(): void {
    const sink = this.sink;
    if (sink === null) return;
    sink.close();
    const fresh = this.watch(new FileSink(this.baseFilename, 'a', this.encoding));
    this.sink = fresh;
    this.stream = fresh;
  }

  override toString(): string {
    return `<${this.constructor.name} ${this.baseFilename} (${levelNameOf(this.level)})>`;
  }
}

/**
 * Re-open every file handler on SIGHUP (the signal logrotate's `postrotate` sends).
 * Installing a SIGHUP listener stops SIGHUP from terminating the process, so this is
 * opt-in. Returns a function that removes the listener.
 */
export function reopenOnSighup(): () => void {
  const onHup = () => {
    for (const h of liveHandlers()) {
      const maybe = h as unknown as { reopen?: () => void };
      if (typeof maybe.reopen === 'function') {
        try {
          maybe.reopen();
        } catch (err) {
          process.stderr.write(`--- Logging error on reopen ---\n${String(err)}\n`);
        }
      }
    }
  };
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGHUP', onHup);
  };
}
