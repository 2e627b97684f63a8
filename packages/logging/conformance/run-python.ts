import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaseOutput, ConformanceCase } from './case.js';
import { filesIn, normalized } from './output.js';

const PRELUDE = 'import logging, logging.handlers, logging.config, sys, os, io, time, queue\n';

/** The program that runs a snippet and reports an escaping exception as `Uncaught Type: message`. */
function program(snippet: string): string {
  return `${PRELUDE}__snippet = ${JSON.stringify(snippet)}
try:
    exec(compile(__snippet, '<case>', 'exec'), globals())
except Exception as e:
    sys.stderr.write('Uncaught %s: %s\\n' % (type(e).__name__, e))
`;
}

/** `major.minor.micro` of a Python interpreter, or `null` if it cannot be run. */
export function pythonVersion(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Run a case's Python snippet with `python` in a fresh empty directory, `TZ=UTC`. */
export function runPython(c: ConformanceCase, python: string): CaseOutput {
  const dir = mkdtempSync(join(tmpdir(), 'logging-conformance-py-'));
  try {
    const r = spawnSync(python, ['-X', 'utf8', '-'], {
      cwd: dir,
      input: program(c.python),
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', PYTHONHASHSEED: '0', LANG: 'C.UTF-8' },
    });
    if (r.error !== undefined) throw r.error;
    return normalized(c, { stdout: r.stdout, stderr: r.stderr, files: filesIn(dir) }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
