import { isIP } from 'node:net';
import type { EmitPoolEvent } from './host-pool-events.js';
import type { HostSet } from './host-set.js';
import { canonicalHostUrl, type ResolvedDns } from './options.js';

/**
 * Keeps members in step with DNS: each seed given by host name becomes one member per
 * address it resolves to; addresses that disappear are drained. Runs every `interval`
 * and on demand, one refresh at a time. A failed lookup is reported as `dnsError` and
 * changes nothing.
 */
export class DnsRefresh {
  readonly #settings: ResolvedDns;
  readonly #hosts: HostSet;
  readonly #emit: EmitPoolEvent;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | null = null;

  constructor(settings: ResolvedDns, hosts: HostSet, emit: EmitPoolEvent) {
    this.#settings = settings;
    this.#hosts = hosts;
    this.#emit = emit;
    this.#timer = setInterval(() => void this.refresh(), settings.interval);
    this.#timer.unref();
  }

  /** Re-resolves every seed given by name now; resolves once members are updated. */
  refresh(): Promise<void> {
    if (this.#hosts.closed) return Promise.resolve();
    this.#running ??= this.#resolveSeeds().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Stops the periodic refresh. */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #resolveSeeds(): Promise<void> {
    const lookup = this.#settings.lookup ?? defaultLookup;
    for (const seed of [...this.#hosts.seeds]) {
      const seedUrl = new URL(seed);
      const hostname = seedUrl.hostname.replace(/^\[|\]$/g, '');
      if (isIP(hostname) !== 0) continue;
      try {
        await this.#resolveSeed(seed, seedUrl, await lookup(hostname));
      } catch (error) {
        this.#emit('dnsError', {
          hostname,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    }
  }

  async #resolveSeed(seed: string, seedUrl: URL, addresses: string[]): Promise<void> {
    const hosts = this.#hosts;
    // An empty answer keeps the members we have rather than emptying the pool.
    if (hosts.closed || addresses.length === 0 || !hosts.seeds.includes(seed)) return;
    const wanted = new Map<string, URL>();
    for (const address of addresses) {
      if (isIP(address) === 0)
        throw new Error(`lookup returned ${JSON.stringify(address)}, not an IP address`);
      const url = new URL(seed);
      url.hostname = isIP(address) === 6 ? `[${address}]` : address;
      wanted.set(canonicalHostUrl(url), url);
    }
    for (const [key, url] of wanted) {
      if (!hosts.members.has(key)) hosts.addHost(url, seed, seedUrl.host);
    }
    const stale = [...hosts.members.values()].filter((h) => h.seed === seed && !wanted.has(h.url));
    await Promise.all(stale.map((h) => hosts.drain(h)));
  }
}

async function defaultLookup(hostname: string): Promise<string[]> {
  const { lookup } = await import('node:dns/promises');
  const records = await lookup(hostname, { all: true });
  return records.map((r) => r.address);
}
