// `backchannel start` as a real process, the way a person runs it: its services are found by
// walking /proc, so faults can be aimed at the supervisor or at any one of its children.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'api' | 'reflektor' | 'ekg';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** Which bin a service's command line runs. */
const binOf: Record<ServiceName, string> = {
  api: 'backchannel-api.js',
  reflektor: 'reflektor.js',
  ekg: 'ekg.js',
};

export interface AppProcessOptions {
  flags: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the supervisor's log lines go (default: kept in `log`). */
  onLine?: (line: string) => void;
}

export class AppProcess {
  readonly url: string;
  readonly log: string[] = [];
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly options: AppProcessOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the supervisor and resolves once the origin answers and the api is ready. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, [cli, 'start', ...this.options.flags], {
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      let buffer = '';
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n');
        while (end !== -1) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          this.log.push(line);
          this.options.onLine?.(line);
          end = buffer.indexOf('\n');
        }
      });
    }
    await this.waitReady(timeoutMs);
  }

  /** Resolves once the origin is ready and the api answers through it. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#child?.exitCode !== null && this.#child?.exitCode !== undefined)
        throw new Error(
          `backchannel start exited ${this.#child.exitCode}:\n${this.log.slice(-20).join('\n')}`,
        );
      try {
        const ready = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(1000) });
        await ready.arrayBuffer();
        const api = await fetch(`${this.url}/api/rooms/no-such-room-here`, {
          signal: AbortSignal.timeout(1000),
        });
        await api.arrayBuffer();
        if (ready.status === 200 && api.status === 404) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`not ready within ${timeoutMs} ms:\n${this.log.slice(-20).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The pid of one of the supervisor's services right now (it changes when it restarts). */
  servicePid(name: ServiceName): number | undefined {
    const parent = this.#child?.pid;
    if (parent === undefined) return undefined;
    return childPids(parent).find((pid) => commandLine(pid).some((arg) => arg.endsWith(binOf[name])));
  }

  /** Every process the supervisor started that is still alive. */
  servicePids(): number[] {
    const parent = this.#child?.pid;
    return parent === undefined ? [] : childPids(parent);
  }

  signalService(name: ServiceName, signal: NodeJS.Signals): number {
    const pid = this.servicePid(name);
    if (pid === undefined) throw new Error(`${name} is not running`);
    process.kill(pid, signal);
    return pid;
  }

  signalSupervisor(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** Resolves when the supervisor has exited. */
  exited(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async stop(): Promise<void> {
    this.signalSupervisor('SIGTERM');
    await this.exited();
  }
}

/** Pids whose parent is `parent` (from /proc/<pid>/stat). */
export function childPids(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether the process still runs: a zombie (exited, not yet reaped by init) does not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
