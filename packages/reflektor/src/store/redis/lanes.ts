import type { Redis } from 'ioredis';
import type { StoredRecord } from '../../record.js';
import type { Depth, LaneSpec } from '../store.js';
import type { AckBatcher } from './acks.js';
import type { RedisKeys } from './keys.js';
import type { PartitionLeases } from './leases.js';
import type { LocalSeq } from './local-seq.js';
import { recordFromEntry, type StreamReply } from './stream-entry.js';
import { groupInfo } from './stream-info.js';

interface LaneState {
  spec: LaneSpec;
  entries: number;
  bytes: number;
  /** Partitions whose entries handed to a crashed owner are still to be re-read. */
  recovering: Set<number>;
}

/**
 * The read path: each lane is a consumer group on every partition stream of its target. Reads
 * go to the streams this instance holds the lease of; a stream's consumer is named after the
 * stream, not the instance, so an instance that takes over a lease first re-reads what the
 * previous holder had read but not acknowledged. Completion acknowledges the entry.
 */
export class RedisLanes {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #partitions: number;
  readonly #seq: LocalSeq;
  readonly #acks: AckBatcher;
  readonly #leases: PartitionLeases;
  readonly #lanes = new Map<string, LaneState>();
  readonly #lanesByTarget = new Map<string, LaneState[]>();
  /** Targets with at least one lane, in the order they were opened. */
  readonly targets = new Set<string>();

  constructor(
    redis: Redis,
    keys: RedisKeys,
    partitions: number,
    seq: LocalSeq,
    acks: AckBatcher,
    leases: PartitionLeases,
  ) {
    this.#redis = redis;
    this.#leases = leases;
    this.#keys = keys;
    this.#partitions = partitions;
    this.#seq = seq;
    this.#acks = acks;
  }

  has(laneId: string): boolean {
    return this.#lanes.has(laneId);
  }

  /** Lane ids of the target. */
  idsOf(target: string): string[] {
    return (this.#lanesByTarget.get(target) ?? []).map((lane) => lane.spec.id);
  }

  /** Creates each lane's consumer groups; a new lane starts at the end of the stream, like a new SQLite lane. */
  async open(lanes: readonly LaneSpec[]): Promise<void> {
    for (const spec of lanes) {
      const state: LaneState = { spec, entries: 0, bytes: 0, recovering: new Set() };
      this.#lanes.set(spec.id, state);
      const list = this.#lanesByTarget.get(spec.target) ?? [];
      list.push(state);
      this.#lanesByTarget.set(spec.target, list);
      this.targets.add(spec.target);
      for (let p = 0; p < this.#partitions; p++) {
        try {
          await this.#redis.xgroup('CREATE', this.#keys.stream(spec.target, p), spec.id, '$', 'MKSTREAM');
        } catch (error) {
          if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
        }
      }
    }
  }

  /** The partition's stream may hold entries a previous lease holder read: re-read them first. */
  recover(target: string, partition: number): void {
    for (const lane of this.#lanesByTarget.get(target) ?? []) lane.recovering.add(partition);
  }

  /** Counts records this instance appended into their lanes' depth. */
  countAppended(records: readonly StoredRecord[]): void {
    for (const record of records) {
      for (const lane of this.#lanesByTarget.get(record.target) ?? []) {
        if (record.onlyLane !== null && record.onlyLane !== lane.spec.id) continue;
        lane.entries++;
        lane.bytes += record.body.length;
      }
    }
  }

  async read(laneId: string, max: number): Promise<StoredRecord[]> {
    const lane = this.#lanes.get(laneId);
    if (!lane) throw new Error(`unknown lane ${laneId}`);
    const target = lane.spec.target;
    const leases = this.#leases;
    const held = leases.heldOf(target);
    const result: StoredRecord[] = [];
    if (!held) return result;
    for (const p of held) {
      if (result.length >= max) break;
      if (leases.isReleasing(target, p)) continue;
      const stream = this.#keys.stream(target, p);
      const from = lane.recovering.has(p) ? '0' : '>';
      leases.addInFlight(target, p);
      try {
        const reply = (await this.#redis.callBuffer(
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
            this.#acks.ack(stream, laneId, entry[0].toString());
            continue;
          }
          const record = recordFromEntry(p, entry, this.#seq.next());
          if (record.onlyLane !== null && record.onlyLane !== laneId) {
            this.#acks.ack(stream, laneId, entry[0].toString());
            continue;
          }
          result.push(record);
          leases.addInFlight(target, p);
        }
      } finally {
        leases.removeInFlight(target, p);
      }
    }
    return result;
  }

  complete(laneId: string, record: StoredRecord): void {
    const lane = this.#lanes.get(laneId);
    if (!lane) return;
    lane.entries = Math.max(0, lane.entries - 1);
    lane.bytes = Math.max(0, lane.bytes - record.body.length);
    const [partition, id] = record.ref.split(' ');
    this.#leases.removeInFlight(record.target, partition);
    this.#acks.ack(this.#keys.stream(record.target, Number(partition)), laneId, id);
  }

  depth(laneId: string): Depth {
    const lane = this.#lanes.get(laneId);
    return lane ? { entries: lane.entries, bytes: lane.bytes } : { entries: 0, bytes: 0 };
  }

  /** Re-reads each lane's backlog (lag + pending of its groups) from Redis; bytes stay an estimate. */
  async refreshDepth(): Promise<void> {
    for (const lane of this.#lanes.values()) {
      let entries = 0;
      for (let p = 0; p < this.#partitions; p++) {
        const groups = (await this.#redis.xinfo(
          'GROUPS',
          this.#keys.stream(lane.spec.target, p),
        )) as unknown[][];
        for (const group of groups) {
          const info = groupInfo(group);
          if (info.get('name') !== lane.spec.id) continue;
          entries += Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 0);
        }
      }
      const average = lane.entries > 0 ? lane.bytes / lane.entries : 0;
      lane.entries = entries;
      lane.bytes = Math.round(average * entries);
    }
  }

  /** acceptedAt (the stream id's time) of the lane's oldest entry not yet acknowledged, or 0. */
  async oldest(laneId: string): Promise<number> {
    const lane = this.#lanes.get(laneId);
    if (!lane || lane.entries === 0) return 0;
    let oldest = 0;
    for (let p = 0; p < this.#partitions; p++) {
      const stream = this.#keys.stream(lane.spec.target, p);
      const summary = (await this.#redis.xpending(stream, laneId)) as [number, string | null, ...unknown[]];
      let id = summary[0] > 0 ? summary[1] : null;
      if (id === null) {
        const groups = (await this.#redis.xinfo('GROUPS', stream)) as unknown[][];
        const group = groups.find((g) => g[1] === laneId);
        const last = group ? String(group[group.indexOf('last-delivered-id') + 1]) : '0-0';
        const next = (await this.#redis.xrange(stream, `(${last}`, '+', 'COUNT', 1)) as Array<
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
}
