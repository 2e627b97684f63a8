import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { type ReflektorHandle, type ReflektorOptions, startReflektor } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function reflektor(extra: Partial<ReflektorOptions> = {}): Promise<ReflektorHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'reflektor-admin-'));
  const handle = await startReflektor({
    targets: [{ name: 'default', prefix: '/', hosts: ['http://127.0.0.1:9'], mode: 'broadcast' }],
    port: 0,
    adminPort: 0,
    data: dir,
    durability: 'os',
    ...extra,
  });
  cleanups.push(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return handle;
}

async function call(
  handle: ReflektorHandle,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string; paused?: boolean }> {
  const res = await request(`http://127.0.0.1:${handle.adminPort}${path}`, {
    method,
    headers,
    body: method === 'POST' ? '' : undefined,
  });
  const body = (await res.body.json()) as { error?: { code: string }; paused?: boolean };
  return { status: res.statusCode, code: body.error?.code, paused: body.paused };
}

describe('the admin port refuses what a web page could send', () => {
  it('refuses a cross-site simple POST /pause (text/plain, foreign Origin)', async () => {
    const handle = await reflektor();
    const fromPage = await call(handle, 'POST', '/pause', {
      'content-type': 'text/plain',
      origin: 'https://evil.example',
    });
    assert.equal(fromPage.status, 403);
    assert.equal(fromPage.code, 'foreign_origin');
    const noOrigin = await call(handle, 'POST', '/pause', { 'content-type': 'text/plain' });
    assert.equal(noOrigin.status, 415);
    assert.equal(noOrigin.code, 'json_required');
    const crossSite = await call(handle, 'POST', '/pause', {
      'content-type': 'application/json',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(crossSite.status, 403);
    const stats = await request(`http://127.0.0.1:${handle.adminPort}/stats`);
    const lanes = ((await stats.body.json()) as { lanes: { paused?: boolean }[] }).lanes;
    assert.ok(
      lanes.every((lane) => lane.paused !== true),
      JSON.stringify(lanes),
    );
    const operator = await call(handle, 'POST', '/pause', { 'content-type': 'application/json' });
    assert.equal(operator.status, 200);
    assert.equal(operator.paused, true);
  });

  it('with --admin-token, needs the bearer token on all but /health and /ready', async () => {
    const handle = await reflektor({ adminToken: 'adm-secret' });
    assert.equal((await call(handle, 'GET', '/health')).status, 200);
    assert.equal((await call(handle, 'GET', '/stats')).status, 401);
    assert.equal((await call(handle, 'POST', '/pause', { 'content-type': 'application/json' })).status, 401);
    const withToken = await call(handle, 'POST', '/pause', { authorization: 'Bearer adm-secret' });
    assert.equal(withToken.status, 200);
  });
});
