import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
