import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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
    logLevel: string,
  ) {
    this.child = spawn(process.execPath, [cli, 'start', '--host', '127.0.0.1', ...ports.flags], {
      env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir, LOG_LEVEL: logLevel },
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

  /** Starts it (on a fresh data folder and free ports unless given) and resolves once it printed that it is ready. */
  static async start(
    options: { dataDir?: string; ports?: StackPorts; logLevel?: string } = {},
  ): Promise<RunningCli> {
    const cli = new RunningCli(
      options.dataDir ?? mkdtempSync(join(tmpdir(), 'backchannel-cli-')),
      options.ports ?? (await freeStackPorts()),
      options.logLevel ?? 'error',
    );
    const deadline = Date.now() + 60_000;
    while (!cli.output.includes('backchannel is ready')) {
      assert.ok(Date.now() < deadline, `not ready within 60 s:\n${cli.output}`);
      assert.equal(cli.child.exitCode, null, `exited early:\n${cli.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return cli;
  }

  /** Waits until the output matches `pattern`. */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      assert.ok(Date.now() < deadline, `no ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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

/** Addresses on which something listens on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel writes them). */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`)) found.push(fields[1].split(':')[0]);
    }
  }
  return found;
}

const loopbackV4 = '0100007F';
const loopbackV6 = '00000000000000000000000001000000';

function runStatus(dataDir: string, ports: StackPorts): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, [cli, 'status', ...ports.flags], {
    env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout };
}

describe('backchannel start supervises its services', () => {
  it('its services exit within a second of its death by SIGKILL, and the next start works at once', async () => {
    const running = await RunningCli.start();
    const { child, ports, dataDir } = running;
    let next: RunningCli | undefined;
    try {
      const services = childrenOf(child.pid!);
      assert.equal(services.length, 3);
      child.kill('SIGKILL');
      await running.exited;
      const killedAt = Date.now();
      while (services.some(alive)) {
        assert.ok(Date.now() - killedAt < 1500, `services still running 1.5 s after their supervisor died`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const gone = Date.now() - killedAt;
      assert.ok(gone <= 1200, `services took ${gone} ms to exit`);
      // The state file of the killed run is still there; the next start must not trip on it.
      assert.ok(existsSync(join(dataDir, 'backchannel.json')));
      next = await RunningCli.start({ dataDir, ports });
      assert.equal((await fetch(`http://127.0.0.1:${ports.port}/`)).status, 200);
    } finally {
      running.dispose();
      next?.dispose();
    }
  });

  it('restarts a killed service, says why, and every internal service listens on loopback only', async () => {
    const running = await RunningCli.start({ logLevel: 'info' });
    const { child, ports, dataDir } = running;
    try {
      for (const port of [ports.api, ports.reflektor, ports.admin, ports.ekg]) {
        const addresses = listenAddresses(port);
        assert.ok(addresses.length > 0, `something listens on ${port}`);
        for (const address of addresses)
          assert.ok(
            address === loopbackV4 || address === loopbackV6,
            `port ${port} listens on ${address}, not loopback`,
          );
      }
      const ekgPid = childrenOf(child.pid!).find((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${ports.ekg}`),
      );
      assert.ok(ekgPid);
      process.kill(ekgPid, 'SIGKILL');
      await running.waitForOutput(/ekg exited \(signal SIGKILL\); starting it again in 0\.25 s/);
      await running.waitForOutput(/ekg is back \(restart 1\)/);
      const status = runStatus(dataDir, ports);
      assert.equal(status.status, 0, status.stdout);
      assert.match(status.stdout, /ekg\s+ready \(1 restarts\)/);
    } finally {
      running.dispose();
    }
  });

  it('a service that keeps exiting is retried with growing waits and shown as crash-looping', async () => {
    const running = await RunningCli.start({ logLevel: 'info' });
    const { child, ports, dataDir } = running;
    const apiData = join(dataDir, 'api');
    const saved = join(dataDir, 'api.saved');
    try {
      const apiPid = childrenOf(child.pid!).find((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('backchannel-api'),
      );
      assert.ok(apiPid);
      // Move the api's database away and leave a folder where its file was: every start fails.
      renameSync(apiData, saved);
      mkdirSync(join(apiData, 'api.sqlite'), { recursive: true });
      process.kill(apiPid, 'SIGKILL');
      await running.waitForOutput(/api keeps exiting .*starting it again in 4\.00 s/, 20_000);
      const status = runStatus(dataDir, ports);
      assert.equal(status.status, 1, status.stdout);
      assert.match(status.stdout, /api\s+crash-looping/);
      rmSync(apiData, { recursive: true, force: true });
      renameSync(saved, apiData);
      await running.waitForOutput(/api is back/, 30_000);
      assert.equal((await fetch(`http://127.0.0.1:${ports.port}/api/rooms/none`)).status, 404);
    } finally {
      running.dispose();
    }
  });

  it('names the process that holds a port it needs', async () => {
    const ports = await freeStackPorts();
    const dataDir = mkdtempSync(join(tmpdir(), 'backchannel-cli-'));
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer().listen(${ports.ekg}, '127.0.0.1', () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      const result = spawnSync(process.execPath, [cli, 'start', '--host', '127.0.0.1', ...ports.flags], {
        env: { ...process.env, BACKCHANNEL_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(result.status, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `port ${ports.ekg} \\(ekg\\) is already in use by pid ${holder.pid} \\(.*node.*\\).*--ekg-port`,
        ),
      );
    } finally {
      holder.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
