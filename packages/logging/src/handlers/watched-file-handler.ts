import { statSync } from 'node:fs';
import { FileHandler } from '../file-handler.js';
import type { LogRecord } from '../record.js';

/**
 * Python's `WatchedFileHandler`: before each record, checks whether the file was moved or
 * deleted (device/inode changed) — by logrotate, say — and if so re-opens the path.
 * Costs one `stat` per record.
 */
export class WatchedFileHandler extends FileHandler {
  // Set by _open(), which FileHandler's constructor calls: no field initialisers here,
  // they would run after it and reset the values.
  declare dev: number;
  declare ino: number;

  override _open() {
    const sink = super._open();
    this.statStream(sink.fd);
    return sink;
  }

  private statStream(fd: number | null): void {
    if (fd === null) return;
    try {
      const st = statSync(this.baseFilename);
      this.dev = st.dev;
      this.ino = st.ino;
    } catch {
      this.dev = this.ino = -1;
    }
  }

  /** Python's `reopenIfNeeded()`: re-open when the path no longer names the open file. */
  reopenIfNeeded(): void {
    if (this.sink === null) return;
    let changed = false;
    try {
      const st = statSync(this.baseFilename);
      changed = st.dev !== this.dev || st.ino !== this.ino;
    } catch {
      changed = true;
    }
    if (!changed) return;
    this.sink.close();
    this.sink = this._open();
    this.stream = this.sink;
  }

  override emit(record: LogRecord): void {
    try {
      this.reopenIfNeeded();
    } catch (err) {
      this.handleError(record, err);
      return;
    }
    super.emit(record);
  }
}
