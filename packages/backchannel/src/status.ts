import type { StackConfig } from './config.js';

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

/** Prints whether each piece of a running stack answers ready; returns 0 when all do. */
export async function printStatus(config: StackConfig, json: boolean): Promise<number> {
  const checks = checksOf(config);
  const states = await Promise.all(checks.map((c) => probe(c.url)));
  if (json) {
    const out = Object.fromEntries(checks.map((c, i) => [c.name, { url: c.url, state: states[i] }]));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    for (const [i, c] of checks.entries())
      process.stdout.write(`${c.name.padEnd(10)} ${states[i]?.padEnd(26)} ${c.url}\n`);
  }
  return states.every((s) => s === 'ready') ? 0 : 1;
}

export function statusHelp(): string {
  return [
    'Usage: backchannel status [--json] [the port flags of "backchannel start"]',
    '',
    'Asks each service of a running "backchannel start" whether it is ready.',
    'Exits 0 when every service is ready, 1 otherwise.',
    '',
  ].join('\n');
}
