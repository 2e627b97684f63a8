import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TaskQueueEvents } from '../src/index.js';
import { QueueClosedError, QueueFullError, TaskQueue } from '../src/index.js';
import { deferred, sleep, tick, waitFor } from './harness.js';

describe('flow control', () => {
  test('pause holds starts back, resume starts them', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    queue.pause();
    assert.equal(queue.isPaused, true);
    let started = 0;
    const tasks = Array.from({ length: 3 }, () =>
      queue.push(async () => {
        started++;
      }),
    );
    await tick();
    assert.equal(started, 0);
    assert.equal(queue.size, 3);
    queue.resume();
    await Promise.all(tasks);
    assert.equal(started, 3);
  });

  test('a queue created paused starts nothing until resumed', async () => {
    const queue = new TaskQueue({ paused: true });
    let ran = false;
    const task = queue.push(async () => {
      ran = true;
    });
    await tick();
    assert.equal(ran, false);
    queue.resume();
    await task;
    assert.equal(ran, true);
  });

  test('onEmpty resolves when nothing waits, onIdle when nothing runs either', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const gates = [deferred(), deferred()];
    let emptyAt = -1;
    let idleAt = -1;
    const log: string[] = [];
    for (const gate of gates) void queue.push(() => gate.promise.then(() => log.push('done')));
    void queue.onEmpty().then(() => {
      emptyAt = log.length;
    });
    void queue.onIdle().then(() => {
      idleAt = log.length;
    });
    gates[0].resolve();
    await waitFor('empty', () => emptyAt !== -1);
    assert.equal(emptyAt, 1, 'empty once the second task started');
    assert.equal(idleAt, -1);
    gates[1].resolve();
    await waitFor('idle', () => idleAt !== -1);
    assert.equal(idleAt, 2);
    // Already empty and idle: resolve at once.
    await queue.onEmpty();
    await queue.onIdle();
  });

  test('onSizeLessThan lets a producer feed the queue at a bounded size', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    let maxSize = 0;
    let done = 0;
    for (let i = 0; i < 50; i++) {
      await queue.onSizeLessThan(5);
      void queue.push(async () => {
        await sleep(i % 2);
        done++;
      });
      maxSize = Math.max(maxSize, queue.size);
    }
    await queue.onIdle();
    assert.equal(done, 50);
    assert.ok(maxSize <= 5, `size reached ${maxSize}`);
  });

  test('maxPending makes push reject with QueueFullError', async () => {
    const queue = new TaskQueue({ concurrency: 1, maxPending: 2 });
    const gate = deferred();
    const a = queue.push(() => gate.promise);
    const b = queue.push(() => gate.promise);
    await assert.rejects(
      queue.push(async () => 1),
      (error) => {
        assert.ok(error instanceof QueueFullError);
        assert.equal(error.code, 'ERR_QUEUE_FULL');
        assert.equal(error.status, 503);
        assert.equal(error.maxPending, 2);
        assert.match(error.message, /maxPending/);
        return true;
      },
    );
    gate.resolve();
    await Promise.all([a, b]);
    assert.equal(await queue.push(async () => 'room again'), 'room again');
  });

  test('close({ drain: true }) runs everything pushed, then rejects new pushes', async () => {
    const queue = new TaskQueue({ concurrency: 2, retries: 1, minDelay: 5, maxDelay: 5 });
    let done = 0;
    const tasks = Array.from({ length: 10 }, (_, i) =>
      queue.push(
        async (_signal, attempt) => {
          await sleep(1);
          if (i === 3 && attempt === 1) throw new Error('retry me');
          done++;
        },
        { key: i % 3 },
      ),
    );
    queue.pause();
    const closed = queue.close();
    await assert.rejects(
      queue.push(async () => 1),
      (error) => {
        assert.ok(error instanceof QueueClosedError);
        assert.equal(error.code, 'ERR_QUEUE_CLOSED');
        return true;
      },
    );
    await closed;
    assert.equal(done, 10);
    await Promise.all(tasks);
    assert.equal(queue.isClosed, true);
  });

  test('close({ drain: false }) rejects waiting tasks and aborts running ones', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    let runningSignal: AbortSignal | undefined;
    const running = queue.push(async (signal) => {
      runningSignal = signal;
      await sleep(10_000, signal);
    });
    const waiting = queue.push(async () => 'never');
    const keyed = queue.push(async () => 'never', { key: 'k' });
    const keyedBehind = queue.push(async () => 'never', { key: 'k' });
    await waitFor('first task to start', () => runningSignal !== undefined);
    await queue.close({ drain: false });
    for (const task of [running, waiting, keyed, keyedBehind]) {
      await assert.rejects(task, { code: 'ERR_QUEUE_CLOSED' });
    }
    assert.equal(runningSignal?.aborted, true);
    assert.equal(queue.running, 0);
    assert.equal(queue.stats.cancelled, 4);
  });

  test('close({ drain: false }) cuts a draining close short', async () => {
    const queue = new TaskQueue({ retries: Number.POSITIVE_INFINITY, minDelay: 10, maxDelay: 10 });
    const forever = queue.push(async () => {
      throw new Error('always down');
    });
    const draining = queue.close();
    await waitFor('a retry', () => queue.stats.retried >= 1);
    await queue.close({ drain: false });
    await draining;
    await assert.rejects(forever, { code: 'ERR_QUEUE_CLOSED' });
  });
});

