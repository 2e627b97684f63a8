import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaseOutput, ConformanceCase } from './case.js';
import { filesIn, normalized } from './output.js';
import { closeCaseHandlers, resetLogging } from './reset.js';

type Write = typeof process.stdout.write;

/**
 * Run a case's TypeScript translation in this process: fresh logging state, a fresh empty
 * working directory, stdout and stderr captured, then every handler flushed and closed
 * (as at Python's exit) and the files read back.
 */
export async function runTranslation(c: ConformanceCase): Promise<CaseOutput> {
  // Python runs with TZ=UTC too; Node re-reads the zone when TZ is assigned.
  if (process.env.TZ !== 'UTC') process.env.TZ = 'UTC';
  const dir = mkdtempSync(join(tmpdir(), 'logging-conformance-'));
  const home = process.cwd();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  const capture = (into: string[]): Write =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as Write;
  resetLogging();
  process.chdir(dir);
  process.stdout.write = capture(stdout);
  process.stderr.write = capture(stderr);
  try {
    try {
      await c.run();
    } catch (err) {
      // An exception escaping the snippet: Python prints a traceback ending in `Type: message`.
      const e = err as { pythonType?: string; name?: string; message?: string };
      stderr.push(`Uncaught ${e.pythonType ?? e.name}: ${e.message}\n`);
    }
    closeCaseHandlers();
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    process.chdir(home);
  }
  const output = { stdout: stdout.join(''), stderr: stderr.join(''), files: filesIn(dir) };
  rmSync(dir, { recursive: true, force: true });
  resetLogging();
  return normalized(c, output, dir);
}
