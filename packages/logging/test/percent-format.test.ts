import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoggingError, percentFormat } from '../src/index.js';

// Expected values are CPython 3.13's `fmt % args`.
const cases: [string, unknown[] | Record<string, unknown>, string][] = [
  ['%s', ['abc'], 'abc'],
  ['%5s|', ['ab'], '   ab|'],
  ['%-5s|', ['ab'], 'ab   |'],
  ['%.2s', ['abc'], 'ab'],
  ['%d', [42], '42'],
  ['%i', [-7], '-7'],
  ['%05d', [-42], '-0042'],
  ['%+d', [5], '+5'],
  ['% d', [5], ' 5'],
  ['%-6d|', [12], '12    |'],
  ['%.3d', [7], '007'],
  ['%d', [3.99], '3'],
  ['%d', [-3.99], '-3'],
  ['%d', [true], '1'],
  ['%d', [10n ** 20n], '100000000000000000000'],
  ['%x', [255], 'ff'],
  ['%X', [255], 'FF'],
  ['%#x', [255], '0xff'],
  ['%#o', [8], '0o10'],
  ['%o', [8], '10'],
  ['%08.3f', [-3.14158], '-003.142'],
  ['%.3f', [3.14158], '3.142'],
  ['%f', [1.5], '1.500000'],
  ['%.0f', [0.5], '0'],
  ['%.0f', [1.5], '2'],
  ['%.0f', [2.5], '2'],
  ['%.1f', [2.25], '2.2'],
  ['%.1f', [1.15], '1.1'],
  ['%.2f', [1e22], '10000000000000000000000.00'],
  ['%e', [12345.678], '1.234568e+04'],
  ['%E', [0.000123], '1.230000E-04'],
  ['%g', [0.00001234], '1.234e-05'],
  ['%g', [123456789], '1.23457e+08'],
  ['%g', [100000], '100000'],
  ['%g', [1000000], '1e+06'],
  ['%g', [0.5], '0.5'],
  ['%G', [1e-10], '1E-10'],
  ['%#g', [1.0], '1.00000'],
  ['%f', [Number.POSITIVE_INFINITY], 'inf'],
  ['%F', [Number.NEGATIVE_INFINITY], '-INF'],
  ['%f', [Number.NaN], 'nan'],
  ['%5.1f|', [-0.0], ' -0.0|'],
  ['%c', [65], 'A'],
  ['%c', ['z'], 'z'],
  ['%r', ['a'], "'a'"],
  ['%a', ['é'], "'\\xe9'"],
  ['100%% of %s', ['x'], '100% of x'],
  ['%*d|', [5, 42], '   42|'],
  ['%-*d|', [5, 42], '42   |'],
  ['%.*f', [2, 3.14158], '3.14'],
  ['%(a)s-%(b)03d', { a: 'x', b: 2 }, 'x-002'],
  ['%(a)s %(a)r', { a: 'x' }, "x 'x'"],
  ['%s', [null], 'null'],
  ['%s', [undefined], 'undefined'],
  ['%s %s', [1, [1, 2]], '1 [ 1, 2 ]'],
  ['%ld', [5], '5'],
];

for (const [fmt, args, expected] of cases) {
  test(`'${fmt}' % ${JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} == '${expected}'`, () => {
    assert.equal(percentFormat(fmt, args), expected);
  });
}

const errors: [string, unknown[] | Record<string, unknown>, string, string][] = [
  ['%s %s', ['a'], 'TypeError', 'not enough arguments for format string'],
  ['%s', ['a', 'b'], 'TypeError', 'not all arguments converted during string formatting'],
  ['%d', ['x'], 'TypeError', '%d format: a real number is required, not str'],
  ['%x', [1.5], 'TypeError', '%x format: an integer is required, not float'],
  ['%f', ['x'], 'TypeError', 'must be real number, not str'],
  ['%z', [1], 'ValueError', "unsupported format character 'z' (0x7a) at index 1"],
  ['abc %', [1], 'ValueError', 'incomplete format'],
  ['%(a)s', ['x'], 'TypeError', 'format requires a mapping'],
  ['%(a)s', { b: 1 }, 'KeyError', "'a'"],
  ['%d', [Number.POSITIVE_INFINITY], 'OverflowError', 'cannot convert float infinity to integer'],
  ['%d', [Number.NaN], 'ValueError', 'cannot convert float NaN to integer'],
  ['%c', ['ab'], 'TypeError', '%c requires an int or a unicode character, not str'],
];

for (const [fmt, args, type, message] of errors) {
  test(`'${fmt}' % ${JSON.stringify(args)} raises ${type}: ${message}`, () => {
    assert.throws(
      () => percentFormat(fmt, args),
      (err: unknown) => err instanceof LoggingError && err.pythonType === type && err.message === message,
    );
  });
}

test('a mapping used with a plain %s formats the mapping itself, once', () => {
  assert.equal(percentFormat('%s', { a: 1 }), '{ a: 1 }');
  assert.throws(() => percentFormat('%s %s', { a: 1 }), /not enough arguments/);
});
