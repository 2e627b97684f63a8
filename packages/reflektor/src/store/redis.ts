import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { NewRecord, StoredRecord } from '../record.js';
import type { DeadFilter, DeadInfo, DeadLetter, Depth, LaneSpec, QueueStore } from './store.js';

export interface RedisStoreOptions {
  /** `redis://…` */
  url: string;
  /** Key prefix shared by every instance of one queue. Default `reflektor`. */
  prefix?: string;
  /** Streams per target; requests with one ordering key always go to the same one. Default 16. */
  partitions?: number;
  /** How long a partition lease lasts without renewal (ms). Default 10 s. */
  leaseMs?: number;
  /** How often to look for records appended by other instances (ms). Default 50. */
  pollMs?: number;
}

interface PendingAppend {
  record: NewRecord;
  partition: number;
  resolve: (stored: StoredRecord) => void;
  reject: (error: Error) => void;
}

interface LaneState {
  spec: LaneSpec;
  entries: number;
  bytes: number;
  /** Partitions whose entries handed to a crashed owner are still to be re-read. */
  recovering: Set<number>;
}

type StreamEntry = [id: Buffer, fields: Buffer[] | null];
type StreamReply = Array<[key: Buffer, entries: StreamEntry[]]> | null;

/** FNV-1a: a stable partition for an ordering key, the same in every instance. */
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Redis Streams queue for several reflektor instances. Each target has `partitions` streams;
 * a request goes to the stream of its ordering key (any stream without a key). Each lane is a
 * consumer group on every stream. An instance reads a stream only while it holds that
 * stream's lease, so one instance at a time delivers a given key: per-key order holds across
 * instances. A stream's consumer is named after the stream, not the instance, so an instance
 * that takes over a lease first re-reads what the previous holder had read but not
 * acknowledged (duplicates across a crash, never loss).
 *
 * Durability is Redis's: a 202 means Redis has the entry; whether that survives a power loss
 * depends on its `appendonly` / `appendfsync` settings.
 */
