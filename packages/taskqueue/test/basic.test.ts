import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidOptionError, TaskQueue } from '../src/index.js';
import { deferred, tick, unhandledRejectionsDuring, waitFor } from './harness.js';

describe('basic', () => {
  test('push resolves with the task result, sync or async', async () => {
    const queue = new TaskQueue();
    assert.equal(await queue.push(async () => 42), 42);
    assert.equal(await queue.push(() => 'sync'), 'sync');
    assert.deepEqual(await queue.push(async () => ({ a: 1 })), { a: 1 });
  });

  test('a task gets an AbortSignal and the attempt number', async () => {
    const queue = new TaskQueue();
    const seen = await queue.push((signal, attempt) => ({ aborted: signal.aborted, attempt }));
    assert.deepEqual(seen, { aborted: false, attempt: 1 });
  });

  test('push rejects with the exact error a task throws or rejects with', async () => {
    const queue = new TaskQueue();
    const thrown = new Error('sync boom');
    const rejected = new Error('async boom');
    await assert.rejects(
      queue.push(() => {
        throw thrown;
      }),
      (error) => error === thrown,
    );
    await assert.rejects(
      queue.push(async () => {
        throw rejected;
      }),
      (error) => error === rejected,
    );
    assert.equal(await queue.push(async () => 'still running'), 'still running');
  });

  test('runs one at a time in push order at concurrency 1', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const order: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const results = gates.map((gate, i) =>
      queue.push(async () => {
        order.push(i);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    assert.deepEqual(order, [0]);
    assert.equal(queue.running, 1);
    assert.equal(queue.size, 2);
    assert.equal(queue.pending, 3);
    gates[0].resolve();
    await waitFor('second task to start', () => order.length === 2);
    gates[1].resolve();
    gates[2].resolve();
    assert.deepEqual(await Promise.all(results), [0, 1, 2]);
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(queue.pending, 0);
    assert.equal(queue.running, 0);
  });

  test('never runs more than `concurrency` tasks at once', async () => {
    const queue = new TaskQueue({ concurrency: 3 });
    let running = 0;
    let maxRunning = 0;
    const tasks = Array.from({ length: 30 }, (_, i) =>
      queue.push(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, i % 3));
        running--;
      }),
    );
    await Promise.all(tasks);
    assert.equal(maxRunning, 3);
  });

  test('concurrency can be raised and lowered at run time', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const gate = deferred();
    let started = 0;
    const tasks = Array.from({ length: 6 }, () =>
      queue.push(async () => {
        started++;
        await gate.promise;
      }),
    );
    await tick();
    assert.equal(started, 1);
    queue.concurrency = 4;
    assert.equal(queue.concurrency, 4);
    assert.equal(started, 4, 'raising concurrency starts waiting tasks at once');
    queue.concurrency = 1;
    gate.resolve();
    await Promise.all(tasks);
    assert.equal(started, 6);
    assert.throws(
      () => {
        queue.concurrency = 0;
      },
      (error) => error instanceof InvalidOptionError && error.option === 'concurrency',
    );
  });

  test('bad options fail fast with the option name and a stable code', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ concurrency: 0 }, 'concurrency'],
      [{ concurrency: 1.5 }, 'concurrency'],
      [{ maxPending: -1 }, 'maxPending'],
      [{ timeout: 0 }, 'timeout'],
      [{ retries: -1 }, 'retries'],
      [{ factor: 0.5 }, 'factor'],
      [{ minDelay: 10, maxDelay: 5 }, 'maxDelay'],
      [{ rateLimit: { limit: 0, interval: 10 } }, 'rateLimit.limit'],
      [{ priority: 1.5 }, 'priority'],
    ];
    for (const [options, name] of cases) {
      assert.throws(
        () => new TaskQueue(options),
        (error) =>
          error instanceof InvalidOptionError &&
          error.code === 'ERR_INVALID_OPTION' &&
          error.option === name &&
          error.message.includes(name),
        JSON.stringify(options),
      );
    }
    const queue = new TaskQueue();
    assert.throws(() => queue.push(async () => 1, { priority: 0.5 }), InvalidOptionError);
    assert.throws(() => queue.push(async () => 1, { timeout: -5 }), InvalidOptionError);
    assert.throws(() => queue.push('not a function' as never), InvalidOptionError);
    assert.throws(() => queue.push(async () => 1, { key: 'k', retries: -1 }), InvalidOptionError);
    // A rejected option leaves nothing behind.
    assert.equal(queue.pending, 0);
    assert.equal(queue.size, 0);
    await queue.onIdle();
  });

  test('a failing task the caller ignores causes no unhandled rejection', async () => {
    const unhandled = await unhandledRejectionsDuring(async () => {
      const queue = new TaskQueue({ concurrency: 2 });
      for (let i = 0; i < 5; i++) {
        void queue.push(async () => {
          throw new Error('ignored');
        });
        void queue.push(() => {
          throw new Error('ignored sync');
        });
      }
      await queue.onIdle();
    });
    assert.deepEqual(unhandled, []);
  });

  test('pushDetached runs a task without a promise and reports it through events', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    const outcomes: string[] = [];
    queue.on('success', () => outcomes.push('success'));
    queue.on('failure', (event) => outcomes.push(`failure:${(event.error as Error).message}`));
    assert.equal(
      queue.pushDetached(async () => 1),
      true,
    );
    assert.equal(
      queue.pushDetached(async () => {
        throw new Error('x');
      }),
      true,
    );
    await queue.onIdle();
    assert.deepEqual(outcomes.sort(), ['failure:x', 'success']);
    assert.deepEqual(queue.stats, { completed: 1, failed: 1, retried: 0, timedOut: 0, cancelled: 0 });
    await queue.close();
    assert.equal(
      queue.pushDetached(async () => 1),
      false,
    );
  });

  test('a task that returns a foreign thenable is awaited', async () => {
    const queue = new TaskQueue();
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a deliberate non-native thenable
      then(resolve: (value: number) => void) {
        setTimeout(() => resolve(7), 1);
      },
    } as unknown as PromiseLike<number>;
    assert.equal(await queue.push(() => thenable), 7);
  });
});

describe('types', () => {
  test('push infers the result type from the task', async () => {
    const queue = new TaskQueue();
    const fromAsync: Promise<number> = queue.push(async () => 42);
    const fromSync: Promise<string> = queue.push(() => 'x');
    const fromArgs: Promise<{ attempt: number }> = queue.push(async (_signal, attempt) => ({ attempt }));
    // @ts-expect-error the result is a number, not a string
    const wrong: Promise<string> = queue.push(async () => 42);
    assert.deepEqual(await Promise.all([fromAsync, fromSync, fromArgs, wrong]), [
      42,
      'x',
      { attempt: 1 },
      42,
    ]);
  });
});
