import { readFileSync } from 'node:fs';
import { ReflektorError } from './errors.js';
import type { LaneSpec } from './store/store.js';

/** `broadcast`: every host gets every request. `balance`: each request goes to one healthy host. */
export type Mode = 'broadcast' | 'balance';

/** A named group of hosts that receives the requests whose path starts with `prefix`. */
export interface Target {
  name: string;
  prefix: string;
  hosts: string[];
  mode: Mode;
}

/** A delivery lane: its own queue position, ordering and retries. */
export interface Lane extends LaneSpec {
  mode: Mode;
  hosts: string[];
}

function normalizeHost(host: string, where: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new ReflektorError(
      'bad_target',
      `${where}: "${host}" is not a URL; give e.g. http://127.0.0.1:8080`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ReflektorError('bad_target', `${where}: "${host}" must be an http:// or https:// URL`);
  }
  return url.origin;
}

/** Checks and normalizes targets; throws ReflektorError (code `bad_target`) naming `where`. */
export function checkTargets(targets: readonly Target[], where: string): Target[] {
  if (targets.length === 0)
    throw new ReflektorError('bad_target', `${where}: at least one target host is required`);
  const names = new Set<string>();
  return targets.map((t) => {
    if (!t.name || names.has(t.name)) {
      throw new ReflektorError('bad_target', `${where}: every target needs a unique "name"`);
    }
    names.add(t.name);
    if (t.mode !== 'broadcast' && t.mode !== 'balance') {
      throw new ReflektorError(
        'bad_target',
        `${where}: target "${t.name}" mode must be broadcast or balance`,
      );
    }
    if (!Array.isArray(t.hosts) || t.hosts.length === 0) {
      throw new ReflektorError('bad_target', `${where}: target "${t.name}" needs at least one host`);
    }
    const prefix = t.prefix ?? '/';
    if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
      throw new ReflektorError('bad_target', `${where}: target "${t.name}" prefix must start with "/"`);
    }
    return { name: t.name, prefix, mode: t.mode, hosts: t.hosts.map((h) => normalizeHost(h, where)) };
  });
}

/**
 * Reads a routing file: `{"targets": [{"name", "prefix", "hosts": [...], "mode"}]}`.
 * Throws ReflektorError `bad_config` naming the file when it cannot be used.
 */
export function loadRoutingFile(file: string): Target[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReflektorError('bad_config', `--config ${file}: ${(error as Error).message}`);
  }
  const targets = (parsed as { targets?: unknown }).targets;
  if (!Array.isArray(targets)) {
    throw new ReflektorError('bad_config', `--config ${file}: expected {"targets": [...]}`);
  }
  return checkTargets(
    targets.map((t: Partial<Target>) => ({
      name: String(t.name ?? ''),
      prefix: t.prefix ?? '/',
      hosts: t.hosts ?? [],
      mode: t.mode ?? 'broadcast',
    })),
    `--config ${file}`,
  );
}

/** Picks a target by the longest matching path prefix. */
export class Router {
  private readonly ordered: Target[];

  constructor(targets: readonly Target[]) {
    this.ordered = [...targets].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(url: string): Target | null {
    if (this.ordered.length === 1 && this.ordered[0].prefix === '/') return this.ordered[0];
    for (const target of this.ordered) if (url.startsWith(target.prefix)) return target;
    return null;
  }
}

/** The lanes of a set of targets: one per host for broadcast targets, one per balanced target. */
export function lanesOf(targets: readonly Target[]): Lane[] {
  const lanes: Lane[] = [];
  for (const t of targets) {
    if (t.mode === 'balance') lanes.push({ id: t.name, target: t.name, mode: t.mode, hosts: t.hosts });
    else
      for (const host of t.hosts)
        lanes.push({ id: `${t.name} ${host}`, target: t.name, mode: t.mode, hosts: [host] });
  }
  return lanes;
}
