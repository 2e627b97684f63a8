#!/usr/bin/env node
// Writes each program's flag table into its README, between
// <!-- flags:start --> and <!-- flags:end -->, from the same table that gives the program its
// values and --help (so the three cannot drift apart). Reads the built packages.
//
//   node scripts/flag-tables.mjs           rewrite the READMEs
//   node scripts/flag-tables.mjs --check   exit 1 if a README is out of date (npm run lint)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
for (const arg of process.argv.slice(2)) {
  if (arg !== '--check') {
    console.error(`flag-tables: unknown argument "${arg}" (use --check)`);
    process.exit(2);
  }
}

/** README → the module (built) and export that hold the program's flag table. */
const programs = [
  { readme: 'packages/ekg/README.md', module: 'packages/ekg/dist/src/flags.js', table: 'ekgFlags' },
  {
    readme: 'packages/reflektor/README.md',
    module: 'packages/reflektor/dist/src/options.js',
    table: 'reflektorFlags',
  },
  { readme: 'packages/api/README.md', module: 'packages/api/dist/src/flags.js', table: 'apiFlags' },
  {
    readme: 'packages/backchannel/README.md',
    module: 'packages/backchannel/dist/src/config.js',
    table: 'stackFlags',
  },
];

const load = async (path) => {
  try {
    return await import(pathToFileURL(join(root, path)).href);
  } catch (error) {
    console.error(`flag-tables: cannot load ${path} (run "npm run build" first): ${error.message}`);
    process.exit(2);
  }
};

const { markdownTable, loggingFlags } = await load('packages/service/dist/src/index.js');
const start = '<!-- flags:start -->';
const end = '<!-- flags:end -->';
let stale = 0;
for (const program of programs) {
  const table = (await load(program.module))[program.table];
  const path = join(root, program.readme);
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) {
    console.error(`flag-tables: ${program.readme} has no ${start} … ${end} section`);
    process.exit(2);
  }
  const generated = `${start}\n${markdownTable({ ...table, ...loggingFlags })}\n${end}`;
  const next = text.slice(0, from) + generated + text.slice(to + end.length);
  if (next === text) continue;
  stale++;
  if (check) console.error(`flag-tables: ${program.readme} is out of date: run node scripts/flag-tables.mjs`);
  else {
    writeFileSync(path, next);
    console.log(`flag-tables: wrote ${program.readme}`);
  }
}
if (check && stale > 0) process.exit(1);
if (check) console.log(`flag-tables: ${programs.length} README flag tables match their programs`);
