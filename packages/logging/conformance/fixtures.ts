import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseOutput } from './case.js';

/** The checked-in outputs of `python3` for one test class. */
export interface ClassFixture {
  /** The interpreter that produced them, e.g. `3.11.7`. */
  python: string;
  cases: Record<string, CaseOutput>;
}

/** `packages/logging/conformance/fixtures/`, found from the compiled `dist/conformance/`. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../conformance/fixtures/', import.meta.url));

function fixturePath(className: string): string {
  return `${FIXTURE_DIR}${className}.json`;
}

export function readFixture(className: string): ClassFixture | null {
  const path = fixturePath(className);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ClassFixture) : null;
}

export function writeFixture(className: string, fixture: ClassFixture): void {
  writeFileSync(fixturePath(className), `${JSON.stringify(fixture, null, 2)}\n`);
}
