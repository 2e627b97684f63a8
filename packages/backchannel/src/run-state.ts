import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceHealth } from './supervision.js';

/** What a running `backchannel start` says about itself in `<data dir>/backchannel.json`. */
export interface RunState {
  pid: number;
  url: string;
  /** Rolling restarts finished since start. */
  restarts: number;
  /** The service being restarted now, if any. */
  restarting: string | null;
  /** Why the last rolling restart failed, if it did. */
  lastError: string | null;
  /** Each service's state under supervision (absent in files written by older versions). */
  services?: Record<string, ServiceHealth>;
}

export function runStatePath(dataDir: string): string {
  return join(dataDir, 'backchannel.json');
}

/** Replaces the file in one step, so a reader never sees half of it. */
export function writeRunState(dataDir: string, state: RunState): void {
  const path = runStatePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, path);
}

/** The state file's content, or undefined when there is none (or it is not ours). */
export function readRunState(dataDir: string): RunState | undefined {
  let text: string;
  try {
    text = readFileSync(runStatePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as Partial<RunState>;
    if (typeof state.pid !== 'number' || typeof state.restarts !== 'number') return undefined;
    return {
      pid: state.pid,
      url: String(state.url ?? ''),
      restarts: state.restarts,
      restarting: typeof state.restarting === 'string' ? state.restarting : null,
      lastError: typeof state.lastError === 'string' ? state.lastError : null,
      ...(typeof state.services === 'object' && state.services !== null ? { services: state.services } : {}),
    };
  } catch {
    return undefined;
  }
}

export function removeRunState(dataDir: string): void {
  rmSync(runStatePath(dataDir), { force: true });
}

/** Whether a process with this pid exists (and may be signalled by us). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
