import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Caller location for records (Python's `Logger.findCaller`): which frame called the
 * logging method, skipping this package's own frames, then `stacklevel - 1` more.
 *
 * Capturing is split in two: `captureSite()` takes V8's raw stack (cheap-ish, no string
 * work) at log time; `resolveSite()` turns it into file/line/function only when someone
 * reads `record.lineno` or friends.
 */

/** Where a record was logged from. */
export interface CallerInfo {
  pathname: string;
  filename: string;
  module: string;
  lineno: number;
  funcName: string;
}

/** Holds an un-formatted V8 stack until needed. */
export interface CapturedSite {
  stack?: unknown;
}

const OWN_DIR = dirname(fileURLToPath(import.meta.url));
const OTHER_COPY = /[\\/]@backchannel[\\/]logging[\\/]dist[\\/]src[\\/]/;

interface V8CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  isNative(): boolean;
}

function filePath(file: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : file;
}

function isInternal(file: string | null | undefined): boolean {
  if (file === null || file === undefined) return true;
  const path = filePath(file);
  if (path.startsWith(OWN_DIR)) return true;
  if (OTHER_COPY.test(path)) return true;
  return false;
}

/** Capture the current stack without formatting it. */
export function captureSite(): CapturedSite {
  const holder: CapturedSite = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  Error.captureStackTrace(holder, captureSite);
  Error.stackTraceLimit = limit;
  return holder;
}

function callSites(site: CapturedSite): V8CallSite[] {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_err, frames) => frames;
  try {
    const frames = site.stack;
    return Array.isArray(frames) ? (frames as V8CallSite[]) : [];
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

/** What Python reports when it cannot find the caller. */
export function unknownCaller(): CallerInfo {
  return {
    pathname: '(unknown file)',
    filename: '(unknown file)',
    module: 'Unknown module',
    lineno: 0,
    funcName: '(unknown function)',
  };
}

/** Build a `CallerInfo` from a path, as `LogRecord.__init__` does. */
export function callerFromPath(pathname: string, lineno: number, funcName: string | null): CallerInfo {
  const filename = basename(pathname);
  const ext = extname(filename);
  return {
    pathname,
    filename,
    module: ext === '' ? filename : filename.slice(0, -ext.length),
    lineno,
    funcName: funcName ?? '(unknown function)',
  };
}

function frameFunction(frame: V8CallSite): string {
  const fn = frame.getFunctionName();
  if (fn) return fn;
  const method = frame.getMethodName();
  if (method) return method;
  return '<module>';
}

/**
 * Resolve the caller: the `stacklevel`-th frame outside this package (1 = whoever called
 * `logger.info`). With `withStack`, also Python's "Stack (most recent call last):" text.
 */
export function resolveSite(
  site: CapturedSite,
  stacklevel: number,
  withStack: boolean,
): { caller: CallerInfo; stack: string | null } {
  const frames = callSites(site);
  let index = -1;
  let remaining = Math.max(1, stacklevel);
  for (let i = 0; i < frames.length; i++) {
    if (isInternal(frames[i].getFileName())) continue;
    index = i;
    remaining--;
    if (remaining === 0) break;
  }
  if (index < 0) return { caller: unknownCaller(), stack: null };
  const frame = frames[index];
  const caller = callerFromPath(
    filePath(frame.getFileName()!),
    frame.getLineNumber() ?? 0,
    frameFunction(frame),
  );
  let stack: string | null = null;
  if (withStack) {
    const lines = ['Stack (most recent call last):'];
    for (let i = frames.length - 1; i >= index; i--) {
      const f = frames[i];
      const file = f.getFileName();
      if (file === null || file === undefined) continue;
      lines.push(`  File "${filePath(file)}", line ${f.getLineNumber() ?? 0}, in ${frameFunction(f)}`);
    }
    stack = lines.join('\n');
  }
  return { caller, stack };
}
