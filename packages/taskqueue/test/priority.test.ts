import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskQueue } from '../src/index.js';
import { deferred } from './harness.js';

describe('priorities', () => {
  test('higher priority runs first, FIFO within a priority', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const blocking = queue.push(() => gate.promise);
    const tasks = [
      ['low-1', -1],
      ['normal-1', 0],
      ['high-1', 5],
      ['normal-2', 0],
      ['high-2', 5],
      ['mid-1', 2],
      ['low-2', -1],
    ].map(([name, priority]) =>
      queue.push(async () => order.push(name as string), { priority: priority as number }),
    );
    gate.resolve();
    await Promise.all([blocking, ...tasks]);
    assert.deepEqual(order, ['high-1', 'high-2', 'mid-1', 'normal-1', 'normal-2', 'low-1', 'low-2']);
  });

  test('a queue-wide default priority applies to pushes without one', async () => {
    const queue = new TaskQueue({ concurrency: 1, priority: 3 });
    const gate = deferred();
    const order: string[] = [];
    const blocking = queue.push(() => gate.promise);
    const tasks = [
      queue.push(async () => order.push('explicit 1'), { priority: 1 }),
      queue.push(async () => order.push('default 3')),
      queue.push(async () => order.push('explicit 9'), { priority: 9 }),
    ];
    gate.resolve();
    await Promise.all([blocking, ...tasks]);
    assert.deepEqual(order, ['explicit 9', 'default 3', 'explicit 1']);
  });

  test('priorities order ready keys; within a key push order wins', async () => {
    const queue = new TaskQueue({ concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const blocking = queue.push(() => gate.promise);
    const tasks = [
      queue.push(async () => order.push('a1'), { key: 'a', priority: 0 }),
      queue.push(async () => order.push('a2'), { key: 'a', priority: 10 }),
      queue.push(async () => order.push('b1'), { key: 'b', priority: 5 }),
    ];
    gate.resolve();
    await Promise.all([blocking, ...tasks]);
    assert.deepEqual(order, ['b1', 'a1', 'a2']);
  });

  test('lanes that empty out are reused and many distinct priorities work', async () => {
    const queue = new TaskQueue({ concurrency: 1, paused: true });
    const order: number[] = [];
    const priorities = [7, -3, 12, 0, 7, 100, -50, 12, 3];
    const tasks = priorities.map((priority) => queue.push(async () => order.push(priority), { priority }));
    queue.resume();
    await Promise.all(tasks);
    assert.deepEqual(
      order,
      [...priorities].sort((a, b) => b - a),
    );
    queue.pause();
    const again = [1, 100, 7].map((priority) => queue.push(async () => priority, { priority }));
    const seen: number[] = [];
    for (const task of again) void task.then((value) => seen.push(value));
    queue.resume();
    await Promise.all(again);
    assert.deepEqual(seen, [100, 7, 1]);
  });
});
