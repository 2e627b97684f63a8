import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskAbortedError, TaskQueue, TimeoutError } from '../src/index.js';
import { deferred, sleep, tick, waitFor } from './harness.js';

describe('timeouts', () => {
  test('a task past its timeout rejects with TimeoutError and its signal aborts', async () => {
    const queue = new TaskQueue();
    let reason: unknown;
    const result = queue.push(
      async (signal) => {
        try {
          await sleep(10_000, signal);
        } catch (error) {
          reason = error;
          throw error;
        }
      },
      { timeout: 20 },
    );
    await assert.rejects(result, (error) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.code, 'ERR_TASK_TIMEOUT');
      assert.equal(error.status, 504);
      assert.equal(error.timeout, 20);
      assert.equal(error.attempt, 1);
      return true;
    });
    assert.ok(reason instanceof TimeoutError, 'the signal carried the TimeoutError as reason');
    assert.equal(queue.stats.timedOut, 1);
    assert.equal(queue.stats.failed, 1);
  });

  test('the caller is answered on time even if the task ignores its signal; the slot stays taken', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const stubborn = deferred();
    const result = queue.push(() => stubborn.promise, { timeout: 10 });
    let nextStarted = false;
    const next = queue.push(async () => {
      nextStarted = true;
    });
    await assert.rejects(result, TimeoutError);
    assert.equal(queue.running, 1);
    assert.equal(nextStarted, false, 'a timed-out task keeps its slot until it returns');
    stubborn.resolve();
    await next;
    assert.equal(nextStarted, true);
  });

  test('a timed-out attempt is retried after it returns', async () => {
    const queue = new TaskQueue({ minDelay: 1, maxDelay: 1 });
    const attempts: number[] = [];
    const result = await queue.push(
      async (signal, attempt) => {
        attempts.push(attempt);
        if (attempt === 1) await sleep(10_000, signal);
        return attempt;
      },
      { timeout: 20, retries: 2 },
    );
    assert.equal(result, 2);
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(queue.stats.timedOut, 1);
  });

  test('the timeout is per attempt and the queue default can be overridden', async () => {
    const queue = new TaskQueue({ timeout: 15 });
    await assert.rejects(
      queue.push((signal) => sleep(200, signal)),
      TimeoutError,
    );
    assert.equal(
      await queue.push((signal) => sleep(30, signal).then(() => 'slow ok'), { timeout: 10_000 }),
      'slow ok',
    );
  });
});

describe('cancellation', () => {
  test('an aborted signal drops a waiting task without running it', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const gate = deferred();
    const blocking = queue.push(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const cancelled = queue.push(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    assert.equal(queue.size, 1);
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await assert.rejects(cancelled, (error) => {
      assert.ok(error instanceof TaskAbortedError);
      assert.equal(error.code, 'ERR_TASK_ABORTED');
      assert.equal(error.cause, reason);
      return true;
    });
    assert.equal(queue.size, 0);
    gate.resolve();
    await blocking;
    await tick();
    assert.equal(ran, false);
    assert.equal(queue.stats.cancelled, 1);
  });

  test('an aborted signal aborts a running task and rejects at once', async () => {
    const queue = new TaskQueue();
    const controller = new AbortController();
    let taskSignal: AbortSignal | undefined;
    const result = queue.push(
      async (signal) => {
        taskSignal = signal;
        await sleep(10_000, signal);
      },
      { signal: controller.signal },
    );
    await waitFor('task to start', () => taskSignal !== undefined);
    controller.abort('stop');
    await assert.rejects(result, { code: 'ERR_TASK_ABORTED', cause: 'stop' });
    assert.equal(taskSignal?.aborted, true);
    assert.equal(taskSignal?.reason, 'stop');
    await queue.onIdle();
  });

  test('an already aborted signal rejects at once', async () => {
    const queue = new TaskQueue();
    let ran = false;
    await assert.rejects(
      queue.push(
        async () => {
          ran = true;
        },
        { signal: AbortSignal.abort() },
      ),
      TaskAbortedError,
    );
    assert.equal(ran, false);
    assert.equal(queue.pending, 0);
  });

  test('aborting after the task settled changes nothing', async () => {
    const queue = new TaskQueue();
    const controller = new AbortController();
    assert.equal(await queue.push(async () => 'done', { signal: controller.signal }), 'done');
    controller.abort();
    assert.deepEqual(queue.stats, { completed: 1, failed: 0, retried: 0, timedOut: 0, cancelled: 0 });
  });

  test('cancelling a task waiting out a retry delay stops it', async () => {
    const queue = new TaskQueue({ minDelay: 5_000, maxDelay: 5_000 });
    const controller = new AbortController();
    let calls = 0;
    const result = queue.push(
      async () => {
        calls++;
        throw new Error('down');
      },
      { retries: 3, signal: controller.signal },
    );
    await waitFor('first attempt to fail', () => queue.stats.retried === 1);
    assert.equal(queue.size, 1);
    controller.abort();
    await assert.rejects(result, TaskAbortedError);
    assert.equal(queue.size, 0);
    await queue.onIdle();
    assert.equal(calls, 1);
  });
});

describe('signals', () => {
  test('tasks sharing the queue-wide signal can add many listeners without a leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const queue = new TaskQueue({ concurrency: 30 });
      const gate = deferred();
      const tasks = Array.from({ length: 30 }, () =>
        queue.push(async (signal) => {
          const onAbort = (): void => {};
          signal.addEventListener('abort', onAbort);
          await gate.promise;
          signal.removeEventListener('abort', onAbort);
        }),
      );
      await tick();
      gate.resolve();
      await Promise.all(tasks);
      await tick();
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((warning) => warning.name),
      [],
    );
  });

  test('a running task cancelled by its caller is not also counted as timed out', async () => {
    const queue = new TaskQueue();
    const controller = new AbortController();
    const stubborn = deferred();
    let started = false;
    const result = queue.push(
      () => {
        started = true;
        return stubborn.promise;
      },
      { timeout: 20, signal: controller.signal },
    );
    await waitFor('start', () => started);
    controller.abort();
    await assert.rejects(result, TaskAbortedError);
    await sleep(40);
    stubborn.resolve();
    await queue.onIdle();
    assert.deepEqual(queue.stats, { completed: 0, failed: 0, retried: 0, timedOut: 0, cancelled: 1 });
  });
});