export class RedisStore implements QueueStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly instance = randomBytes(8).toString('hex');
  private readonly lanes = new Map<string, LaneState>();
  private readonly lanesByTarget = new Map<string, LaneState[]>();
  private readonly targets = new Set<string>();
  /** Leases held: stream key → partition number, per target. */
  private readonly owned = new Map<string, Set<number>>();
  /** Leases being given back to other instances: no new reads; released once nothing is in flight. */
  private readonly releasing = new Map<string, Set<number>>();
  /** Records read and not yet completed, and reads in progress, per `target partition`. */
  private readonly busy = new Map<string, number>();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private acks: Array<[stream: string, group: string, id: string]> = [];
  private ackScheduled = false;
  private listeners: Array<(records: readonly StoredRecord[]) => void> = [];
  private seq = 0;
  private leaseTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private nextPartition = 0;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true });
    this.prefix = options.prefix ?? 'reflektor';
    this.partitions = options.partitions ?? 16;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.pollMs = options.pollMs ?? 50;
  }

  private stream(target: string, partition: number): string {
    return `${this.prefix}:{${target}}:${partition}`;
  }

  private leaseKey(target: string, partition: number): string {
    return `${this.prefix}:lease:{${target}}:${partition}`;
  }

  async open(lanes: readonly LaneSpec[]): Promise<void> {
    await this.redis.connect();
    for (const spec of lanes) {
      const state: LaneState = { spec, entries: 0, bytes: 0, recovering: new Set() };
      this.lanes.set(spec.id, state);
      const list = this.lanesByTarget.get(spec.target) ?? [];
      list.push(state);
      this.lanesByTarget.set(spec.target, list);
      this.targets.add(spec.target);
      for (let p = 0; p < this.partitions; p++) {
        try {
          // A new lane starts at the end of the stream, like a new SQLite lane.
          await this.redis.xgroup('CREATE', this.stream(spec.target, p), spec.id, '$', 'MKSTREAM');
        } catch (error) {
          if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
        }
      }
    }
    for (const target of this.targets) {
      this.owned.set(target, new Set());
      this.releasing.set(target, new Set());
    }
    await this.refreshLeases();
    await this.refreshDepth();
    this.leaseTimer = setInterval(
      () => {
        this.refreshLeases().catch(() => {});
        this.refreshDepth().catch(() => {});
      },
      Math.max(200, Math.floor(this.leaseMs / 3)),
    );
    this.leaseTimer.unref();
    this.pollTimer = setInterval(() => this.poll(), this.pollMs);
    this.pollTimer.unref();
  }

  /** Renews held leases and takes free ones, up to a fair share of the live instances. */
  private async refreshLeases(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    const members = `${this.prefix}:instances`;
    await this.redis.zadd(members, now, this.instance);
    await this.redis.zremrangebyscore(members, '-inf', now - this.leaseMs);
    const live = Math.max(1, await this.redis.zcard(members));
    const share = Math.ceil(this.partitions / live);
    for (const target of this.targets) {
      const owned = this.owned.get(target)!;
      for (const p of [...owned]) {
        const kept = await this.redis.eval(RENEW, 1, this.leaseKey(target, p), this.instance, this.leaseMs);
        if (kept !== 1) owned.delete(p);
      }
      await this.giveBackExtra(target, owned, share);
      for (let p = 0; p < this.partitions && owned.size < share; p++) {
        if (owned.has(p)) continue;
        const got = await this.redis.set(this.leaseKey(target, p), this.instance, 'PX', this.leaseMs, 'NX');
        if (got === 'OK') {
          owned.add(p);
          for (const lane of this.lanesByTarget.get(target) ?? []) lane.recovering.add(p);
        }
      }
    }
  }

  /** The streams (partition numbers) this instance delivers from now, per target. */
  leases(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [target, owned] of this.owned) out[target] = [...owned].sort((a, b) => a - b);
    return out;
  }

  /**
   * Over its fair share (another instance has joined), an instance gives streams back, each one
   * only once every record it read from it is acknowledged: the next holder then starts exactly
   * where this one stopped, so per-key order holds across the handover.
   */
  private async giveBackExtra(target: string, owned: Set<number>, share: number): Promise<void> {
    const releasing = this.releasing.get(target)!;
    const extra = owned.size - share - releasing.size;
    if (extra > 0) {
      const candidates = [...owned].filter((p) => !releasing.has(p)).sort((a, b) => b - a);
      for (const p of candidates.slice(0, extra)) releasing.add(p);
    }
    for (const p of [...releasing]) {
      if ((this.busy.get(`${target} ${p}`) ?? 0) > 0) continue;
      await this.flushAcksNow();
      await this.redis.eval(RELEASE, 1, this.leaseKey(target, p), this.instance);
      owned.delete(p);
      releasing.delete(p);
    }
  }

  private poll(): void {
    if (this.closed || this.listeners.length === 0) return;
    // Wake lanes for entries other instances appended; read() with nothing new is cheap.
    this.notify([]);
  }

  private notify(records: readonly StoredRecord[]): void {
    for (const listener of this.listeners) listener(records);
  }

  append(record: NewRecord): Promise<StoredRecord> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const partition =
      record.orderingKey === null
        ? this.nextPartition++ % this.partitions
        : partitionOf(record.orderingKey, this.partitions);
    return new Promise((resolve, reject) => {
      this.pending.push({ record, partition, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const pipeline = this.redis.pipeline();
    for (const item of batch) {
      const r = item.record;
      pipeline.xadd(
        this.stream(r.target, item.partition),
        '*',
        'id',
        r.id,
        'target',
        r.target,
        'only',
        r.onlyLane ?? '',
        'method',
        r.method,
        'url',
        r.url,
        'headers',
        JSON.stringify(r.headers),
        'body',
        r.body,
        'key',
        r.orderingKey ?? '',
        'at',
        String(r.acceptedAt),
      );
    }
    pipeline.exec().then(
      (results) => {
        const stored: StoredRecord[] = [];
        for (let i = 0; i < batch.length; i++) {
          const [error, id] = results![i];
          const item = batch[i];
          if (error) {
            item.reject(error);
            continue;
          }
          const record: StoredRecord = {
            ...item.record,
            seq: ++this.seq,
            ref: `${item.partition} ${id as string}`,
          };
          for (const lane of this.lanesByTarget.get(record.target) ?? []) {
            if (record.onlyLane !== null && record.onlyLane !== lane.spec.id) continue;
            lane.entries++;
            lane.bytes += record.body.length;
          }
          stored.push(record);
          item.resolve(record);
        }
        if (stored.length > 0) this.notify(stored);
      },
      (error: Error) => {
        for (const item of batch) item.reject(error);
      },
    );
  };

  onDurable(listener: (records: readonly StoredRecord[]) => void): void {
    this.listeners.push(listener);
  }

  private decode(partition: number, entry: StreamEntry): StoredRecord {
    const id = entry[0];
    const raw = entry[1] ?? [];
    const f: Record<string, Buffer> = {};
    for (let i = 0; i < raw.length; i += 2) f[raw[i].toString()] = raw[i + 1];
    const only = f.only?.toString() ?? '';
    const key = f.key?.toString() ?? '';
    return {
      seq: ++this.seq,
      ref: `${partition} ${id.toString()}`,
      id: f.id.toString(),
      target: f.target.toString(),
      onlyLane: only === '' ? null : only,
      method: f.method.toString(),
      url: f.url.toString(),
      headers: JSON.parse(f.headers.toString()) as string[],
      body: f.body,
      orderingKey: key === '' ? null : key,
      acceptedAt: Number(f.at.toString()),
    };
  }

  async read(laneId: string, max: number): Promise<StoredRecord[]> {
    const lane = this.lanes.get(laneId);
    if (!lane) throw new Error(`unknown lane ${laneId}`);
    const owned = this.owned.get(lane.spec.target);
    const result: StoredRecord[] = [];
    if (!owned) return result;
    const releasing = this.releasing.get(lane.spec.target);
    for (const p of [...owned]) {
      if (result.length >= max) break;
      if (releasing?.has(p)) continue;
      const stream = this.stream(lane.spec.target, p);
      const from = lane.recovering.has(p) ? '0' : '>';
      const busyKey = `${lane.spec.target} ${p}`;
      this.busy.set(busyKey, (this.busy.get(busyKey) ?? 0) + 1);
      try {
        const reply = (await this.redis.callBuffer(
          'XREADGROUP',
          'GROUP',
          laneId,
          `p${p}`,
          'COUNT',
          max - result.length,
          'STREAMS',
          stream,
          from,
        )) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (from === '0' && entries.length < max - result.length) lane.recovering.delete(p);
        for (const entry of entries) {
          if (!entry[1] || entry[1].length === 0) {
            // Pending entry trimmed away after its lane had finished it elsewhere: acknowledge.
            this.ack(stream, laneId, entry[0].toString());
            continue;
          }
          const record = this.decode(p, entry);
          if (record.onlyLane !== null && record.onlyLane !== laneId) {
            this.ack(stream, laneId, entry[0].toString());
            continue;
          }
          result.push(record);
          this.busy.set(busyKey, (this.busy.get(busyKey) ?? 0) + 1);
        }
      } finally {
        this.busy.set(busyKey, (this.busy.get(busyKey) ?? 1) - 1);
      }
    }
    return result;
  }

  private ack(stream: string, group: string, id: string): void {
    this.acks.push([stream, group, id]);
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(this.flushAcks);
    }
  }

  private readonly flushAcks = (): void => {
    this.ackScheduled = false;
    const acks = this.acks;
    this.acks = [];
    if (acks.length === 0 || this.redis.status !== 'ready') return;
    const pipeline = this.redis.pipeline();
    for (const [stream, group, id] of acks) pipeline.xack(stream, group, id);
    this.acksInFlight = pipeline.exec().then(
      () => {},
      () => {},
    );
  };

  private acksInFlight: Promise<void> = Promise.resolve();

  private async flushAcksNow(): Promise<void> {
    this.flushAcks();
    await this.acksInFlight;
  }

  complete(laneId: string, record: StoredRecord): void {
    const lane = this.lanes.get(laneId);
    if (!lane) return;
    lane.entries = Math.max(0, lane.entries - 1);
    lane.bytes = Math.max(0, lane.bytes - record.body.length);
    const [partition, id] = record.ref.split(' ');
    const busyKey = `${record.target} ${partition}`;
    this.busy.set(busyKey, (this.busy.get(busyKey) ?? 1) - 1);
    this.ack(this.stream(record.target, Number(partition)), laneId, id);
  }

  private deadKey(): string {
    return `${this.prefix}:dead`;
  }

  async deadLetter(laneId: string, record: StoredRecord, info: DeadInfo): Promise<void> {
    const letter = {
      laneId,
      deadAt: Date.now(),
      ...info,
      record: { ...record, body: record.body.toString('base64') },
    };
    await this.redis.hset(this.deadKey(), `${laneId} ${record.id}`, JSON.stringify(letter));
    this.complete(laneId, record);
  }

  private async selectDead(filter: DeadFilter): Promise<DeadLetter[]> {
    const all = await this.redis.hgetall(this.deadKey());
    const letters: DeadLetter[] = [];
    for (const value of Object.values(all)) {
      const parsed = JSON.parse(value) as Omit<DeadLetter, 'record'> & {
        record: Omit<StoredRecord, 'body'> & { body: string };
      };
      if (filter.laneId !== undefined && parsed.laneId !== filter.laneId) continue;
      if (filter.id !== undefined && parsed.record.id !== filter.id) continue;
      letters.push({
        ...parsed,
        record: { ...parsed.record, body: Buffer.from(parsed.record.body, 'base64') },
      });
    }
    letters.sort((a, b) => a.record.acceptedAt - b.record.acceptedAt || a.deadAt - b.deadAt);
    return filter.limit !== undefined ? letters.slice(0, filter.limit) : letters;
  }

  listDead(filter: DeadFilter): Promise<DeadLetter[]> {
    return this.selectDead(filter);
  }

  async replayDead(filter: DeadFilter): Promise<number> {
    const letters = (await this.selectDead(filter)).filter((l) => this.lanes.has(l.laneId));
    // Queue the copies first, then drop the dead letters: a crash in between replays twice, never zero times.
    await Promise.all(
      letters.map((l) => {
        const { seq: _seq, ref: _ref, ...record } = l.record;
        return this.append({ ...record, onlyLane: l.laneId });
      }),
    );
    if (letters.length > 0)
      await this.redis.hdel(this.deadKey(), ...letters.map((l) => `${l.laneId} ${l.record.id}`));
    return letters.length;
  }

  async deleteDead(filter: DeadFilter): Promise<number> {
    const letters = await this.selectDead(filter);
    if (letters.length === 0) return 0;
    return this.redis.hdel(this.deadKey(), ...letters.map((l) => `${l.laneId} ${l.record.id}`));
  }

  depth(laneId: string): Depth {
    const lane = this.lanes.get(laneId);
    return lane ? { entries: lane.entries, bytes: lane.bytes } : { entries: 0, bytes: 0 };
  }

  /** Re-reads each lane's backlog (lag + pending of its groups) from Redis; bytes stay an estimate. */
  private async refreshDepth(): Promise<void> {
    if (this.closed) return;
    for (const lane of this.lanes.values()) {
      let entries = 0;
      for (let p = 0; p < this.partitions; p++) {
        const groups = (await this.redis.xinfo('GROUPS', this.stream(lane.spec.target, p))) as unknown[][];
        for (const group of groups) {
          const info = new Map<string, unknown>();
          for (let i = 0; i < group.length; i += 2) info.set(String(group[i]), group[i + 1]);
          if (info.get('name') !== lane.spec.id) continue;
          entries += Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 0);
        }
      }
      const average = lane.entries > 0 ? lane.bytes / lane.entries : 0;
      lane.entries = entries;
      lane.bytes = Math.round(average * entries);
    }
  }

  async oldest(laneId: string): Promise<number> {
    const lane = this.lanes.get(laneId);
    if (!lane || lane.entries === 0) return 0;
    let oldest = 0;
    for (let p = 0; p < this.partitions; p++) {
      const stream = this.stream(lane.spec.target, p);
      const summary = (await this.redis.xpending(stream, laneId)) as [number, string | null, ...unknown[]];
      let id = summary[0] > 0 ? summary[1] : null;
      if (id === null) {
        const groups = (await this.redis.xinfo('GROUPS', stream)) as unknown[][];
        const group = groups.find((g) => g[1] === laneId);
        const last = group ? String(group[group.indexOf('last-delivered-id') + 1]) : '0-0';
        const next = (await this.redis.xrange(stream, `(${last}`, '+', 'COUNT', 1)) as Array<
          [string, string[]]
        >;
        id = next[0]?.[0] ?? null;
      }
      if (id !== null) {
        const at = Number(id.split('-')[0]);
        if (oldest === 0 || at < oldest) oldest = at;
      }
    }
    return oldest;
  }

  /** Trims each stream below the oldest entry some lane still needs. */
  async compact(): Promise<number> {
    if (this.closed) return 0;
    let removed = 0;
    for (const target of this.targets) {
      const lanes = this.lanesByTarget.get(target) ?? [];
      for (let p = 0; p < this.partitions; p++) {
        const stream = this.stream(target, p);
        const groups = (await this.redis.xinfo('GROUPS', stream)) as unknown[][];
        let min: string | null = null;
        for (const group of groups) {
          const info = new Map<string, unknown>();
          for (let i = 0; i < group.length; i += 2) info.set(String(group[i]), group[i + 1]);
          if (!lanes.some((l) => l.spec.id === info.get('name'))) continue;
          let needed: string | null = null;
          if (Number(info.get('pending')) > 0) {
            // The entries may have been acknowledged since XINFO: then the summary is empty.
            const summary = (await this.redis.xpending(stream, String(info.get('name')))) as [
              number,
              string | null,
            ];
            if (summary[0] > 0 && summary[1] !== null) needed = summary[1];
          }
          if (needed === null) {
            // Everything up to last-delivered-id (as read above, so never past what is still needed).
            const [ms, n] = String(info.get('last-delivered-id')).split('-');
            needed = `${ms}-${Number(n) + 1}`;
          }
          if (min === null || compareIds(needed, min) < 0) min = needed;
        }
        if (min !== null) removed += Number(await this.redis.xtrim(stream, 'MINID', min));
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) this.flush();
    this.flushAcks();
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    try {
      for (const [target, owned] of this.owned) {
        for (const p of owned) await this.redis.eval(RELEASE, 1, this.leaseKey(target, p), this.instance);
      }
      await this.redis.zrem(`${this.prefix}:instances`, this.instance);
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

function compareIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am - bm || an - bn;
}
