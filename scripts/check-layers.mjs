#!/usr/bin/env node
// Enforces the layer map in layers.json: a package imports only the workspace packages its
// entry allows, only through their public entry points, and never reaches into another
// package's files by a relative path. Runs in `npm run lint`.
//
//   node scripts/check-layers.mjs [--root DIR]
//
// Exit 0 when every import is allowed, 1 with one line per offending import, 2 on a bad
// layers.json or flag.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function fail(message, code = 2) {
  console.error(`check-layers: ${message}`);
  process.exit(code);
}

let root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--root' && args[i + 1]) root = resolve(args[++i]);
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log(
      'Usage: node scripts/check-layers.mjs [--root DIR]\nChecks every import against DIR/layers.json.',
    );
    process.exit(0);
  } else fail(`unknown argument "${args[i]}" (use --root DIR or --help)`);
}

const mapPath = join(root, 'layers.json');
if (!existsSync(mapPath)) fail(`${mapPath} is missing`);
let map;
try {
  map = JSON.parse(readFileSync(mapPath, 'utf8'));
} catch (error) {
  fail(`${mapPath} is not valid JSON: ${error.message}`);
}
if (typeof map.packages !== 'object' || map.packages === null) fail(`${mapPath} needs a "packages" object`);
const testOnly = new Set(map.testOnly ?? []);

/** Workspace packages: folder → name, from packages/<folder>/package.json. */
const packagesDir = join(root, 'packages');
const workspace = new Map();
for (const folder of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, folder, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name } = JSON.parse(readFileSync(manifest, 'utf8'));
  workspace.set(folder, name);
}
const names = new Set(workspace.values());
for (const name of names) {
  if (!(name in map.packages) && !testOnly.has(name)) fail(`package ${name} has no entry in layers.json`);
}

/** The workspace package a bare specifier names, and its subpath ('' for the root). */
function workspaceTarget(specifier) {
  for (const name of names) {
    if (specifier === name) return { name, subpath: '' };
    if (specifier.startsWith(`${name}/`)) return { name, subpath: specifier.slice(name.length + 1) };
  }
  return undefined;
}

function allowed(from, target, subpath, inSrc) {
  if (from === target.name) return true;
  if (testOnly.has(target.name)) return !inSrc;
  const rules = map.packages[from] ?? [];
  return rules.some(
    (rule) => rule === target.name || (subpath !== '' && rule === `${target.name}/${subpath}`),
  );
}

const importPattern =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const problems = [];
for (const [folder, from] of workspace) {
  const packageRoot = join(packagesDir, folder);
  for (const part of ['src', 'test', 'bench']) {
    for (const file of walk(join(packageRoot, part), [])) {
      const text = readFileSync(file, 'utf8');
      const inSrc = part === 'src';
      for (const match of text.matchAll(importPattern)) {
        const specifier = match[1] ?? match[2] ?? match[3];
        const line = text.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
        const where = `${relative(root, file)}:${line}`;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!(target + sep).startsWith(packageRoot + sep)) {
            problems.push(
              `${where} imports "${specifier}", a file of another package: import it by its package name`,
            );
          }
          continue;
        }
        const target = workspaceTarget(specifier);
        if (!target) continue;
        if (/^(src|dist|test|bench)(\/|$)/.test(target.subpath)) {
          problems.push(
            `${where} imports "${specifier}": that reaches into ${target.name}'s files; use its public exports`,
          );
          continue;
        }
        if (!allowed(from, target, target.subpath, inSrc)) {
          const rules = map.packages[from] ?? [];
          problems.push(
            `${where}: ${from} may not import "${specifier}" (layers.json allows ${rules.length > 0 ? rules.join(', ') : 'no workspace package'})`,
          );
        }
      }
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-layers: ${problems.length} import(s) break the layer map in layers.json`);
  process.exit(1);
}
console.log(`check-layers: ${workspace.size} packages, every import follows layers.json`);
