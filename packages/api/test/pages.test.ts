import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiFixture } from './helpers/api-fixture.js';

describe('pages and assets', () => {
  const publicDir = mkdtempSync(join(tmpdir(), 'backchannel-api-public-'));
  mkdirSync(join(publicDir, 'assets'));
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(join(publicDir, 'room.html'), '<!doctype html><title>room</title>');
  writeFileSync(join(publicDir, 'transcript.html'), '<!doctype html><title>transcript</title>');
  writeFileSync(join(publicDir, 'assets', 'room-3F9A1C2B.js'), 'console.log(1);');
  writeFileSync(join(publicDir, 'assets', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(publicDir, 'secret.txt'), 'not an asset');
  const fixture = new ApiFixture('sqlite', { publicDir });

  before(() => fixture.start());
  after(async () => {
    await fixture.close();
    rmSync(publicDir, { recursive: true, force: true });
  });

  test('/ → index.html, /:room → room.html, /:room/transcript → transcript.html, revalidated, with a strict CSP', async () => {
    for (const [path, title] of [
      ['/', 'home'],
      ['/physics-101', 'room'],
      ['/physics-101/transcript', 'transcript'],
    ]) {
      const response = await fixture.request('GET', path);
      assert.equal(response.status, 200, path);
      assert.match(response.text, new RegExp(`<title>${title}</title>`));
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.equal(response.headers['cache-control'], 'no-cache');
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
    }
  });

  test('ETag revalidation answers 304', async () => {
    const first = await fixture.request('GET', '/physics-101');
    const etag = String(first.headers.etag);
    const second = await fixture.request('GET', '/physics-101', { headers: { 'if-none-match': etag } });
    assert.equal(second.status, 304);
    assert.equal(second.text, '');
  });

  test('fingerprinted assets are immutable for a year, others revalidated, with their types', async () => {
    const script = await fixture.request('GET', '/assets/room-3F9A1C2B.js');
    assert.equal(script.status, 200);
    assert.equal(script.text, 'console.log(1);');
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await fixture.request('GET', '/assets/icon.svg');
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  test('no path escapes the assets folder; invalid and reserved room names are 404', async () => {
    for (const path of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/nope.js',
      '/assets/',
      '/AB',
      '/x',
      '/rooms',
      '/webhooks/transcript',
      '/secret.txt',
    ]) {
      const response = await fixture.request('GET', path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.text, /not an asset/);
    }
  });
});

describe('pages without a built web UI', () => {
  const fixture = new ApiFixture('sqlite', { publicDir: join(tmpdir(), 'backchannel-no-such-dir') });
  before(() => fixture.start());
  after(() => fixture.close());

  test('a missing file under publicDir is a 404, the api still works', async () => {
    const page = await fixture.request<{ error: { code: string } }>('GET', '/');
    assert.equal(page.status, 404);
    assert.equal((await fixture.request('GET', '/health')).status, 200);
  });
});
