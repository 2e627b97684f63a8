// runService as a person meets it: exit codes, messages that name the flag, signals at any
// moment, and the supervisor's death. The demo service is a real process on a real port.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('./fixtures/demo-service.js', import.meta.url));

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], ipc = false): Run {
  const child = spawn(process.execPath, [demo, ...args], {
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_FORMAT: 'text', LOG_LEVEL: 'info' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('runService', () => {
  it('--help prints every flag with its variable and exits 0', async () => {
    const { output, exited } = run(['--help']);
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.match(output(), /Usage: demo-service \[flags\]/);
    assert.match(output(), /--port VALUE\s+TCP port \(env DEMO_PORT; default 0\)/);
    assert.match(output(), /--log-level LEVEL/);
    assert.match(output(), /--log-format FORMAT/);
  });

  it('a bad flag exits 2 naming it and saying what to do', async () => {
    const { output, exited } = run(['--port', 'eighty']);
    assert.equal((await exited).code, 2);
    assert.match(output(), /demo-service: --port must be a port number/);
    assert.match(output(), /Run "demo-service --help" to see every flag\./);
    const unknown = run(['--prot', '80']);
    assert.equal((await unknown.exited).code, 2);
    assert.match(unknown.output(), /--prot/);
  });

  it('a taken port exits 1 naming the port, the flag and the variable', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { output, exited } = run(['--port', String(port)]);
      assert.equal((await exited).code, 1);
      assert.match(
        output(),
        new RegExp(`port ${port} is already in use .*choose another with --port or DEMO_PORT`),
      );
    } finally {
      blocker.close();
    }
  });

  it('a failed start exits 1 with the reason', async () => {
    const { output, exited } = run(['--fail-start']);
    assert.equal((await exited).code, 1);
    assert.match(output(), /could not start: the database is not there/);
  });

  it('a SIGTERM the moment it is listening drains it and exits 0, every time', async () => {
    for (let i = 0; i < 5; i++) {
      const { child, output, exited } = run([]);
      await until(() => output().includes('listening on'), 'the listening line');
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null }, output());
      assert.match(output(), /SIGTERM: shutting down/);
    }
  });

  it('a drain that outlives its deadline exits 1', async () => {
    const { child, output, exited } = run(['--slow-close', '5s']);
    await until(() => output().includes('listening on'), 'the listening line');
    const started = Date.now();
    child.kill('SIGTERM');
    assert.equal((await exited).code, 1);
    assert.ok(Date.now() - started < 4_000);
    assert.match(output(), /shutdown did not finish within 1000 ms/);
  });

  it('exits within a second when its supervisor is gone', async () => {
    // The supervisor: a node process that starts the demo with an IPC channel, then is SIGKILLed.
    const supervisor = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(demo)}, '--slow-close', '5s'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
         c.channel.unref(); process.stdout.write('child ' + c.pid + '\\n'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    supervisor.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    supervisor.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    await until(() => /child \d+/.test(output) && output.includes('listening on'), 'the demo to listen');
    const pid = Number(/child (\d+)/.exec(output)?.[1]);
    const killed = Date.now();
    supervisor.kill('SIGKILL');
    // Exited, even if init has not reaped it yet (a zombie's state is Z).
    const alive = () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
      } catch {
        return false;
      }
    };
    await until(() => !alive(), 'the orphan to exit', 5_000);
    assert.ok(Date.now() - killed < 1_500, `exited ${Date.now() - killed} ms after its supervisor`);
  });
});
