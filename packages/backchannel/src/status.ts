import type { StackConfig } from './config.js';
import { isAlive, readRunState } from './run-state.js';
import type { ServiceHealth } from './supervision.js';

interface Check {
  name: string;
  url: string;
}

function checksOf(config: StackConfig): Check[] {
  return [
    { name: 'origin', url: `http://127.0.0.1:${config.port}/ready` },
    { name: 'api', url: `http://127.0.0.1:${config.apiPort}/ready` },
    { name: 'reflektor', url: `http://127.0.0.1:${config.reflektorAdminPort}/ready` },
    { name: 'ekg', url: `http://127.0.0.1:${config.ekgPort}/ready` },
  ];
}

async function probe(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200 ? 'ready' : `not ready (HTTP ${response.status})`;
  } catch {
    return 'not answering';
  }
}

/** What the supervisor of the stack on this data directory last wrote about a service, if anything. */
function supervisedHealth(config: StackConfig): Record<string, ServiceHealth> {
  const state = readRunState(config.dataDir);
  if (state === undefined || !isAlive(state.pid)) return {};
  return state.services ?? {};
}

/** A service's answer, unless its supervisor says it keeps exiting: then that, whatever it answered just now. */
function combined(answer: string, health: ServiceHealth | undefined): string {
  if (health?.state === 'crash-looping') return `crash-looping (${health.lastExit ?? 'exited'})`;
  return answer;
}

/**
 * Prints whether each piece of a running stack answers ready, and which services its supervisor
 * sees crash-looping; returns 0 when every piece is ready and none is crash-looping.
 */
export async function printStatus(
  config: StackConfig,
  json: boolean,
  figures?: Record<string, Record<string, number | null>>,
): Promise<number> {
  const checks = checksOf(config);
  const answers = await Promise.all(checks.map((c) => probe(c.url)));
  const health = supervisedHealth(config);
  const states = checks.map((c, i) => combined(answers[i] ?? 'not answering', health[c.name]));
  if (json) {
    const out = Object.fromEntries(
      checks.map((c, i) => [
        c.name,
        {
          url: c.url,
          state: states[i],
          ...(health[c.name] ? { restarts: health[c.name].restarts } : {}),
          ...(figures?.[c.name] ? { figures: figures[c.name] } : {}),
        },
      ]),
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    for (const [i, c] of checks.entries()) {
      const restarts = health[c.name]?.restarts ? ` (${health[c.name].restarts} restarts)` : '';
      process.stdout.write(`${c.name.padEnd(10)} ${`${states[i]}${restarts}`.padEnd(40)} ${c.url}\n`);
    }
  }
  return states.every((s) => s === 'ready') ? 0 : 1;
}

export function statusHelp(): string {
  return [
    'Usage: backchannel status [--json] [--watch] [the port flags of "backchannel start"]',
    '',
    'Asks each service of a running "backchannel start" whether it is ready, and shows',
    'the services its supervisor had to restart (and any that keep exiting: crash-looping),',
    'then the headline figures of /status.json: p90 latency per service, queue depth and',
    'connections. --watch refreshes every second; --json prints one JSON object.',
    'Exits 0 when every service is ready and none is crash-looping, 1 otherwise.',
    '',
  ].join('\n');
}
