import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEBUG, Formatter, getLogger, JsonFormatter, percentFormat } from '../src/index.js';
import { ListHandler, uniqueName } from './capture.js';

// Pieces a %-format can be made of, including broken ones.
const piece = fc.oneof(
  fc.constantFrom(
    '%s',
    '%d',
    '%i',
    '%f',
    '%r',
    '%x',
    '%%',
    '%5s',
    '%-3d',
    '%.2f',
    '%(a)s',
    '%(b)d',
    '%(missing)s',
    '%',
    '%z',
    '%*d',
    '%(',
    '%c',
  ),
  fc.string({ maxLength: 5 }),
);
const message = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(fc.string(), fc.integer())),
);
const args = fc.oneof(
  fc.array(value, { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'c'), value).map((d) => [d]),
);

test('a log call never throws; the record is written exactly when its arguments fit, else reported', () => {
  const log = getLogger(uniqueName('prop'));
  log.setLevel(DEBUG);
  log.propagate = false;
  const text = new ListHandler();
  text.setFormatter(new Formatter('%(levelname)s %(name)s %(message)s'));
  const json = new ListHandler();
  json.setFormatter(new JsonFormatter());
  log.addHandler(text);
  log.addHandler(json);
  fc.assert(
    fc.property(message, args, (msg, a) => {
      const before = text.records.length;
      const errorsBefore = text.errors.length;
      const writtenBefore = text.formatted.length;
      const jsonBefore = json.formatted.length;
      log.info(msg, ...a);
      assert.equal(text.records.length, before + 1, 'record handled');
      assert.equal(json.records.length, before + 1, 'record handled by every handler');
      // Whether the arguments fitted decides whether handleError was told.
      let fits = true;
      const mapping =
        a.length === 1 &&
        typeof a[0] === 'object' &&
        a[0] !== null &&
        !Array.isArray(a[0]) &&
        Object.keys(a[0]).length > 0;
      const hasArgs = mapping || a.length > 0;
      if (hasArgs) {
        try {
          percentFormat(msg, mapping ? (a[0] as Record<string, unknown>) : a);
        } catch {
          fits = false;
        }
      }
      assert.equal(text.errors.length, errorsBefore + (fits ? 0 : 1), `handleError reported: ${!fits}`);
      // As in Python, a record whose message cannot be formatted is not written.
      assert.equal(text.formatted.length, writtenBefore + (fits ? 1 : 0));
      assert.equal(json.formatted.length, jsonBefore + (fits ? 1 : 0));
      if (!fits) return;
      const line = text.formatted.at(-1)!;
      assert.ok(line.startsWith(`INFO ${log.name} `));
      JSON.parse(json.formatted.at(-1)!);
      if (!hasArgs) assert.equal(line, `INFO ${log.name} ${msg}`, 'no args: the message is used verbatim');
    }),
    { numRuns: 2000 },
  );
});

test('the record keeps the raw message and arguments for handleError to report', () => {
  const log = getLogger(uniqueName('raw'));
  log.setLevel(DEBUG);
  log.propagate = false;
  const h = new ListHandler();
  log.addHandler(h);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), (placeholders, given) => {
      const msg = Array.from({ length: placeholders }, () => '%s').join(' ');
      const values = Array.from({ length: given }, (_v, i) => i);
      const errors = h.errors.length;
      const written = h.formatted.length;
      log.warning(msg, ...values);
      const r = h.records.at(-1)!;
      assert.equal(r.msg, msg);
      assert.deepEqual(r.args, values);
      const wrong = given > 0 && placeholders !== given;
      assert.equal(h.errors.length, errors + (wrong ? 1 : 0));
      assert.equal(h.formatted.length, written + (wrong ? 0 : 1));
      if (!wrong && given > 0) assert.equal(h.formatted.at(-1), values.join(' '));
    }),
  );
});

test('quoteJson is JSON.stringify for every string', async () => {
  const { quoteJson } = await import('../src/json-quote.js');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.string({ minLength: 60, maxLength: 200, unit: 'grapheme' }),
      ),
      (s) => {
        assert.equal(quoteJson(s), JSON.stringify(s));
      },
    ),
    { numRuns: 3000 },
  );
  for (const s of ['\ud800', 'a"b', 'back\\slash', '\u2028', `${'x'.repeat(100)}\n`])
    assert.equal(quoteJson(s), JSON.stringify(s));
});
