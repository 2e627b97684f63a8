// Throughput of @backchannel/logging against pino, winston and log4js, in the same run.
//   node packages/logging/dist/bench/compare.js [lines]
// Each file case runs in its own child process (fresh heap and JIT) and is timed from the
// first log call until every line is in the file; the parent then checks the line count.
// winston and log4js (far slower) write a fifth of the lines, to keep the run short; their
// rate in lines/s is still comparable. Every child is killed after 120 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileHandler, Formatter, getLogger, INFO, JsonFormatter, WARNING } from '../src/index.js';

const require = createRequire(import.meta.url);
const LINES = Number(process.argv[2] ?? 500_000);
const FORMAT = '%(asctime)s %(levelname)s %(name)s %(message)s';
const DISABLED_CALLS = 20_000_000;

type Case = 'text:ours' | 'text:pino' | 'text:winston' | 'text:log4js' | 'json:ours' | 'json:pino';

function waitFor(emitter: { once(event: string, cb: () => void): unknown }, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

async function runChild(which: Case, path: string, lines: number): Promise<number> {
  const start = performance.now();
  if (which === 'text:ours' || which === 'json:ours') {
    const h = new FileHandler(path, 'w');
    h.setFormatter(which === 'text:ours' ? new Formatter(FORMAT) : new JsonFormatter());
    const log = getLogger('bench');
    log.propagate = false;
    log.setLevel(INFO);
    log.addHandler(h);
    const t0 = performance.now();
    for (let i = 0; i < lines; i++) log.info('user %s did %d things', 'alice', i);
    h.flush();
    return performance.now() - t0;
  }
  if (which === 'text:pino' || which === 'json:pino') {
    const pino = require('pino') as typeof import('pino');
    const dest = pino.destination({ dest: path, sync: false });
    const log = pino.pino({ name: 'bench' }, dest);
    const t0 = performance.now();
    for (let i = 0; i < lines; i++) log.info('user %s did %d things', 'alice', i);
    const done = waitFor(dest, 'close');
    dest.end();
    await done;
    return performance.now() - t0;
  }
  if (which === 'text:winston') {
    const winston = require('winston') as typeof import('winston');
    const transport = new winston.transports.File({ filename: path });
    const log = winston.createLogger({
      level: 'info',
      format: winston.format.combine(
        winston.format.splat(),
        winston.format.timestamp(),
        winston.format.printf((i) => `${i.timestamp} ${i.level.toUpperCase()} bench ${i.message}`),
      ),
      transports: [transport],
    });
    const t0 = performance.now();
    for (let i = 0; i < lines; i++) log.info('user %s did %d things', 'alice', i);
    const done = waitFor(transport, 'finish');
    log.end();
    await done;
    // winston's 'finish' can come before the file stream has drained: wait for the bytes.
    const deadline = Date.now() + 60_000;
    while (countLines(path) < lines && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  }
  const log4js = require('log4js') as typeof import('log4js');
  log4js.configure({
    appenders: {
      file: { type: 'file', filename: path, layout: { type: 'pattern', pattern: '%d %p %c %m' } },
    },
    categories: { default: { appenders: ['file'], level: 'info' } },
  });
  const log = log4js.getLogger('bench');
  const t0 = performance.now();
  for (let i = 0; i < lines; i++) log.info('user %s did %d things', 'alice', i);
  await new Promise<void>((resolve) => log4js.shutdown(() => resolve()));
  void start;
  return performance.now() - t0;
}

function countLines(path: string): number {
  try {
    const buf = readFileSync(path);
    let n = 0;
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

const pinoForDisabled = (() => {
  const pino = require('pino') as typeof import('pino');
  return pino.pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
})();

function timeOursDisabled(): number {
  const ours = getLogger('bench.disabled');
  ours.setLevel(WARNING);
  const t0 = performance.now();
  for (let i = 0; i < DISABLED_CALLS; i++) ours.debug('user %s did %d things', 'alice', i);
  return (DISABLED_CALLS / (performance.now() - t0)) * 1000;
}

function timePinoDisabled(): number {
  const p = pinoForDisabled;
  const t0 = performance.now();
  for (let i = 0; i < DISABLED_CALLS; i++) p.debug('user %s did %d things', 'alice', i);
  return (DISABLED_CALLS / (performance.now() - t0)) * 1000;
}

/** One round of each, in alternating order so neither always runs first. */
function disabledRound(pinoFirst: boolean): { ours: number; pino: number } {
  if (pinoFirst) {
    const pino = timePinoDisabled();
    return { pino, ours: timeOursDisabled() };
  }
  const ours = timeOursDisabled();
  return { ours, pino: timePinoDisabled() };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${Math.round(n / 1000)} k`;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const ms = await runChild(process.argv[3] as Case, process.argv[4], Number(process.argv[5]));
    process.stdout.write(JSON.stringify({ ms }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'logging-bench-'));
  const self = fileURLToPath(import.meta.url);
  const run = (which: Case, lines = LINES): { rate: number; bytes: number } => {
    const path = join(dir, `${which.replace(':', '-')}.log`);
    const out = execFileSync(process.execPath, [self, '--child', which, path, String(lines)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const { ms } = JSON.parse(out) as { ms: number };
    const found = countLines(path);
    if (found !== lines) throw new Error(`${which}: expected ${lines} lines in the file, found ${found}`);
    const bytes = statSync(path).size / lines;
    rmSync(path);
    return { rate: (lines / ms) * 1000, bytes };
  };
  try {
    const rows: string[] = [];
    const d = [disabledRound(false), disabledRound(true), disabledRound(false), disabledRound(true)];
    const dOurs = Math.max(...d.map((x) => x.ours));
    const dPino = Math.max(...d.map((x) => x.pino));
    rows.push(
      `| disabled call (debug below level) | ${fmt(dOurs)} calls/s | pino ${fmt(dPino)} calls/s | ${(dOurs / dPino).toFixed(2)}× | ≥ 1.0× |`,
    );
    const peerLines = Math.max(1000, Math.floor(LINES / 5));
    const text = {
      ours: run('text:ours'),
      pino: run('text:pino'),
      winston: run('text:winston', peerLines),
      log4js: run('text:log4js', peerLines),
    };
    rows.push(
      `| ${LINES} %-formatted text lines to a file | ${fmt(text.ours.rate)} lines/s | pino ${fmt(text.pino.rate)} lines/s | ${(text.ours.rate / text.pino.rate).toFixed(2)}× | ≥ 0.8× |`,
    );
    rows.push(
      `|   winston (${peerLines} lines) | | ${fmt(text.winston.rate)} lines/s | ${(text.winston.rate / text.pino.rate).toFixed(2)}× of pino | |`,
    );
    rows.push(
      `|   log4js (${peerLines} lines) | | ${fmt(text.log4js.rate)} lines/s | ${(text.log4js.rate / text.pino.rate).toFixed(2)}× of pino | |`,
    );
    const json = { ours: run('json:ours'), pino: run('json:pino') };
    rows.push(
      `| ${LINES} JSON lines to a file | ${fmt(json.ours.rate)} lines/s | pino ${fmt(json.pino.rate)} lines/s | ${(json.ours.rate / json.pino.rate).toFixed(2)}× | ≥ 0.9× |`,
    );
    console.log(
      `node ${process.version}, ${LINES} lines per file case, timed until the file holds every line`,
    );
    console.log('| case | @backchannel/logging | peer | ratio | bar |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(
      `bytes per line: ours text ${text.ours.bytes.toFixed(0)}, pino ${text.pino.bytes.toFixed(0)}, winston ${text.winston.bytes.toFixed(0)}, log4js ${text.log4js.bytes.toFixed(0)}; ours json ${json.ours.bytes.toFixed(0)}, pino json ${json.pino.bytes.toFixed(0)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