describe('observability', () => {
  test('events report starts, successes, failures, retries, timeouts and cancels', async () => {
    const queue = new TaskQueue({ concurrency: 2, minDelay: 1, maxDelay: 1 });
    const seen: string[] = [];
    const durations: number[] = [];
    queue.on('start', (event) => seen.push(`start ${event.key ?? '-'} #${event.attempt}`));
    queue.on('success', (event) => {
      seen.push(`success ${event.key ?? '-'}`);
      durations.push(event.durationMs);
    });
    queue.on('failure', (event) =>
      seen.push(`failure ${event.key ?? '-'} ${(event.error as Error).message}`),
    );
    queue.on('retry', (event) => seen.push(`retry ${event.key ?? '-'} after #${event.attempt}`));
    queue.on('timeout', (event) => seen.push(`timeout ${event.key ?? '-'} ${event.timeout}`));
    queue.on('cancel', (event) => seen.push(`cancel ${event.key ?? '-'}`));
    let idle = 0;
    queue.on('idle', () => idle++);

    await queue.push(async () => sleep(2), { key: 'ok' });
    await assert.rejects(
      queue.push(
        async () => {
          throw new Error('bad');
        },
        { key: 'bad', retries: 1 },
      ),
    );
    await assert.rejects(queue.push((signal) => sleep(1_000, signal), { key: 'slow', timeout: 5 }));
    await assert.rejects(queue.push(async () => 1, { key: 'gone', signal: AbortSignal.abort() }));
    const controller = new AbortController();
    const cancelled = queue.push((signal) => sleep(1_000, signal), {
      key: 'cancel',
      signal: controller.signal,
    });
    await waitFor('start', () => seen.includes('start cancel #1'));
    controller.abort();
    await assert.rejects(cancelled);
    await queue.onIdle();

    assert.deepEqual(seen, [
      'start ok #1',
      'success ok',
      'start bad #1',
      'retry bad after #1',
      'start bad #2',
      'failure bad bad',
      'start slow #1',
      'timeout slow 5',
      'failure slow task timed out after 5 ms on attempt 1: raise the timeout option or make the task finish sooner',
      'cancel gone',
      'start cancel #1',
      'cancel cancel',
    ]);
    assert.ok(durations[0] >= 1, `duration ${durations[0]}`);
    assert.ok(idle >= 4);
    assert.deepEqual(queue.stats, { completed: 1, failed: 2, retried: 1, timedOut: 1, cancelled: 2 });
  });

  test('on returns an unsubscribe function; a throwing listener does not disturb the queue', async () => {
    const queue = new TaskQueue();
    let calls = 0;
    const off = queue.on('success', () => calls++);
    // Listener errors are re-thrown on a microtask (like EventTarget): capture that here.
    const uncaught: unknown[] = [];
    const realQueueMicrotask = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (callback) => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    };
    const listenerError = new Error('listener bug');
    const offBad = queue.on('start', () => {
      throw listenerError;
    });
    try {
      assert.equal(await queue.push(async () => 'fine'), 'fine');
    } finally {
      globalThis.queueMicrotask = realQueueMicrotask;
    }
    assert.deepEqual(uncaught, [listenerError]);
    offBad();
    off();
    await queue.push(async () => 'again');
    assert.equal(calls, 1);
    const listener = (_event: TaskQueueEvents['success']): void => {
      calls += 100;
    };
    queue.on('success', listener);
    queue.off('success', listener);
    assert.throws(() => queue.on('finished' as 'success', listener), {
      code: 'ERR_INVALID_OPTION',
      option: 'event',
    });
    await queue.push(async () => 'off');
    assert.equal(calls, 1);
  });
});

describe('waiters and cancellation', () => {
  test('onSizeLessThan and onEmpty resolve when cancellation shrinks the queue', async () => {
    const queue = new TaskQueue({ paused: true });
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const tasks = controllers.map((controller) =>
      queue.push(async () => 1, { signal: controller.signal }).catch((error: { code: string }) => error.code),
    );
    let belowTwo = false;
    let empty = false;
    void queue.onSizeLessThan(2).then(() => {
      belowTwo = true;
    });
    void queue.onEmpty().then(() => {
      empty = true;
    });
    controllers[0].abort();
    await tick();
    assert.equal(belowTwo, false);
    controllers[1].abort();
    await waitFor('size below 2', () => belowTwo);
    assert.equal(empty, false);
    controllers[2].abort();
    await waitFor('empty', () => empty);
    assert.deepEqual(await Promise.all(tasks), ['ERR_TASK_ABORTED', 'ERR_TASK_ABORTED', 'ERR_TASK_ABORTED']);
    await queue.onIdle();
  });
});
