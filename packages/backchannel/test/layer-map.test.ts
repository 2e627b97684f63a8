// The layer map is enforced: scripts/check-layers.mjs (run by `npm run lint`) fails on an
// import that breaks layers.json. Fixture workspaces are written to a temp folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const script = join(repo, 'scripts', 'check-layers.mjs');

function check(root?: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [script, ...(root ? ['--root', root] : [])], {
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the layer map', () => {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** A workspace of a low package `base` and a higher `app` that may import it. */
  function fixture(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'backchannel-layers-'));
    roots.push(root);
    const all: Record<string, string> = {
      'layers.json': JSON.stringify({
        packages: { base: [], app: ['base'], web: ['app/client'] },
        testOnly: ['kit'],
      }),
      'packages/base/package.json': '{"name":"base"}',
      'packages/app/package.json': '{"name":"app"}',
      'packages/web/package.json': '{"name":"web"}',
      'packages/kit/package.json': '{"name":"kit"}',
      'packages/base/src/index.ts': 'export const x = 1;\n',
      'packages/app/src/index.ts': "import { x } from 'base';\nexport const y = x;\n",
      ...files,
    };
    for (const [path, text] of Object.entries(all)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('passes on this repository', () => {
    const { status, output } = check();
    assert.equal(status, 0, output);
  });

  it('passes a workspace whose imports all point down', () => {
    const { status, output } = check(
      fixture({ 'packages/web/src/a.ts': "import { c } from 'app/client';\n" }),
    );
    assert.equal(status, 0, output);
  });

  it('fails when a lower package imports a higher one, naming the file, line and rule', () => {
    const { status, output } = check(
      fixture({ 'packages/base/src/up.ts': "// a comment\nimport { y } from 'app';\nexport { y };\n" }),
    );
    assert.equal(status, 1);
    assert.match(output, /packages\/base\/src\/up\.ts:2: base may not import "app"/);
  });

  it('fails on a subpath that is not the allowed one, a dynamic import, and an export-from', () => {
    const { status, output } = check(
      fixture({
        'packages/web/src/a.ts':
          "import { z } from 'app';\nexport * from 'base';\nconst m = await import('base');\n",
      }),
    );
    assert.equal(status, 1);
    assert.match(output, /web may not import "app"/);
    assert.equal((output.match(/web may not import "base"/g) ?? []).length, 2);
  });

  it('fails on reaching into another package by a relative path or into its src/', () => {
    const { status, output } = check(
      fixture({
        'packages/app/src/deep.ts':
          "import { x } from '../../base/src/index.js';\nimport 'base/src/index.js';\n",
      }),
    );
    assert.equal(status, 1);
    assert.match(output, /deep\.ts:1 imports "\.\.\/\.\.\/base\/src\/index\.js", a file of another package/);
    assert.match(output, /deep\.ts:2 imports "base\/src\/index\.js": that reaches into base's files/);
  });

  it('lets tests, not sources, use a test-only package', () => {
    assert.equal(check(fixture({ 'packages/base/test/a.test.ts': "import 'kit';\n" })).status, 0);
    const { status, output } = check(fixture({ 'packages/base/src/a.ts': "import 'kit';\n" }));
    assert.equal(status, 1, output);
  });

  it('refuses a package missing from layers.json', () => {
    const { status, output } = check(fixture({ 'packages/extra/package.json': '{"name":"extra"}' }));
    assert.equal(status, 2);
    assert.match(output, /package extra has no entry in layers\.json/);
  });
});
