import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

/** Bytes (UTF-16 code units) buffered before a write is forced inside the log call. */
const HIGH_WATER = 256 * 1024;

/**
 * A buffered writer for one file descriptor. `write()` only appends to a string; the
 * batch is written with one `write(2)` on the next turn of the event loop (or at once
 * past 256 KiB). There is never a write in flight, so `flushSync()` — run by
 * `shutdown()` at process exit — always leaves the file complete and in order.
 */
export class FileSink {
  readonly path: string;
  readonly flags: string;
  readonly encoding: BufferEncoding;
  fd: number | null = null;
  private buffer = '';
  private scheduled = false;
  private readonly flushLater: () => void;
  /** Told about a failed background write (the batch is dropped, as Python loses the records). */
  onError: (err: unknown) => void = () => {};

  constructor(path: string, flags: string, encoding: BufferEncoding = 'utf8', open = true) {
    this.path = path;
    this.flags = flags;
    this.encoding = encoding;
    this.flushLater = () => {
      this.scheduled = false;
      this.flushQuietly();
    };
    if (open) this.open();
  }

  private flushQuietly(): void {
    try {
      this.flushSync();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Open (or re-open) the file with this sink's flags. @throws the `fs` error (ENOENT, EACCES…). */
  open(): void {
    if (this.fd === null) this.fd = openSync(this.path, this.flags, 0o666);
  }

  /** Queue text; it reaches the file within one event-loop turn. */
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= HIGH_WATER) {
      this.flushQuietly();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater).unref();
    }
  }

  /** Bytes queued but not yet written (an estimate for rotation checks). */
  pendingBytes(): number {
    return Buffer.byteLength(this.buffer, this.encoding);
  }

  /** Write everything queued now. @throws the `fs` error. */
  flushSync(): void {
    if (this.buffer === '') return;
    if (this.fd === null) this.open();
    const bytes = Buffer.from(this.buffer, this.encoding);
    this.buffer = '';
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd!, bytes, offset);
  }

  /** Alias so the sink can be used as a stream by `StreamHandler.flush()`. */
  flush(): void {
    this.flushSync();
  }

  /** Size of the file on disk plus what is queued. */
  size(): number {
    if (this.fd === null) return 0;
    return fstatSync(this.fd).size + this.pendingBytes();
  }

  /** Flush and close the descriptor (the sink may be opened again with `open()`). */
  close(): void {
    try {
      this.flushSync();
    } finally {
      if (this.fd !== null) {
        closeSync(this.fd);
        this.fd = null;
      }
    }
  }
}
