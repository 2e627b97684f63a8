// The promise, tested by breaking things (all-in-one): `backchannel start` runs as a real
// process while the schedule kills each service and the supervisor, freezes reflektor and ekg
// past every timeout and runs a rolling restart. Every acknowledged message must reach every
// open page exactly once and in order (see chaos-run.ts for what is counted).
//
// CHAOS_MINUTES=0 (default): each fault once. CHAOS_MINUTES=30 CHAOS_SEED=n: random faults from
// the seed for 30 minutes (the seed is printed, so a failing run can be repeated).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeStackPorts } from '../test-stack.js';
import { AppProcess, isAlive, type ServiceName } from './app-process.js';
import { type ChaosTarget, describeChaos, type FaultOutcome, unlimited } from './chaos-run.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
/** How long a frozen process stays frozen: past the api's 2 s publish timeout, and past
 * reflektor's 10 s delivery timeout for ekg. */
const freezeMs = { reflektor: 4_000, ekg: 12_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running `backchannel start` and the faults it can suffer. */
class AllInOne implements ChaosTarget {
  readonly faults = [
    'kill-ekg',
    'kill-reflektor',
    'kill-api',
    'stop-reflektor',
    'stop-ekg',
    'rolling-restart',
    'kill-supervisor',
  ] as const;
  readonly problems: string[] = [];
  readonly dataDir = mkdtempSync(join(tmpdir(), 'backchannel-chaos-'));
  port = 0;
  options: ConstructorParameters<typeof AppProcess>[1] = { flags: [] };
  app: AppProcess | undefined;

  #app(): AppProcess {
    if (!this.app) throw new Error('not started');
    return this.app;
  }

  url(): string {
    return this.#app().url;
  }

  async start(): Promise<void> {
    const ports = await freeStackPorts();
    this.port = ports.port;
    this.options = {
      flags: [...ports.flags, '--host', '127.0.0.1', '--data-dir', this.dataDir, '--log-level', 'warning'],
      env: unlimited,
    };
    this.app = new AppProcess(this.port, this.options);
    await this.app.start();
  }

  async stop(): Promise<void> {
    await this.app?.stop().catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async inject(fault: string): Promise<FaultOutcome> {
    const now = Date.now();
    switch (fault) {
      case 'kill-ekg':
      case 'kill-reflektor':
      case 'kill-api': {
        const name = fault.slice('kill-'.length) as ServiceName;
        this.#app().signalService(name, 'SIGKILL');
        return { from: now, note: `SIGKILL ${name}; the supervisor starts it again` };
      }
      case 'stop-reflektor':
      case 'stop-ekg': {
        const name = fault.slice('stop-'.length) as 'reflektor' | 'ekg';
        const pid = this.#app().signalService(name, 'SIGSTOP');
        await sleep(freezeMs[name]);
        process.kill(pid, 'SIGCONT');
        return {
          from: Date.now(),
          note: `SIGSTOP ${name} for ${freezeMs[name] / 1000} s (recovery from SIGCONT)`,
        };
      }
      case 'rolling-restart':
        await this.rollingRestart();
        return { from: now, note: 'backchannel restart: ekg, reflektor, api one by one' };
      case 'kill-supervisor':
        return { from: now, note: await this.killSupervisor() };
      default:
        throw new Error(`unknown fault ${fault}`);
    }
  }

  async rollingRestart(): Promise<void> {
    const child = spawn(process.execPath, [cli, 'restart', '--data-dir', this.dataDir, '--timeout', '120'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) this.problems.push(`backchannel restart exited ${code}: ${output.trim()}`);
  }

  /** SIGKILL the supervisor: its services must be gone within a second; then start again. */
  async killSupervisor(): Promise<string> {
    const app = this.#app();
    const children = app.servicePids();
    const killedAt = Date.now();
    app.signalSupervisor('SIGKILL');
    await app.exited();
    while (children.some(isAlive) && Date.now() - killedAt < 5_000) await sleep(10);
    const goneMs = Date.now() - killedAt;
    const orphans = children.filter(isAlive);
    if (orphans.length > 0) {
      this.problems.push(`services outlived their supervisor by more than 5 s (pids ${orphans.join(', ')})`);
      // Cleared by hand, as a person would have to, so the run can go on and count the rest.
      for (const pid of orphans) process.kill(pid, 'SIGKILL');
      await sleep(500);
    } else if (goneMs > 1_500) {
      this.problems.push(
        `services took ${goneMs} ms to exit after the supervisor died (bar 1 s, 1.5 s allowed for noise)`,
      );
    }
    this.app = new AppProcess(this.port, this.options);
    await this.app.start();
    return orphans.length > 0
      ? `SIGKILL the supervisor: ${orphans.length} services outlived it`
      : `SIGKILL the supervisor: its services gone after ${goneMs} ms; started again`;
  }
}

describeChaos(
  'chaos, all-in-one: every acknowledged message on every open page, through every fault',
  'all-in-one',
  'chaos-room',
  new AllInOne(),
);
