/** What a case produced: its standard output, standard error, and the files it left behind. */
export interface CaseOutput {
  stdout: string;
  stderr: string;
  /** Files in the case's working directory after logging shut down, by relative path. */
  files: Record<string, string>;
}

/** An expectation set by hand, with the reason it cannot come from running `python3`. */
export interface HandSetExpectation {
  /** Where the behaviour is defined, e.g. `CPython 3.13 Lib/logging/handlers.py:441`. */
  cite: string;
  /** The parts of the output that differ from what `python3` printed. */
  expected: Partial<CaseOutput>;
}

/** A deliberate difference from CPython: why, and what the port prints instead. */
export interface Deviation {
  reason: string;
  ours: Partial<CaseOutput>;
}

/**
 * One conformance case: a Python snippet and its TypeScript translation. Both run with
 * the working directory set to a fresh empty folder and `TZ=UTC`; their outputs must match
 * (after `normalize`), except where a hand-set CPython 3.13 expectation or a recorded
 * deviation says otherwise.
 */
export interface ConformanceCase {
  /** Short name, unique within its test class. */
  name: string;
  /** Python source; `logging`, `logging.handlers`, `logging.config`, `sys`, `os`, `io`, `time` and `queue` are imported. */
  python: string;
  /** The translation. May be async (it is awaited before logging shuts down). */
  run: () => void | Promise<void>;
  /** Applied to both outputs before they are compared (e.g. to drop stack frames). */
  normalize?: (text: string) => string;
  /** Where CPython 3.13 differs from the `python3` (3.11) this machine runs. */
  cpython313?: HandSetExpectation;
  deviation?: Deviation;
}

/** A group of cases named after a test class of CPython's `Lib/test/test_logging.py`. */
export interface ConformanceClass {
  name: string;
  cases: ConformanceCase[];
}

/** Dedent a Python snippet written inside a template literal. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.raw.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  // Raw text keeps Python's backslashes; only the template's own escapes are undone.
  text = text.replace(/\\`/g, '`').replace(/\\\$/g, '$');
  const lines = text.split('\n');
  while (lines.length > 0 && lines[0].trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return `${lines.map((l) => l.slice(indent)).join('\n')}\n`;
}

function pyText(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return String(value);
}

/** Python's `repr` for the plain values the cases print (strings, numbers, booleans, lists). */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') {
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  return pyText(value);
}

/** Python's `print(*values)`: `str` of each, space-separated, newline-terminated, to stdout. */
export function print(...values: unknown[]): void {
  process.stdout.write(`${values.map(pyText).join(' ')}\n`);
}
