import { Formatter } from './formatter.js';
import { quoteJson } from './json-quote.js';
import type { LogRecord } from './record.js';
import { BASE_KEY_COUNT } from './record.js';
import { repr } from './value-text.js';

/** Options of `JsonFormatter`; every one has a default. */
export interface JsonFormatterOptions {
  /** Output key names. Defaults: `time`, `level`, `name`, `message`. */
  keys?: { time?: string; level?: string; name?: string; message?: string };
  /** `'iso'` (default: `2026-11-26T10:00:00.123Z`, UTC), `'epoch'` (seconds, float) or `false` (none). */
  timestamp?: 'iso' | 'epoch' | false;
  /** More record attributes to include, e.g. `['process', 'lineno', 'funcName']`. Default none. */
  fields?: readonly string[];
  /** Constant fields written into every line, e.g. `{ service: 'api' }`. Default none. */
  static?: Readonly<Record<string, unknown>>;
  /**
   * python-json-logger style: the `%(name)s` fields of this format become the keys, in
   * order, under their Python names (`asctime`, `levelname`, `message`, …); replaces
   * `keys` and `timestamp`. `format` is accepted as an alias (dictConfig's key). Default none.
   */
  fmt?: string | null;
  format?: string | null;
  /** strftime format for `asctime` when `fmt` uses it. Default: Python's default. */
  datefmt?: string | null;
}

const CALLER = new Set(['pathname', 'filename', 'module', 'lineno', 'funcName']);

function jsonValue(value: unknown): string | undefined {
  if (typeof value === 'string') return quoteJson(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Error) return JSON.stringify(String(value));
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(repr(value));
  }
}

/**
 * One JSON object per record, for log collectors:
 * `{"time":"…","level":"INFO","name":"api.http","message":"…", …extra}`, then
 * `exc_info` and `stack_info` text when present. Every attribute added to the record by
 * `extra` (or by a filter) is included; values that are not JSON become strings.
 */
export class JsonFormatter extends Formatter {
  readonly options: JsonFormatterOptions;
  private readonly timestamp: 'iso' | 'epoch' | false;
  /** `{"time":` (or `{` without a timestamp). */
  private readonly open: string;
  /** `,"level":` (or `"level":` without a timestamp). */
  private readonly levelKey: string;
  private readonly nameKey: string;
  private readonly messageKey: string;
  private readonly tail: string;
  private readonly fields: readonly string[];
  private isoSecond = Number.NaN;
  private isoPrefix = '';
  private lastName = '';
  private lastNameJson = '""';
  private lastLevel = '';
  private lastLevelJson = '""';
  /** Keys from a python-json-logger style `fmt`, or `null`. */
  private readonly fmtKeys: readonly string[] | null;

  /** `new JsonFormatter(options?)`, or `new JsonFormatter('%(asctime)s %(levelname)s %(message)s')` as python-json-logger. */
  constructor(options: JsonFormatterOptions | string = {}) {
    super();
    if (typeof options === 'string') options = { fmt: options };
    this.options = options;
    const fmt = options.fmt ?? options.format ?? null;
    this.fmtKeys = fmt === null ? null : [...fmt.matchAll(/%\((\w+)\)/g)].map((m) => m[1]);
    this.datefmt = options.datefmt ?? null;
    const keys = options.keys ?? {};
    this.timestamp = options.timestamp ?? 'iso';
    this.open = this.timestamp === false ? '{' : `{${JSON.stringify(keys.time ?? 'time')}:`;
    this.levelKey = `${this.timestamp === false ? '' : ','}${JSON.stringify(keys.level ?? 'level')}:`;
    this.nameKey = `,${JSON.stringify(keys.name ?? 'name')}:`;
    this.messageKey = `,${JSON.stringify(keys.message ?? 'message')}:`;
    let tail = '';
    for (const [k, v] of Object.entries(options.static ?? {})) {
      const j = jsonValue(v);
      if (j !== undefined) tail += `,${JSON.stringify(k)}:${j}`;
    }
    this.tail = tail;
    this.fields = options.fields ?? [];
  }

  override usesTime(): boolean {
    return false;
  }

  override usesCaller(): boolean {
    return this.fields.some((f) => CALLER.has(f)) || (this.fmtKeys?.some((f) => CALLER.has(f)) ?? false);
  }

  private iso(record: LogRecord): string {
    const second = Math.floor(record.created);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const ms = Math.trunc(record.msecs);
    return `${this.isoPrefix}${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`;
  }

  override format(record: LogRecord): string {
    const message = record.getMessage();
    record.message = message;
    const view = record as unknown as Record<string, unknown>;
    let out: string;
    if (this.fmtKeys !== null) {
      out = '{';
      for (const key of this.fmtKeys) {
        const value = key === 'asctime' ? this.formatTime(record, this.datefmt) : view[key];
        if (key === 'asctime') record.asctime = value as string;
        const j = jsonValue(value);
        if (j !== undefined) out += `${out === '{' ? '' : ','}${quoteJson(key)}:${j}`;
      }
      if (out === '{') out += `"message":${quoteJson(message)}`;
    } else {
      out = this.open;
      if (this.timestamp === 'iso') out += `"${this.iso(record)}"`;
      else if (this.timestamp === 'epoch') out += String(record.created);
      if (record.levelname !== this.lastLevel) {
        this.lastLevel = record.levelname;
        this.lastLevelJson = quoteJson(record.levelname);
      }
      if (record.name !== this.lastName) {
        this.lastName = record.name;
        this.lastNameJson = quoteJson(record.name);
      }
      out += `${this.levelKey}${this.lastLevelJson}${this.nameKey}${this.lastNameJson}${this.messageKey}${quoteJson(message)}`;
    }
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const j = jsonValue(view[fields[i]]);
      if (j !== undefined) out += `,${JSON.stringify(fields[i])}:${j}`;
    }
    const keys = Object.keys(record);
    for (let i = BASE_KEY_COUNT; i < keys.length; i++) {
      const k = keys[i];
      const j = jsonValue(view[k]);
      if (j !== undefined) out += `,${JSON.stringify(k)}:${j}`;
    }
    out += this.tail;
    if (record.exc_info !== null && record.exc_info !== undefined && record.exc_info !== false) {
      if (!record.exc_text) record.exc_text = this.formatException(record.exc_info);
    }
    if (record.exc_text) out += `,"exc_info":${JSON.stringify(record.exc_text)}`;
    if (record.stack_info) out += `,"stack_info":${JSON.stringify(record.stack_info)}`;
    return `${out}}`;
  }
}
