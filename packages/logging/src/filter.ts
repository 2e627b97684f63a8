import type { LogRecord } from './record.js';

/** What a filter may return: falsy drops the record, a record replaces it (Python 3.12). */
export type FilterResult = boolean | LogRecord | null | undefined | number;

/** An object with a `filter(record)` method, or a plain function (Python 3.2+). */
export type FilterLike = { filter(record: LogRecord): FilterResult } | ((record: LogRecord) => FilterResult);

/**
 * Python's `logging.Filter`: passes records from the logger named `name` and its
 * descendants (`'a.b'` passes `'a.b'` and `'a.b.c'`, not `'a.bc'`); `''` passes all.
 */
export class Filter {
  readonly name: string;
  readonly nlen: number;
  constructor(name = '') {
    this.name = name;
    this.nlen = name.length;
  }
  filter(record: LogRecord): FilterResult {
    if (this.nlen === 0) return true;
    if (this.name === record.name) return true;
    if (!record.name.startsWith(this.name)) return false;
    return record.name[this.nlen] === '.';
  }
}

/** Python's `Filterer`: the filter list shared by loggers and handlers. */
export class Filterer {
  filters: FilterLike[] = [];

  addFilter(filter: FilterLike): void {
    if (!this.filters.includes(filter)) this.filters.push(filter);
  }

  removeFilter(filter: FilterLike): void {
    const i = this.filters.indexOf(filter);
    if (i >= 0) this.filters.splice(i, 1);
  }

  /**
   * Apply every filter in order: `false` as soon as one rejects, otherwise the record
   * (possibly replaced by a filter that returned a new one).
   */
  filter(record: LogRecord): LogRecord | false {
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i];
      const result = typeof f === 'function' ? f(record) : f.filter(record);
      if (!result) return false;
      if (typeof result === 'object') record = result;
    }
    return record;
  }
}
