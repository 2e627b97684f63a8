// The built pages must run under `Content-Security-Policy: default-src 'self'`: no inline
// script or style, no event-handler attributes, every asset served from /assets/ and present.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assetsPrefix, pages, publicDir } from '../src/index.js';

describe('built pages', () => {
  it('exist (npm run build writes them)', () => {
    assert.ok(existsSync(join(publicDir, pages.home)), `${publicDir} is missing: run "npm run build"`);
  });

  for (const [route, file] of Object.entries(pages)) {
    const html = (): string => readFileSync(join(publicDir, file), 'utf8');

    it(`${route} (${file}) has no inline script, style or handler`, () => {
      const page = html();
      for (const tag of page.match(/<script\b[^>]*>/g) ?? []) {
        assert.match(tag, /\ssrc="\/assets\/[^"]+\.js"/, `inline script: ${tag}`);
      }
      assert.doesNotMatch(page, /<style\b/i);
      assert.doesNotMatch(page, /\sstyle=/i);
      assert.doesNotMatch(page, /\son[a-z]+=/i);
      assert.doesNotMatch(page, /javascript:/i);
    });

    it(`${route} (${file}) references only assets that exist`, () => {
      const references = [...html().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      assert.ok(references.length >= 2, 'a page loads at least its script and the stylesheet');
      for (const reference of references) {
        assert.ok(reference.startsWith(assetsPrefix));
        assert.ok(existsSync(join(publicDir, reference)), `${reference} is missing`);
      }
    });
  }

  it('names scripts and the stylesheet by content hash, so they can be cached for good', () => {
    for (const file of Object.values(pages)) {
      const html = readFileSync(join(publicDir, file), 'utf8');
      const code = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      assert.equal(code.length, 2, `${file} loads one script and one stylesheet`);
      for (const name of code) assert.match(name, /^[a-z]+-[A-Z0-9]{8}\.(?:js|css)$/);
    }
  });

  it('bundles ekg/client into the room script', () => {
    const html = readFileSync(join(publicDir, pages.room), 'utf8');
    const script = /<script[^>]*src="(\/assets\/room-[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'room.html loads its script');
    const room = readFileSync(join(publicDir, script), 'utf8');
    assert.doesNotMatch(room, /from\s*["']ekg\/client["']/, 'the bare import was not bundled');
    assert.match(room, /lastEventId/, "ekg/client's resume parameter is in the bundle");
  });
});
