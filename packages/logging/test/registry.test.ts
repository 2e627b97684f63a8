import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as first from '../src/index.js';
import { ListHandler } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'logging-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a second copy of the package shares the logger tree, levels and handlers', async () => {
  // A byte-for-byte copy at another path is a different module instance, like a nested
  // node_modules copy.
  cpSync(join(import.meta.dirname, '..', 'src'), join(dir, 'src'), { recursive: true });
  const second = (await import(pathToFileURL(join(dir, 'src', 'index.js')).href)) as typeof first;
  assert.notEqual(second.Logger, first.Logger, 'really two module instances');
  assert.equal(second.getLogger('shared.x'), first.getLogger('shared.x'));
  assert.equal(second.root, first.root);
  first.addLevelName(35, 'LOUD');
  assert.equal(second.getLevelName(35), 'LOUD');
  const h = new ListHandler();
  first.getLogger('shared').addHandler(h);
  first.getLogger('shared').setLevel(first.DEBUG);
  const fromSecond = new second.StreamHandler({ write: () => true });
  fromSecond.name = 'second-copy-handler';
  assert.equal(first.getHandlerByName('second-copy-handler'), fromSecond);
  second.getLogger('shared.x').info('via %s copy', 'second');
  assert.deepEqual(h.formatted, ['via second copy']);
  second.disable(first.INFO);
  first.getLogger('shared.x').info('dropped');
  second.disable(first.NOTSET);
  assert.equal(h.formatted.length, 1);
});
