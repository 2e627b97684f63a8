import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeStackPorts, type StackPorts } from './test-stack.js';

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

/** `backchannel start` as a child process on free ports with its own data folder. */
class RunningCli {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output = '';

  private constructor(
    readonly dataDir: string,
    readonly ports: StackPorts,
  ) {
    this.child = spawn(process.execPath, [cli, 'start', '--host', '127.0.0.1', ...ports.flags], {
      env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => {
      this.output += d;
    });
    this.child.stderr?.on('data', (d) => {
      this.output += d;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Starts it and resolves once it printed that it is ready. */
  static async start(): Promise<RunningCli> {
    const cli = new RunningCli(mkdtempSync(join(tmpdir(), 'backchannel-cli-')), await freeStackPorts());
    const deadline = Date.now() + 60_000;
    while (!cli.output.includes('backchannel is ready')) {
      assert.ok(Date.now() < deadline, `not ready within 60 s:\n${cli.output}`);
      assert.equal(cli.child.exitCode, null, `exited early:\n${cli.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return cli;
  }

  /** Leaves nothing running (the services would hold the output pipes open) and removes the data. */
  dispose(): void {
    const leftovers = this.child.pid ? childrenOf(this.child.pid) : [];
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

describe('backchannel start, as a user runs it', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves the app, then stops everything on ${signal} with exit code 0`, async () => {
      const running = await RunningCli.start();
      const { child, ports, dataDir } = running;
      try {
        assert.match(running.output, new RegExp(`open http://localhost:${ports.port}`));
        const home = await fetch(`http://127.0.0.1:${ports.port}/`);
        assert.equal(home.status, 200);
        assert.match(home.headers.get('content-type') ?? '', /text\/html/);

        const services = childrenOf(child.pid!);
        assert.equal(services.length, 3, `expected three service processes, found ${services.length}`);
        assert.ok(existsSync(join(dataDir, 'api')) && existsSync(join(dataDir, 'reflektor')));

        child.kill(signal);
        assert.equal(await running.exited, 0, running.output);
        for (const pid of services)
          assert.equal(alive(pid), false, `service process ${pid} outlived backchannel`);
      } finally {
        running.dispose();
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
    const running = await RunningCli.start();
    const { child, ports, dataDir } = running;
    try {
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
      assert.equal(await running.exited, 0, running.output);
      assert.equal(existsSync(join(dataDir, 'backchannel.json')), false, 'the state file is removed on exit');
    } finally {
      running.dispose();
    }
  });
});
