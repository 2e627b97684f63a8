/** Why a connection was refused. */
export type LimitReason = 'total' | 'per_ip';

/**
 * Counts open subscriber connections in total and per client address, and refuses past either
 * limit. `acquire` and `release` must be paired for every accepted connection.
 */
export class ConnectionLimiter {
  private readonly maxTotal: number;
  private readonly maxPerIp: number;
  private readonly perIp = new Map<string, number>();
  private total = 0;

  constructor(maxTotal: number, maxPerIp: number) {
    this.maxTotal = maxTotal;
    this.maxPerIp = maxPerIp;
  }

  get open(): number {
    return this.total;
  }

  /** Takes a slot for `ip`; returns the reason instead when a limit is reached. */
  acquire(ip: string): LimitReason | undefined {
    if (this.total >= this.maxTotal) return 'total';
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.maxPerIp) return 'per_ip';
    this.perIp.set(ip, count + 1);
    this.total++;
    return undefined;
  }

  release(ip: string): void {
    const count = this.perIp.get(ip);
    if (count === undefined) return;
    if (count <= 1) this.perIp.delete(ip);
    else this.perIp.set(ip, count - 1);
    this.total--;
  }
}
