import { closeSync, openSync } from 'node:fs';
import { WriterClient } from './writer-thread.js';

/** Bytes (UTF-16 code units) buffered before a write is forced inside the log call. */
const HIGH_WATER = 256 * 1024;

/**
 * A buffered writer for one file descriptor. `write()` only appends to a string; the
 * batch is handed to the writer thread on the next turn of the event loop (or at once
 * past 256 KiB), which writes it with `write(2)`. `flushSync()` — run by `shutdown()` at
 * process exit — hands over what is left and waits until the thread has written
 * everything, so the file is complete and in order.
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
  private readonly writer: WriterClient;

  constructor(path: string, flags: string, encoding: BufferEncoding = 'utf8', open = true) {
    this.path = path;
    this.flags = flags;
    this.encoding = encoding;
    this.writer = new WriterClient((err) => this.onError(err));
    this.flushLater = () => {
      this.scheduled = false;
      this.flushQuietly();
    };
    if (open) this.open();
  }

  /** Hand the batch to the writer thread without waiting. */
  private flushQuietly(): void {
    try {
      this.handOver();
    } catch (err) {
      this.onError(err);
    }
  }

  private handOver(): void {
    if (this.buffer === '') return;
    if (this.fd === null) this.open();
    const text = this.buffer;
    this.buffer = '';
    this.writer.write(this.fd!, text, this.encoding);
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

  /**
   * Write everything queued and wait until it is on its way to disk (written by the
   * thread). @throws the `fs` error opening the file.
   */
  flushSync(): void {
    this.handOver();
    this.writer.waitIdle();
  }

  /** Alias so the sink can be used as a stream by `StreamHandler.flush()`. */
  flush(): void {
    this.flushSync();
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
