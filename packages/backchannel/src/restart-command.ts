import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, type StackConfig } from './config.js';
import { isAlive, readRunState, runStatePath } from './run-state.js';

export function restartHelp(): string {
  return [
    'Usage: backchannel restart [--data-dir DIR] [--timeout SECONDS]',
    '',
    'Restarts the api, reflektor and ekg of a running "backchannel start" one after another',
    '(a deploy of new code), without an error for anyone using the site: requests wait at the',
    'origin while the service they need restarts, and browsers resume their streams.',
    'Finds the running stack through <data dir>/backchannel.json; the same as sending it SIGHUP.',
    '',
    '  --data-dir DIR       the data directory of the running stack   env BACKCHANNEL_DATA_DIR   default ./data',
    '  --timeout SECONDS    give up waiting after this long            default 120',
    '',
    'Exits 0 once every service is back, 1 if the restart failed or no running stack was found.',
    '',
  ].join('\n');
}

/** Takes `--timeout SECONDS` (or `--timeout=SECONDS`) out of the flags; the rest are the stack's. */
export function parseRestartFlags(argv: readonly string[]): { timeoutSeconds: number; stackFlags: string[] } {
  const stackFlags = [...argv];
  const at = stackFlags.findIndex((a) => a === '--timeout' || a.startsWith('--timeout='));
  if (at < 0) return { timeoutSeconds: 120, stackFlags };
  const flag = stackFlags[at] as string;
  const inline = flag.includes('=');
  const value = inline ? flag.slice(flag.indexOf('=') + 1) : stackFlags[at + 1];
  stackFlags.splice(at, inline ? 1 : 2);
  const timeoutSeconds = Number(value);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) {
    throw new ConfigError(
      'timeout',
      `--timeout must be a number of seconds between 1 and 3600, got "${value ?? ''}"`,
    );
  }
  return { timeoutSeconds, stackFlags };
}

/** Signals the running stack to restart every service and waits until it has. */
export async function runRestart(
  config: StackConfig,
  timeoutSeconds: number,
  say: (line: string) => void,
): Promise<number> {
  const before = readRunState(config.dataDir);
  if (before === undefined || !isAlive(before.pid)) {
    say(
      `backchannel: no running "backchannel start" found (looked for ${runStatePath(config.dataDir)}); ` +
        'start one with "npm start", or pass the --data-dir it uses',
    );
    return 1;
  }
  process.kill(before.pid, 'SIGHUP');
  say(`restarting the services of ${before.url} (pid ${before.pid})`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let shown: string | null = null;
  while (Date.now() < deadline) {
    await delay(200);
    const state = readRunState(config.dataDir);
    if (state === undefined || !isAlive(before.pid)) {
      say('backchannel: the running stack stopped during the restart');
      return 1;
    }
    if (state.restarting !== null && state.restarting !== shown) {
      shown = state.restarting;
      say(`  ${shown}…`);
    }
    if (state.restarts > before.restarts && state.restarting === null) {
      if (state.lastError !== null) {
        say(`backchannel: the restart failed: ${state.lastError}`);
        return 1;
      }
      say('every service restarted and ready');
      return 0;
    }
  }
  say(`backchannel: the restart did not finish within ${timeoutSeconds} s; see the running stack's log`);
  return 1;
}
