import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskQueue } from '../src/index.js';
import { deferred, sleep, tick, waitFor } from './harness.js';

describe('per-key ordering', () => {
  test('tasks with the same key run one at a time in push order', async () => {
    const queue = new TaskQueue({ concurrency: 10 });
    const log: string[] = [];
    let runningA = 0;
    const tasks = [5, 1, 3, 0, 2].map((ms, i) =>
      queue.push(
        async () => {
          runningA++;
          assert.equal(runningA, 1, 'two tasks of key a overlapped');
          log.push(`start ${i}`);
          await sleep(ms);
          log.push(`end ${i}`);
          runningA--;
          return i;
        },
        { key: 'a' },
      ),
    );
    assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4]);
    assert.deepEqual(
      log,
      [0, 1, 2, 3, 4].flatMap((i) => [`start ${i}`, `end ${i}`]),
    );
  });

  test('different keys run in parallel up to the concurrency', async () => {
    const queue = new TaskQueue({ concurrency: 3 });
    const gate = deferred();
    let running = 0;
    const tasks = ['a', 'b', 'c', 'd', 'a'].map((key) =>
      queue.push(
        async () => {
          running++;
          await gate.promise;
          running--;
        },
        { key },
      ),
    );
    await tick();
    assert.equal(running, 3);
    assert.equal(queue.size, 2);
    gate.resolve();
    await Promise.all(tasks);
  });

  test('keyed and unkeyed tasks share the concurrency', async () => {
    const queue = new TaskQueue({ concurrency: 2 });
    const gate = deferred();
    let running = 0;
    const tasks = [
      queue.push(async () => {
        running++;
        await gate.promise;
      }),
      queue.push(
        async () => {
          running++;
          await gate.promise;
        },
        { key: 1 },
      ),
      queue.push(
        async () => {
          running++;
          await gate.promise;
        },
        { key: 2 },
      ),
    ];
    await tick();
    assert.equal(running, 2);
    gate.resolve();
    await Promise.all(tasks);
    assert.equal(running, 3);
  });

  test('a retrying head holds back only its own key', async () => {
    const queue = new TaskQueue({ concurrency: 2, retries: 3, minDelay: 30, maxDelay: 30 });
    const log: string[] = [];
    let failures = 0;
    const a1 = queue.push(
      async (_signal, attempt) => {
        log.push(`a1 attempt ${attempt}`);
        if (failures++ < 2) throw new Error('host restarting');
        return 'a1';
      },
      { key: 'a' },
    );
    const a2 = queue.push(
      async () => {
        log.push('a2');
        return 'a2';
      },
      { key: 'a' },
    );
    const bs = [1, 2, 3].map((i) =>
      queue.push(
        async () => {
          log.push(`b${i}`);
          return `b${i}`;
        },
        { key: 'b' },
      ),
    );
    await Promise.all(bs);
    assert.ok(!log.includes('a2'), 'key a moved on while its head was retrying');
    assert.deepEqual(await Promise.all([a1, a2]), ['a1', 'a2']);
    const aLog = log.filter((line) => line.startsWith('a'));
    assert.deepEqual(aLog, ['a1 attempt 1', 'a1 attempt 2', 'a1 attempt 3', 'a2']);
    // b finished while a was backing off.
    assert.ok(log.indexOf('b3') < log.indexOf('a1 attempt 3'));
  });

  test('a failing head that gives up lets its key go on', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const first = queue.push(
      async () => {
        throw new Error('gone');
      },
      { key: 'k' },
    );
    const second = queue.push(async () => 'next', { key: 'k' });
    await assert.rejects(first, /gone/);
    assert.equal(await second, 'next');
  });

  test('maxActiveKeys caps the keys in progress and rotates between them', async () => {
    const queue = new TaskQueue({ concurrency: 10, maxActiveKeys: 2 });
    const active = new Set<string>();
    let maxActive = 0;
    const starts: string[] = [];
    const tasks: Promise<void>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const key of ['a', 'b', 'c', 'd']) {
        tasks.push(
          queue.push(
            async () => {
              active.add(key);
              maxActive = Math.max(maxActive, active.size);
              starts.push(key);
              await sleep(2);
              active.delete(key);
            },
            { key },
          ),
        );
      }
    }
    await tick();
    assert.equal(queue.activeKeyCount, 2);
    await Promise.all(tasks);
    assert.equal(maxActive, 2);
    // c and d get their turn before a and b finish their backlog.
    assert.ok(starts.indexOf('c') < starts.lastIndexOf('a'));
    assert.equal(queue.activeKeyCount, 0);
  });

  test('cancelling a waiting keyed task keeps the order of the rest', async () => {
    const queue = new TaskQueue({ concurrency: 4 });
    const gate = deferred();
    const log: number[] = [];
    const controller = new AbortController();
    const first = queue.push(
      async () => {
        await gate.promise;
        log.push(1);
      },
      { key: 'k' },
    );
    const second = queue.push(async () => log.push(2), { key: 'k', signal: controller.signal });
    const third = queue.push(async () => log.push(3), { key: 'k' });
    controller.abort();
    await assert.rejects(second, { code: 'ERR_TASK_ABORTED' });
    gate.resolve();
    await Promise.all([first, third]);
    assert.deepEqual(log, [1, 3]);
  });

  test('cancelling the key head lets the next task of the key start', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const blocker = deferred();
    const blocking = queue.push(() => blocker.promise);
    const controller = new AbortController();
    const head = queue.push(async () => 'head', { key: 'k', signal: controller.signal });
    const next = queue.push(async () => 'next', { key: 'k' });
    controller.abort();
    await assert.rejects(head, { code: 'ERR_TASK_ABORTED' });
    blocker.resolve();
    await blocking;
    assert.equal(await next, 'next');
    await waitFor('queue idle', () => queue.pending === 0);
  });
});

