import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordTime } from '../src/clock.js';

test("msecs follows CPython 3.13 at the second's edge: 0 when created rounds up into the next second", () => {
  // 100 ns before a whole second: the float `created` is the next second, so msecs is 0.
  assert.deepEqual(recordTime(1_677_903_920_999.9999), { created: 1_677_903_921, msecs: 0 });
  // 300 ns before: `created` stays below the second and msecs is 999.
  const near = recordTime(1_677_903_920_999.9997);
  assert.equal(near.msecs, 999);
  assert.ok(near.created < 1_677_903_921);
  assert.deepEqual(recordTime(1_700_000_000_123.456), { created: 1_700_000_000.123456, msecs: 123 });
});
