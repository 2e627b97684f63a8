// The conformance suite against the checked-in outputs of CPython (conformance/fixtures),
// so it runs without Python. `npm run conformance -w @backchannel/logging` runs the same
// cases against python3 itself and rewrites the fixtures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { conformanceClasses } from '../conformance/classes.js';
import { readFixture } from '../conformance/fixtures.js';
import { differences, expectedOutput } from '../conformance/output.js';
import { runTranslation } from '../conformance/run-translation.js';

for (const cls of conformanceClasses) {
  const fixture = readFixture(cls.name);
  describe(cls.name, () => {
    for (const c of cls.cases) {
      test(c.name, async () => {
        const oracle = fixture?.cases[c.name];
        assert.ok(oracle !== undefined, `no fixture: run npm run conformance -w @backchannel/logging`);
        const diffs = differences(expectedOutput(c, oracle), await runTranslation(c));
        assert.equal(diffs.length, 0, diffs.join('\n'));
      });
    }
  });
}

test('the suite has at least 150 cases, each named once per class', () => {
  let total = 0;
  for (const cls of conformanceClasses) {
    const names = cls.cases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, `duplicate case name in ${cls.name}`);
    total += names.length;
  }
  assert.ok(total >= 150, `${total} cases`);
});

test('every deviation is listed in the README table and every hand-set expectation cites its source', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  for (const cls of conformanceClasses) {
    for (const c of cls.cases) {
      if (c.deviation !== undefined)
        assert.ok(readme.includes(`\`${cls.name}.${c.name}\``), `${cls.name}.${c.name}`);
      if (c.cpython313 !== undefined) assert.match(c.cpython313.cite, /CPython 3\.13 .*:\d+/);
    }
  }
});
