// Property tests: random task durations, failures, priorities, keys, timeouts and
// cancellations, checking the queue's promises on every run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TaskQueue } from '../src/index.js';
import { sleep } from './harness.js';

const taskSpec = fc.record({
  key: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  priority: fc.integer({ min: -2, max: 2 }),
  durations: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
  failures: fc.integer({ min: 0, max: 3 }),
  retries: fc.integer({ min: 0, max: 2 }),
  timeout: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 4 }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined, freq: 4 }),
});

type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; code: string | undefined; message: string };

describe('properties', () => {
  test('keys stay ordered, concurrency holds, every task settles exactly once', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(taskSpec, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        async (specs, concurrency, maxActiveKeys) => {
          const queue = new TaskQueue({ concurrency, maxActiveKeys, minDelay: 0, maxDelay: 2 });
          let running = 0;
          let maxRunning = 0;
          const runningByKey = new Map<number, number>();
          const log: Array<{ task: number; event: 'start' | 'end'; attempt: number }> = [];
          const settledCount = specs.map(() => 0);
          const outcomes: Outcome[] = [];
          const promises = specs.map((spec, index) => {
            const controller = spec.cancelAfter === undefined ? undefined : new AbortController();
            if (controller !== undefined) setTimeout(() => controller.abort(), spec.cancelAfter);
            const promise = queue.push(
              async (signal, attempt) => {
                running++;
                maxRunning = Math.max(maxRunning, running);
                if (spec.key !== undefined) {
                  const count = (runningByKey.get(spec.key) ?? 0) + 1;
                  runningByKey.set(spec.key, count);
                  assert.equal(count, 1, `two tasks of key ${spec.key} ran at once`);
                }
                log.push({ task: index, event: 'start', attempt });
                try {
                  await sleep(spec.durations[attempt - 1] ?? 0, signal);
                  if (attempt <= spec.failures) throw new Error(`fail ${index}#${attempt}`);
                  return index;
                } finally {
                  log.push({ task: index, event: 'end', attempt });
                  running--;
                  if (spec.key !== undefined)
                    runningByKey.set(spec.key, (runningByKey.get(spec.key) ?? 1) - 1);
                }
              },
              {
                key: spec.key,
                priority: spec.priority,
                retries: spec.retries,
                timeout: spec.timeout,
                signal: controller?.signal,
              },
            );
            return promise.then(
              (value) => {
                settledCount[index]++;
                outcomes[index] = { kind: 'value', value };
              },
              (error: Error & { code?: string }) => {
                settledCount[index]++;
                outcomes[index] = { kind: 'error', code: error.code, message: error.message };
              },
            );
          });
          await Promise.all(promises);
          await queue.onIdle();

          assert.ok(maxRunning <= concurrency, `ran ${maxRunning} at once with concurrency ${concurrency}`);
          assert.deepEqual(
            settledCount,
            specs.map(() => 1),
          );
          assert.equal(running, 0);
          assert.equal(queue.pending, 0);
          assert.equal(queue.size, 0);
          const stats = queue.stats;
          assert.equal(stats.completed + stats.failed + stats.cancelled, specs.length);

          // Per key: a task starts only after every earlier task of its key has ended.
          const lastEnd = new Map<number, number>(); // task -> index in log of its last end
          log.forEach((entry, position) => {
            if (entry.event === 'end') lastEnd.set(entry.task, position);
          });
          log.forEach((entry, position) => {
            if (entry.event !== 'start') return;
            const key = specs[entry.task].key;
            if (key === undefined) return;
            for (let earlier = 0; earlier < entry.task; earlier++) {
              if (specs[earlier].key !== key || !lastEnd.has(earlier)) continue;
              assert.ok(
                (lastEnd.get(earlier) as number) < position,
                `task ${entry.task} (key ${key}) started before task ${earlier} ended`,
              );
            }
          });

          // Outcomes agree with the spec.
          specs.forEach((spec, index) => {
            const outcome = outcomes[index];
            const attempts = log.filter((entry) => entry.task === index && entry.event === 'start').length;
            assert.ok(attempts <= spec.retries + 1, `task ${index} ran ${attempts} times`);
            if (outcome.kind === 'value') {
              assert.equal(outcome.value, index);
            } else if (outcome.code === undefined) {
              assert.match(outcome.message, new RegExp(`^fail ${index}#`));
              assert.equal(spec.cancelAfter !== undefined || spec.failures > 0, true);
            } else {
              assert.ok(['ERR_TASK_ABORTED', 'ERR_TASK_TIMEOUT'].includes(outcome.code), outcome.code);
              if (outcome.code === 'ERR_TASK_ABORTED') assert.notEqual(spec.cancelAfter, undefined);
              if (outcome.code === 'ERR_TASK_TIMEOUT') assert.notEqual(spec.timeout, undefined);
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  test('retry delays stay within the backoff bounds and are waited out', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 8 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        async (minDelay, extra, factor, retries) => {
          const maxDelay = minDelay + extra;
          const queue = new TaskQueue({ minDelay, maxDelay, factor, retries });
          const delays: number[] = [];
          const endedAt: number[] = [];
          const startedAt: number[] = [];
          await assert.rejects(
            queue.push(
              async () => {
                startedAt.push(performance.now());
                endedAt.push(performance.now());
                throw new Error('down');
              },
              { onRetry: (info) => delays.push(info.delayMs) },
            ),
          );
          assert.equal(delays.length, retries);
          delays.forEach((delay, i) => {
            const ceiling = Math.min(maxDelay, minDelay * factor ** (i + 1));
            const floor = Math.min(minDelay, ceiling);
            assert.ok(
              delay >= floor && delay <= ceiling,
              `retry ${i + 1}: ${delay} not in [${floor}, ${ceiling}]`,
            );
            const waited = startedAt[i + 1] - endedAt[i];
            assert.ok(waited >= delay - 0.001, `retry ${i + 1} waited ${waited} ms, less than ${delay}`);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  test('close({ drain: true }) loses nothing', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            duration: fc.integer({ min: 0, max: 2 }),
            failures: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        async (specs, concurrency, closeAfter, pausedAtClose) => {
          const queue = new TaskQueue({ concurrency, retries: 2, minDelay: 0, maxDelay: 1 });
          const done = new Set<number>();
          const results: Array<Promise<unknown>> = [];
          let closed: Promise<void> | undefined;
          for (let index = 0; index < specs.length; index++) {
            if (index === closeAfter) {
              if (pausedAtClose) queue.pause();
              closed = queue.close();
            }
            const spec = specs[index];
            const task = async (_signal: AbortSignal, attempt: number): Promise<number> => {
              await sleep(spec.duration);
              if (attempt <= spec.failures) throw new Error('transient');
              done.add(index);
              return index;
            };
            // Unkeyed tasks take the plain path (no options), keyed ones a job record.
            const result = spec.key === undefined ? queue.push(task) : queue.push(task, { key: spec.key });
            results.push(
              result.then(
                (value) => ({ ok: value }),
                (error: { code?: string }) => ({ error: error.code }),
              ),
            );
          }
          await (closed ?? queue.close());
          const settled = await Promise.all(results);
          settled.forEach((outcome, index) => {
            if (index < closeAfter) assert.deepEqual(outcome, { ok: index }, `task ${index} was lost`);
            else assert.deepEqual(outcome, { error: 'ERR_QUEUE_CLOSED' });
          });
          assert.equal(done.size, Math.min(closeAfter, specs.length));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('priorities: higher first, FIFO within a priority', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), async (priorities) => {
        const queue = new TaskQueue({ concurrency: 1, paused: true });
        const order: number[] = [];
        // Priority 0 alternates between plain pushes (no options) and job pushes.
        const tasks = priorities.map((priority, index) =>
          priority === 0 && index % 2 === 0
            ? queue.push(async () => order.push(index))
            : queue.push(async () => order.push(index), { priority }),
        );
        queue.resume();
        await Promise.all(tasks);
        const expected = priorities
          .map((priority, index) => ({ priority, index }))
          .sort((a, b) => b.priority - a.priority || a.index - b.index)
          .map((entry) => entry.index);
        assert.deepEqual(order, expected);
      }),
      { numRuns: 100 },
    );
  });

  test('close({ drain: false }) settles everything once and starts nothing more', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('plain', 'keyed', 'detached', 'timeout'),
            duration: fc.integer({ min: 0, max: 3 }),
            fails: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 6 }),
        async (specs, concurrency, retries, closeAfterMs) => {
          const queue = new TaskQueue({ concurrency, retries, minDelay: 0, maxDelay: 2 });
          let running = 0;
          let maxRunning = 0;
          let closed = false;
          let startsAfterClose = 0;
          const settled = specs.map(() => 0);
          const results: Array<Promise<void>> = [];
          specs.forEach((spec, index) => {
            const task = async (signal: AbortSignal): Promise<number> => {
              if (closed) startsAfterClose++;
              running++;
              maxRunning = Math.max(maxRunning, running);
              try {
                await sleep(spec.duration, signal);
                if (spec.fails) throw new Error('fails');
                return index;
              } finally {
                running--;
              }
            };
            if (spec.kind === 'detached') {
              assert.equal(queue.pushDetached(task), true);
              settled[index] = 1; // nothing to await; counted through stats below
              return;
            }
            const options =
              spec.kind === 'keyed'
                ? { key: index % 3 }
                : spec.kind === 'timeout'
                  ? { timeout: 50 }
                  : undefined;
            const result = options === undefined ? queue.push(task) : queue.push(task, options);
            results.push(
              result.then(
                () => {
                  settled[index]++;
                },
                () => {
                  settled[index]++;
                },
              ),
            );
          });
          await sleep(closeAfterMs);
          closed = true;
          await queue.close({ drain: false });
          assert.equal(queue.running, 0);
          assert.equal(running, 0);
          assert.equal(queue.pending, 0);
          assert.equal(queue.size, 0);
          await Promise.all(results);
          assert.deepEqual(
            settled,
            specs.map(() => 1),
          );
          assert.equal(startsAfterClose, 0);
          assert.ok(maxRunning <= concurrency);
          const stats = queue.stats;
          assert.equal(stats.completed + stats.failed + stats.cancelled, specs.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('rate limits: starts never outrun the token bucket, globally or per key', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 5, max: 20 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 14 }),
        async (limit, interval, perKey, keys) => {
          const t0 = performance.now();
          const queue = new TaskQueue(
            perKey
              ? { concurrency: 8, keyRateLimit: { limit, interval } }
              : { concurrency: 8, rateLimit: { limit, interval } },
          );
          const startsByKey = new Map<number, number[]>();
          await Promise.all(
            keys.map((key) =>
              queue.push(
                async () => {
                  const list = startsByKey.get(perKey ? key : 0) ?? [];
                  list.push(performance.now() - t0);
                  startsByKey.set(perKey ? key : 0, list);
                },
                { key },
              ),
            ),
          );
          for (const [key, starts] of startsByKey) {
            starts.forEach((at, i) => {
              // The bucket was full when it was made (after t0): by time t at most
              // limit + limit * t / interval starts.
              const allowed = limit + (limit * at) / interval;
              assert.ok(
                i + 1 <= allowed + 1e-6,
                `key ${key}: start ${i + 1} at ${at.toFixed(2)} ms > ${allowed}`,
              );
            });
          }
          assert.equal(queue.stats.completed, keys.length);
        },
      ),
      { numRuns: 15 },
    );
  });
});
