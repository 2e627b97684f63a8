// Throughput and memory of TaskQueue against fastq (promise mode) and p-queue 8, in one run.
//
//   node --expose-gc packages/taskqueue/dist/bench/bench.js [--quick] [--rounds N]
//
// Every peer runs the same async no-op task through its promise-returning API
// (TaskQueue#push, fastq.promise().push, PQueue#add), so each task costs one promise
// per push in every queue. --quick divides the task counts by 10. taskqueue and its
// main peer run --rounds times (default 2), interleaved, and the best run of each is
// kept. Ratios compare process CPU time (user + system, GC threads included), which
// other work on a shared machine disturbs far less than wall time; both are printed.
import fastq from 'fastq';
import PQueue from 'p-queue';
import { TaskQueue } from '../src/index.js';

const quick = process.argv.includes('--quick');
const scale = quick ? 10 : 1;
const MILLION = 1_000_000 / scale;
const WINDOW = 1_000;
const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag === -1 ? 2 : Math.max(1, Number(process.argv[roundsFlag + 1]) || 1);

async function noopTask(): Promise<void> {}
function noop(): void {}
function runTask(task: () => Promise<void>): Promise<void> {
  return task();
}

type Push = (task: () => Promise<void>) => Promise<unknown>;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Pushes `total` tasks keeping at most `window` unsettled; resolves after the last settles. */
function fed(push: Push, total: number, window: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pushed = 0;
    let settled = 0;
    const onSettled = (): void => {
      settled++;
      if (settled === total) resolve();
      else if (pushed - settled <= window / 2) refill();
    };
    const refill = (): void => {
      while (pushed - settled < window && pushed < total) {
        pushed++;
        push(noopTask).then(onSettled, reject);
      }
    };
    refill();
  });
}

/** Pushes `total` tasks at once; resolves after the last settles. */
async function upFront(push: Push, total: number): Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < total; i++) last = push(noopTask);
  await last;
}

interface Timing {
  /** Wall-clock ms. */
  ms: number;
  /** Process CPU ms (user + system, GC threads included). */
  cpuMs: number;
}

async function timed(run: () => Promise<void>): Promise<Timing> {
  gc();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

interface Row {
  scenario: string;
  peer: string;
  tasks: number;
  ms: number;
  cpuMs: number;
}
const rows: Row[] = [];

const RUN_LIMIT_MS = 60_000;

/** Times one run; a run over RUN_LIMIT_MS is recorded as such and left behind. */
async function measure(
  scenario: string,
  peer: string,
  tasks: number,
  run: () => Promise<void>,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, RUN_LIMIT_MS);
  });
  const timing = await timed(() => Promise.race([run(), limit]));
  clearTimeout(timer);
  let { ms, cpuMs } = timing;
  if (ms >= RUN_LIMIT_MS) {
    ms = Number.POSITIVE_INFINITY;
    cpuMs = Number.POSITIVE_INFINITY;
  }
  const earlier = rows.find((row) => row.scenario === scenario && row.peer === peer);
  if (earlier === undefined) rows.push({ scenario, peer, tasks, ms, cpuMs });
  else if (cpuMs < earlier.cpuMs) Object.assign(earlier, { ms, cpuMs });
  process.stderr.write(`${scenario} ${peer}: ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU\n`);
}

function taskQueue(concurrency: number): Push {
  const queue = new TaskQueue({ concurrency });
  return (task) => queue.push(task);
}
function fastqPromise(concurrency: number): Push {
  const queue = fastq.promise(runTask, concurrency);
  return (task) => queue.push(task);
}
function pQueue(concurrency: number): Push {
  const queue = new PQueue({ concurrency });
  return (task) => queue.add(task);
}

async function throughput(): Promise<void> {
  for (const concurrency of [1, 100]) {
    const scenario = `fed, concurrency ${concurrency}`;
    // Warm-up so no peer pays for the JIT alone.
    await fed(taskQueue(concurrency), 20_000, WINDOW);
    await fed(fastqPromise(concurrency), 20_000, WINDOW);
    await fed(pQueue(concurrency), 20_000, WINDOW);
    for (let round = 0; round < ROUNDS; round++) {
      await measure(scenario, 'taskqueue', MILLION, () => fed(taskQueue(concurrency), MILLION, WINDOW));
      await measure(scenario, 'fastq', MILLION, () => fed(fastqPromise(concurrency), MILLION, WINDOW));
    }
    await measure(scenario, 'p-queue', MILLION, () => fed(pQueue(concurrency), MILLION, WINDOW));
  }
  {
    const scenario = 'up front, concurrency 100';
    for (let round = 0; round < ROUNDS; round++) {
      await measure(scenario, 'taskqueue', MILLION, () => upFront(taskQueue(100), MILLION));
      await measure(scenario, 'fastq', MILLION, () => upFront(fastqPromise(100), MILLION));
    }
    const small = MILLION / 10;
    const smallScenario = `up front, concurrency 100, ${small.toLocaleString('en')} tasks`;
    for (let round = 0; round < ROUNDS; round++) {
      await measure(smallScenario, 'taskqueue', small, () => upFront(taskQueue(100), small));
      await measure(smallScenario, 'fastq', small, () => upFront(fastqPromise(100), small));
    }
    await measure(smallScenario, 'p-queue', small, () => upFront(pQueue(100), small));
  }
}

