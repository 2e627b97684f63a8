import type { LogRecord } from '../src/index.js';
import { Handler } from '../src/index.js';

/** A stream that keeps what is written to it. */
export class StringStream {
  chunks: string[] = [];
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** A handler that keeps records and their formatted text, and the errors it reported. */
export class ListHandler extends Handler {
  records: LogRecord[] = [];
  formatted: string[] = [];
  errors: unknown[] = [];
  override emit(record: LogRecord): void {
    this.records.push(record);
    try {
      this.formatted.push(this.format(record));
    } catch (err) {
      this.handleError(record, err);
    }
  }
  override handleError(_record: LogRecord, error?: unknown): void {
    this.errors.push(error);
  }
}

let counter = 0;
/** A logger name no other test uses. */
export function uniqueName(prefix = 't'): string {
  counter++;
  return `${prefix}${counter}x${process.pid}`;
}
