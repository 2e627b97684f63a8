#!/usr/bin/env node
// The conformance suite against a real CPython:
//
//   npm run conformance -w @backchannel/logging [-- NAME...]
//       run each case's Python snippet with python3 and its translation here, print the
//       differences, and rewrite the fixtures from python3's output
//   ... -- --check     fail (exit 1) when a fixture differs from what python3 prints now,
//                      or the port differs from its expectation; writes nothing
//   ... -- --verify-313 run the cases with hand-set CPython 3.13 expectations on a
//                      CPython 3.13 interpreter (PYTHON313, default python3.13) and compare
//   ... -- --deviations print the README's table of deliberate differences
//
// PYTHON chooses the oracle (default python3). NAME filters cases by "Class.case" substring.
import type { CaseOutput, ConformanceCase, ConformanceClass } from './case.js';
import { conformanceClasses } from './classes.js';
import type { ClassFixture } from './fixtures.js';
import { readFixture, writeFixture } from './fixtures.js';
import { differences, expectedOutput } from './output.js';
import { pythonVersion, runPython } from './run-python.js';
import { runTranslation } from './run-translation.js';

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const filters = argv.filter((a) => !a.startsWith('--'));
const selected = (cls: ConformanceClass, c: ConformanceCase): boolean =>
  filters.length === 0 || filters.some((f) => `${cls.name}.${c.name}`.includes(f));

function deviationTable(): string {
  const rows = ['| case | what differs and why |', '|---|---|'];
  for (const cls of conformanceClasses)
    for (const c of cls.cases)
      if (c.deviation !== undefined) rows.push(`| \`${cls.name}.${c.name}\` | ${c.deviation.reason} |`);
  return rows.join('\n');
}

function pick(output: CaseOutput, keys: Partial<CaseOutput>): Partial<CaseOutput> {
  const out: Partial<CaseOutput> = {};
  for (const k of Object.keys(keys) as (keyof CaseOutput)[]) (out as Record<string, unknown>)[k] = output[k];
  return out;
}

async function verify313(): Promise<number> {
  const python = process.env.PYTHON313 ?? 'python3.13';
  const version = pythonVersion(python);
  if (version === null || !version.startsWith('3.13')) {
    console.log(`no CPython 3.13 at ${python} (set PYTHON313): hand-set expectations not verified`);
    return 0;
  }
  let failed = 0;
  for (const cls of conformanceClasses)
    for (const c of cls.cases) {
      if (c.cpython313 === undefined || !selected(cls, c)) continue;
      const got = pick(runPython(c, python), c.cpython313.expected);
      const same = JSON.stringify(got) === JSON.stringify(c.cpython313.expected);
      if (!same) failed++;
      console.log(`${same ? 'ok  ' : 'DIFF'} ${cls.name}.${c.name} (${c.cpython313.cite})`);
      if (!same) console.log(`  3.13 printed ${JSON.stringify(got)}`);
    }
  console.log(
    `CPython ${version}: ${failed === 0 ? 'every hand-set expectation holds' : `${failed} differ`}`,
  );
  return failed === 0 ? 0 : 1;
}

/** `3.11` of `3.11.7`. */
function minor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

const KNOWN_FLAGS = new Set(['--check', '--verify-313', '--deviations']);

async function main(): Promise<number> {
  const unknown = [...flags].filter((f) => !KNOWN_FLAGS.has(f));
  if (unknown.length > 0) {
    console.error(
      `unknown flag ${unknown.join(', ')}: use --check, --verify-313 or --deviations (or case names)`,
    );
    return 2;
  }
  if (flags.has('--deviations')) {
    console.log(deviationTable());
    return 0;
  }
  if (flags.has('--verify-313')) return verify313();
  const python = process.env.PYTHON ?? 'python3';
  const version = pythonVersion(python);
  if (version === null) {
    console.error(`cannot run ${python}: set PYTHON to a CPython 3 interpreter`);
    return 2;
  }
  const check = flags.has('--check');
  const recordedWith = conformanceClasses
    .map((cls) => readFixture(cls.name)?.python)
    .find((v) => v !== undefined);
  if (check && recordedWith !== undefined && minor(recordedWith) !== minor(version)) {
    console.log(
      `the fixtures come from CPython ${recordedWith} and ${python} is ${version}: not compared (set PYTHON to a CPython ${minor(recordedWith)} interpreter)`,
    );
    return 0;
  }
  let total = 0;
  let mismatched = 0;
  let stale = 0;
  for (const cls of conformanceClasses) {
    const old = readFixture(cls.name);
    const fresh: ClassFixture = { python: version, cases: {} };
    for (const c of cls.cases) {
      if (!selected(cls, c)) {
        const kept = old?.cases[c.name];
        if (kept !== undefined) fresh.cases[c.name] = kept;
        continue;
      }
      total++;
      const oracle = runPython(c, python);
      fresh.cases[c.name] = oracle;
      const recorded = old?.cases[c.name];
      if (recorded === undefined || differences(recorded, oracle).length > 0) {
        stale++;
        const label = check ? 'STALE' : recorded === undefined ? 'NEW  ' : 'CHANGED';
        console.log(`${label} ${cls.name}.${c.name}: the fixture is not what python3 ${version} prints`);
        if (recorded !== undefined) for (const d of differences(recorded, oracle)) console.log(`  ${d}`);
      }
      const diffs = differences(expectedOutput(c, oracle), await runTranslation(c));
      if (diffs.length > 0) {
        mismatched++;
        console.log(`DIFF  ${cls.name}.${c.name}`);
        for (const d of diffs) console.log(`  ${d}`);
      }
    }
    if (!check) writeFixture(cls.name, fresh);
  }
  if (total === 0) {
    console.error(
      `no case matches ${filters.join(', ')}: names are "Class.case", e.g. FormatterTest.brace_message`,
    );
    return 2;
  }
  const verdict = `${total} cases against python3 ${version}: ${total - mismatched} match, ${mismatched} differ, ${stale} fixtures ${check ? 'stale' : 'rewritten'}`;
  console.log(verdict);
  if (check && stale > 0)
    console.log('fixtures are stale: run `npm run conformance -w @backchannel/logging`');
  return mismatched > 0 || (check && stale > 0) ? 1 : 0;
}

process.exitCode = await main();
