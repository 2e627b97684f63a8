import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseOutput, ConformanceCase } from './case.js';

/** Every file under `dir`, by path relative to it, with its text. */
export function filesIn(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(path).isDirectory()) Object.assign(out, filesIn(path, rel));
    else out[rel] = readFileSync(path, 'utf8');
  }
  return out;
}

/** The output with the case's working directory replaced by `<dir>` and `normalize` applied. */
export function normalized(c: ConformanceCase, output: CaseOutput, dir: string): CaseOutput {
  const fix = (text: string): string => {
    const plain = text.split(dir).join('<dir>');
    return c.normalize === undefined ? plain : c.normalize(plain);
  };
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(output.files)) files[name] = fix(text);
  return { stdout: fix(output.stdout), stderr: fix(output.stderr), files };
}

/** What the port must print: the oracle's output, then hand-set 3.13 expectations, then the deviation. */
export function expectedOutput(c: ConformanceCase, oracle: CaseOutput): CaseOutput {
  return { ...oracle, ...c.cpython313?.expected, ...c.deviation?.ours };
}

/** Human-readable differences between two outputs, empty when they are equal. */
export function differences(expected: CaseOutput, actual: CaseOutput): string[] {
  const out: string[] = [];
  if (expected.stdout !== actual.stdout)
    out.push(
      `stdout:\n  expected ${JSON.stringify(expected.stdout)}\n  actual   ${JSON.stringify(actual.stdout)}`,
    );
  if (expected.stderr !== actual.stderr)
    out.push(
      `stderr:\n  expected ${JSON.stringify(expected.stderr)}\n  actual   ${JSON.stringify(actual.stderr)}`,
    );
  const names = new Set([...Object.keys(expected.files), ...Object.keys(actual.files)]);
  for (const name of [...names].sort()) {
    const e = expected.files[name];
    const a = actual.files[name];
    if (e !== a)
      out.push(
        `file ${name}:\n  expected ${e === undefined ? '(no file)' : JSON.stringify(e)}\n  actual   ${a === undefined ? '(no file)' : JSON.stringify(a)}`,
      );
  }
  return out;
}