async function keyed(): Promise<void> {
  const keys = 1_000;
  const total = MILLION / 5;
  const scenario = `keyed, ${keys} keys`;
  for (let round = 0; round < ROUNDS; round++) {
    await measure(scenario, 'taskqueue', total, async () => {
      const queue = new TaskQueue({ concurrency: keys });
      let last: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < total; i++) last = queue.push(noopTask, { key: i % keys });
      await last;
      await queue.onIdle();
    });
    await measure(scenario, 'p-queue per key', total, async () => {
      const queues = new Map<number, PQueue>();
      let last: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < total; i++) {
        const key = i % keys;
        let queue = queues.get(key);
        if (queue === undefined) {
          queue = new PQueue({ concurrency: 1 });
          queues.set(key, queue);
        }
        last = queue.add(noopTask);
      }
      await last;
      await Promise.all([...queues.values()].map((queue) => queue.onIdle()));
    });
  }
}

interface MemoryRow {
  peer: string;
  tasks: number;
  mb: number;
}
const memoryRows: MemoryRow[] = [];

async function heldInMemory(peer: string, hold: (total: number) => () => Promise<void>): Promise<void> {
  const total = MILLION;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const release = hold(total);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  memoryRows.push({ peer, tasks: total, mb: (after - before) / 1024 / 1024 });
  process.stderr.write(`memory ${peer}: ${((after - before) / 1024 / 1024).toFixed(1)} MB\n`);
  await release();
}

async function memory(): Promise<void> {
  await heldInMemory('taskqueue push', (total) => {
    const queue = new TaskQueue({ concurrency: 100, paused: true });
    for (let i = 0; i < total; i++) queue.push(noopTask);
    return async () => {
      queue.resume();
      await queue.onIdle();
    };
  });
  await heldInMemory('taskqueue pushDetached (no promise)', (total) => {
    const queue = new TaskQueue({ concurrency: 100, paused: true });
    for (let i = 0; i < total; i++) queue.pushDetached(noopTask);
    return async () => {
      queue.resume();
      await queue.onIdle();
    };
  });
  await heldInMemory('fastq callback mode (no promise)', (total) => {
    const queue = fastq((task: () => Promise<void>, done: (error: Error | null) => void) => {
      task().then(() => done(null), done);
    }, 100);
    queue.pause();
    for (let i = 0; i < total; i++) queue.push(noopTask, noop);
    return async () => {
      const drained = new Promise<void>((resolve) => {
        queue.drain = resolve;
      });
      queue.resume();
      await drained;
    };
  });
  await heldInMemory('fastq.promise', (total) => {
    const queue = fastq.promise(runTask, 100);
    queue.pause();
    for (let i = 0; i < total; i++) queue.push(noopTask);
    return async () => {
      queue.resume();
      await queue.drained();
    };
  });
}

function printTable(): void {
  console.log(
    `Node ${process.version}, best (by CPU time) of ${ROUNDS} interleaved rounds for taskqueue and its main peer`,
  );
  console.log('');
  console.log(
    '| scenario | queue | tasks | CPU ms | wall ms | tasks per CPU s | taskqueue speed vs this peer (CPU) |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|');
  const format = (value: number): string =>
    value === Number.POSITIVE_INFINITY ? `> ${RUN_LIMIT_MS}` : value.toFixed(0);
  for (const row of rows) {
    const ours = rows.find((r) => r.scenario === row.scenario && r.peer === 'taskqueue') as Row;
    const finished = row.cpuMs !== Number.POSITIVE_INFINITY;
    const ratio =
      row.peer === 'taskqueue' ? '' : finished ? `${(row.cpuMs / ours.cpuMs).toFixed(2)}×` : 'did not finish';
    const rate = finished ? Math.round((row.tasks / row.cpuMs) * 1000).toLocaleString('en') : '—';
    console.log(
      `| ${row.scenario} | ${row.peer} | ${row.tasks.toLocaleString('en')} | ${format(row.cpuMs)} | ${format(row.ms)} | ${rate} | ${ratio} |`,
    );
  }
  console.log('');
  console.log('| held in memory (paused queue) | tasks | heap delta MB | bytes/task |');
  console.log('|---|---:|---:|---:|');
  for (const row of memoryRows) {
    console.log(
      `| ${row.peer} | ${row.tasks.toLocaleString('en')} | ${row.mb.toFixed(1)} | ${((row.mb * 1024 * 1024) / row.tasks).toFixed(0)} |`,
    );
  }
}

if ((globalThis as { gc?: unknown }).gc === undefined) {
  console.error('run with --expose-gc for the memory figures: node --expose-gc dist/bench/bench.js');
}
await throughput();
await keyed();
await memory();
printTable();
// A run cut off by RUN_LIMIT_MS may still hold timers or tasks: do not wait for them.
process.exit(0);
