#!/usr/bin/env node
// Runs one suite of the tree's tests with node's own test runner.
//
//   unit         packages/*/dist/test/**/*.test.js, except the two kinds below (npm test)
//   e2e          **/*.e2e.test.js: browser tests in Chromium (npm run test:e2e)
//   integration  **/*.integration.test.js: against Redis, PostgreSQL and nginx (npm run test:integration)
//   chaos        **/*.chaos.test.js: faults injected into running stacks (npm run test:chaos);
//                `--minutes N` runs random faults for N minutes, `--seed S` repeats a run's faults
//
// A suite whose outside dependency is missing prints why and exits 0, unless CI=true,
// where a missing dependency fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suite = process.argv[2] ?? 'unit';
const filters = [];
for (let i = 3; i < process.argv.length; i++) {
  const arg = process.argv[i];
  const [flag, inline] = arg.split('=', 2);
  if (suite === 'chaos' && (flag === '--minutes' || flag === '--seed')) {
    const value = inline ?? process.argv[++i];
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) {
      console.error(`${flag} needs a number, got ${value === undefined ? 'nothing' : `"${value}"`}`);
      process.exit(2);
    }
    process.env[flag === '--minutes' ? 'CHAOS_MINUTES' : 'CHAOS_SEED'] = value;
  } else if (arg === '--help' || arg === '-h') {
    console.log(
      'Usage: node scripts/run-tests.mjs <unit|e2e|integration|chaos> [filter…] [--minutes N] [--seed S]',
    );
    process.exit(0);
  } else filters.push(arg);
}
const inCI = process.env.CI === 'true' || process.env.CI === '1';

const suffix = {
  unit: '.test.js',
  e2e: '.e2e.test.js',
  integration: '.integration.test.js',
  chaos: '.chaos.test.js',
};
if (!(suite in suffix)) {
  console.error(`unknown suite "${suite}": use unit, e2e, integration or chaos`);
  process.exit(2);
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

function isSuite(file) {
  if (!file.endsWith('.test.js')) return false;
  const special = ['.e2e.test.js', '.integration.test.js', '.chaos.test.js'].some((end) =>
    file.endsWith(end),
  );
  return suite === 'unit' ? !special : file.endsWith(suffix[suite]);
}

const packagesDir = join(root, 'packages');
const files = readdirSync(packagesDir)
  .flatMap((pkg) => walk(join(packagesDir, pkg, 'dist', 'test'), []))
  .filter(isSuite)
  .filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)))
  .sort();

function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Host and port of a service URL such as redis://host:6379 or postgres://host/db. */
function endpointOf(url, defaultPort) {
  if (!url) return { host: '127.0.0.1', port: defaultPort };
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

async function missingDependencies() {
  const missing = [];
  if (suite === 'e2e' || suite === 'chaos') {
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(chromium))
      missing.push(
        `Chromium is not installed at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`,
      );
  }
  if (suite === 'integration' || suite === 'chaos') {
    const redis = endpointOf(process.env.REDIS_URL, 6379);
    const postgres = endpointOf(process.env.DATABASE_URL, 5432);
    if (!(await canConnect(redis.port, redis.host)))
      missing.push(`Redis is not reachable on ${redis.host}:${redis.port} (start it, or set REDIS_URL)`);
    if (!(await canConnect(postgres.port, postgres.host)))
      missing.push(
        `PostgreSQL is not reachable on ${postgres.host}:${postgres.port} (start it, or set DATABASE_URL)`,
      );
    const nginx = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
    if (!existsSync(nginx))
      missing.push(`nginx is not installed at ${nginx} (apt-get install nginx-light, or set NGINX_PATH)`);
  }
  return missing;
}

const missing = await missingDependencies();
if (missing.length > 0) {
  for (const reason of missing) console.log(`${suite} suite: ${reason}`);
  if (inCI) {
    console.error(`${suite} suite cannot run: CI=true requires its dependencies`);
    process.exit(1);
  }
  console.log(`${suite} suite skipped: a dependency is missing (this fails when CI=true)`);
  process.exit(0);
}

if (files.length === 0) {
  console.error(`no ${suite} test files found under packages/*/dist/test: run "npm run build" first`);
  process.exit(1);
}

// No --test-force-exit: with one process per file it can drop the verdicts of a file's last
// tests before the parent reads them, and the run then reports fewer tests with "fail 0"
// (nodejs/node#64833; seen here in 1 run of 4 of the logging conformance file: 199 of 215).
// A file that a failed hook leaves hanging is caught instead by the suite's deadline
// (TEST_SUITE_TIMEOUT_MINUTES, default 25), after which the suite is killed and fails loudly.
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${suite === 'unit' ? 2 : 1}`, ...files];
const deadlineMinutes = Number(
  process.env.TEST_SUITE_TIMEOUT_MINUTES ??
    25 + (suite === 'chaos' ? Number(process.env.CHAOS_MINUTES ?? 0) : 0),
);
const result = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  cwd: root,
  env: process.env,
  timeout: deadlineMinutes * 60_000,
  killSignal: 'SIGKILL',
});
if (result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL') {
  console.error(`${suite} suite did not finish within ${deadlineMinutes} minutes and was stopped`);
  process.exit(1);
}
process.exit(result.status ?? 1);