describe('per-key ordering without result promises', () => {
  test('pushDetached keeps key order across retries and reports outcomes through events', async () => {
    const queue = new TaskQueue({ concurrency: 4, retries: 2, minDelay: 1, maxDelay: 2 });
    const log: string[] = [];
    const failures: string[] = [];
    queue.on('failure', (event) => failures.push(`${event.key}:${(event.error as Error).message}`));
    let flaky = 0;
    for (let i = 0; i < 4; i++) {
      queue.pushDetached(
        async (_signal, attempt) => {
          log.push(`k${i}#${attempt}`);
          if (i === 1 && flaky++ < 2) throw new Error('flaky');
          if (i === 2) throw new Error('broken');
        },
        { key: 'room' },
      );
    }
    await queue.onIdle();
    assert.deepEqual(log, ['k0#1', 'k1#1', 'k1#2', 'k1#3', 'k2#1', 'k2#2', 'k2#3', 'k3#1']);
    assert.deepEqual(failures, ['room:broken']);
    assert.deepEqual(queue.stats, { completed: 3, failed: 1, retried: 4, timedOut: 0, cancelled: 0 });
  });

  test('a lowered concurrency applies as running tasks finish', async () => {
    const queue = new TaskQueue({ concurrency: 4 });
    const gate = deferred();
    let running = 0;
    let maxForLaterTasks = 0;
    const tasks = Array.from({ length: 12 }, (_, i) =>
      queue.push(
        async () => {
          running++;
          if (i >= 4) maxForLaterTasks = Math.max(maxForLaterTasks, running);
          await gate.promise;
          await sleep(1);
          running--;
        },
        { key: i },
      ),
    );
    await tick();
    assert.equal(running, 4);
    queue.concurrency = 2;
    gate.resolve();
    await Promise.all(tasks);
    assert.ok(maxForLaterTasks <= 2, `tasks started after lowering ran ${maxForLaterTasks} at a time`);
  });
});
