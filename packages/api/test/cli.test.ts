import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ReflektorRecorder } from './helpers/reflektor-recorder.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const cleanEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'test' };

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    env: { ...cleanEnv, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('backchannel-api CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-api-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('--help lists every flag with its env variable', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    for (const [flag, env] of [
      ['--port', 'PORT'],
      ['--data-dir', 'API_DATA_DIR'],
      ['--database-url', 'DATABASE_URL'],
      ['--reflektor-url', 'REFLEKTOR_URL'],
      ['--reflektor-token', 'REFLEKTOR_TOKEN'],
      ['--public-url', 'PUBLIC_URL'],
      ['--redis-url', 'REDIS_URL'],
      ['--log-level', 'LOG_LEVEL'],
      ['--log-format', 'LOG_FORMAT'],
    ]) {
      assert.match(result.stdout, new RegExp(`${flag} .*\\(env ${env}[;)]`), flag);
    }
  });

  test('a bad flag value exits 2 naming the flag; so does an unknown flag', () => {
    for (const [args, env, named] of [
      [['--port', 'eighty'], {}, '--port'],
      [[], { PORT: '70000' }, 'PORT \\(environment\\)'],
      [['--reflektor-url', 'not a url'], {}, '--reflektor-url'],
      [['--participant-rate-limit', 'lots'], {}, '--participant-rate-limit'],
      [['--log-level', 'loud'], {}, '--log-level'],
      [['--no-such-flag'], {}, 'no-such-flag'],
    ] as Array<[string[], Record<string, string>, string]>) {
      const result = run(args, env);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, new RegExp(named), args.join(' '));
    }
  });

  test('a port in use exits 1 naming the port and how to change it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = run(['--port', String(port), '--data-dir', dataDir]);
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`port ${port}`));
      assert.match(result.stderr, /--port or PORT/);
    } finally {
      blocker.close();
    }
  });

  test('a SIGTERM the moment it says it is listening shuts it down cleanly, every time', async () => {
    const reflektor = await new ReflektorRecorder().start();
    try {
      for (let i = 0; i < 5; i++) {
        const child = spawn(
          process.execPath,
          [
            cli,
            '--port',
            '0',
            '--data-dir',
            dataDir,
            '--reflektor-url',
            reflektor.url,
            '--log-format',
            'json',
          ],
          { env: { ...cleanEnv, REFLEKTOR_TOKEN: 't' }, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let sent = false;
        child.stderr?.on('data', (chunk: Buffer) => {
          if (!sent && chunk.toString().includes('api listening')) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
        try {
          const code = await exitOf(child);
          assert.ok(sent, 'it said it was listening');
          assert.equal(code, 0, `run ${i + 1}: exited ${code} (signal ${child.signalCode})`);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      }
    } finally {
      await reflektor.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`serves, turns ready, and exits 0 on ${signal}`, async () => {
      const reflektor = await new ReflektorRecorder().start();
      const child = spawn(
        process.execPath,
        [cli, '--port', '0', '--data-dir', dataDir, '--reflektor-url', reflektor.url, '--log-format', 'json'],
        { env: { ...cleanEnv, REFLEKTOR_TOKEN: 'from-env' }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      try {
        const port = await waitFor('the listening log line', async () => {
          for (const line of stderr.split('\n')) {
            if (!line.startsWith('{')) continue;
            const record = JSON.parse(line) as { message?: string; port?: number };
            if (record.message === 'api listening') return record.port;
          }
          return undefined;
        });
        const ready = await request(`http://127.0.0.1:${port}/ready`);
        assert.equal(ready.statusCode, 200);
        await ready.body.dump();
        const created = await request(`http://127.0.0.1:${port}/api/rooms`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `cli-${signal.toLowerCase()}` }),
        });
        assert.equal(created.statusCode, 201);
        await created.body.dump();
        const posted = await request(
          `http://127.0.0.1:${port}/api/rooms/cli-${signal.toLowerCase()}/messages`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ author: 'a', text: 'hello' }),
          },
        );
        assert.equal(posted.statusCode, 201);
        await posted.body.dump();
        assert.equal(reflektor.received[0].headers.authorization, 'Bearer from-env');
        child.kill(signal);
        assert.equal(await exitOf(child), 0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await reflektor.close();
      }
    });
  }
});
