import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CLI, spawnEkg } from './harness.js';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 15000,
  });
}

test('--help lists every flag with its env variable and default', () => {
  const result = run(['--help']);
  assert.equal(result.status, 0);
  for (const flag of [
    '--port',
    '--webhook-secret',
    '--token',
    '--buffer',
    '--cors-origin',
    '--shutdown-spread',
    '--log-format',
  ]) {
    assert.ok(result.stdout.includes(flag), flag);
  }
  assert.match(result.stdout, /env EKG_PORT; default 3004/);
  assert.match(result.stdout, /env EKG_BUFFER; default 1000/);
  assert.match(result.stdout, /--secret \(use --webhook-secret\)/);
});

test('bad flags exit 2 naming the flag', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], {}, /--webhook-secret \(EKG_WEBHOOK_SECRET\) or --token \(EKG_TOKEN\) is required/],
    [['--webhook-secret', 'plain'], {}, /--webhook-secret must be "whsec_"/],
    [['--token', 't', '--buffer', '0'], {}, /--buffer must be a whole number from 1/],
    [['--token', 't'], { EKG_PORT: 'abc' }, /EKG_PORT \(environment\) must be a port number/],
    [['--token', 't', '--log-format', 'xml'], {}, /--log-format/],
    [['--token', 't', '--nope'], {}, /--nope/],
  ];
  for (const [args, env, message] of cases) {
    const result = run(args, env);
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
});

test('a port in use exits 1 naming the port and how to change it', async () => {
  const blocker = http.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const result = run(['--token', 't', '--host', '127.0.0.1', '--port', String(port)]);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(`port ${port} is already in use .*choose another with --port or EKG_PORT`),
    );
  } finally {
    blocker.close();
  }
});

test('the old spelling --secret still works, with one deprecation warning', async () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const ekg = await spawnEkg(['--secret', secret], {
    EKG_PORT: '0',
    EKG_HOST: '127.0.0.1',
    LOG_FORMAT: 'text',
  });
  try {
    assert.equal((ekg.stderr.match(/--secret is deprecated: use --webhook-secret/g) ?? []).length, 1);
  } finally {
    ekg.child.kill('SIGTERM');
  }
  assert.deepEqual(await ekg.exited, { code: 0, signal: null });
});

test('env variables configure it; /health and /ready answer; SIGTERM exits 0', async () => {
  const ekg = await spawnEkg([], {
    EKG_TOKEN: 'env-token',
    EKG_PORT: '0',
    EKG_HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
  });
  try {
    const base = `http://127.0.0.1:${ekg.port}`;
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/ready`)).json(), { ready: true });
    const published = await fetch(`${base}/publish`, {
      method: 'POST',
      headers: { authorization: 'Bearer env-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        room: 'env',
        seq: 1,
        type: 'room.updated',
        at: new Date().toISOString(),
        data: {},
      }),
    });
    assert.equal(published.status, 200);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /ekg_published_events_total 1/);
    assert.match(ekg.stderr, /^\{"time":".*"message":"listening on port \d+"\}$/m);
  } finally {
    ekg.child.kill('SIGTERM');
  }
  assert.deepEqual(await ekg.exited, { code: 0, signal: null });
});
