import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeStackPorts } from './test-stack.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

/** Direct children of a process, read from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
}

describe('backchannel start, as a user runs it', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves the app, then stops everything on ${signal} with exit code 0`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-cli-'));
      const ports = await freeStackPorts();
      const child = spawn(process.execPath, [cli, 'start', '--host', '127.0.0.1', ...ports.flags], {
        env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir, LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 60_000;
        while (!output.includes('backchannel is ready')) {
          assert.ok(Date.now() < deadline, `not ready within 60 s:\n${output}`);
          assert.equal(child.exitCode, null, `exited early:\n${output}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(output, new RegExp(`open http://localhost:${ports.port}`));
        const home = await fetch(`http://127.0.0.1:${ports.port}/`);
        assert.equal(home.status, 200);
        assert.match(home.headers.get('content-type') ?? '', /text\/html/);

        const services = childrenOf(child.pid!);
        assert.equal(services.length, 3, `expected three service processes, found ${services.length}`);
        assert.ok(existsSync(join(dataDir, 'api')) && existsSync(join(dataDir, 'reflektor')));

        child.kill(signal);
        assert.equal(await exited, 0, output);
        for (const pid of services)
          assert.equal(alive(pid), false, `service process ${pid} outlived backchannel`);
      } finally {
        // On a failure, leave nothing running: the services would hold the output pipes open.
        const leftovers = child.pid ? childrenOf(child.pid) : [];
        if (child.exitCode === null) child.kill('SIGKILL');
        for (const pid of leftovers) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        child.stdout.destroy();
        child.stderr.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

describe('backchannel restart, as an operator runs it', () => {
  it('says so when no stack runs on the data directory', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-cli-'));
    try {
      const result = spawnSync(process.execPath, [cli, 'restart', '--data-dir', dataDir], {
        encoding: 'utf8',
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /no running "backchannel start" found .*backchannel\.json/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('restarts every service of a running stack, then the stack stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-cli-'));
    const ports = await freeStackPorts();
    const child = spawn(process.execPath, [cli, 'start', '--host', '127.0.0.1', ...ports.flags], {
      env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('backchannel is ready')) {
        assert.ok(Date.now() < deadline, `not ready within 60 s:\n${output}`);
        assert.equal(child.exitCode, null, `exited early:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = JSON.parse(readFileSync(join(dataDir, 'backchannel.json'), 'utf8')) as { pid: number };
      assert.equal(state.pid, child.pid);
      const before = childrenOf(child.pid!).sort();
      assert.equal(before.length, 3);

      const restart = spawn(process.execPath, [cli, 'restart', '--timeout', '60'], {
        env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let restartOutput = '';
      restart.stderr.on('data', (d) => {
        restartOutput += d;
      });
      const code = await new Promise<number | null>((resolve) => restart.on('exit', resolve));
      assert.equal(code, 0, restartOutput);
      assert.match(restartOutput, /ekg…[\s\S]*reflektor…[\s\S]*api…[\s\S]*every service restarted and ready/);

      const after = childrenOf(child.pid!).sort();
      assert.equal(after.length, 3);
      for (const pid of before) assert.equal(alive(pid), false, `old service process ${pid} still runs`);
      assert.equal((await fetch(`http://127.0.0.1:${ports.port}/`)).status, 200);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.equal(existsSync(join(dataDir, 'backchannel.json')), false, 'the state file is removed on exit');
    } finally {
      const leftovers = child.pid ? childrenOf(child.pid) : [];
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of leftovers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.stdout.destroy();
      child.stderr.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
