import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeStackPorts } from './test-stack.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('backchannel CLI', () => {
  it('prints help for the tool and for start', async () => {
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /start/);
    const start = await run(['start', '--help']);
    assert.equal(start.code, 0);
    assert.match(start.stdout, /BACKCHANNEL_API_PORT/);
  });

  it('exits 2 naming the flag when a value is bad', async () => {
    const result = await run(['start', '--ekg-port', 'nope']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--ekg-port/);
  });

  it('exits 1 naming the port and the flag when a port is taken', async () => {
    const ports = await freeStackPorts();
    const { reflektor } = ports;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(reflektor, '127.0.0.1', resolve));
    try {
      const result = await run(['start', ...ports.flags, '--data-dir', '/tmp/backchannel-unused']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`port ${reflektor}`));
      assert.match(result.stderr, /--reflektor-port/);
      assert.match(result.stderr, /BACKCHANNEL_REFLEKTOR_PORT/);
    } finally {
      blocker.close();
    }
  });
});
