import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/portability.test.js → the package's src/ folder.
const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

describe('portability', () => {
  test('src has no runtime dependency and touches no Node-only API directly', () => {
    const files = readdirSync(srcDir).filter((name) => name.endsWith('.ts'));
    assert.ok(files.length > 5, `found ${files.length} source files in ${srcDir}`);
    for (const name of files) {
      const source = readFileSync(join(srcDir, name), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      for (const specifier of imports) {
        assert.ok(
          specifier.startsWith('./'),
          `${name} imports ${specifier}: only relative imports are allowed`,
        );
      }
      assert.doesNotMatch(source, /\brequire\(|\bBuffer\b|\bsetImmediate\b/, `${name} uses a Node-only API`);
      assert.doesNotMatch(source, /(?<!\.)\bprocess\./, `${name} touches process directly`);
    }
    const manifest = JSON.parse(readFileSync(join(srcDir, '..', 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), []);
  });
});
