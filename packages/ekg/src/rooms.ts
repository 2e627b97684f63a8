import { type FlushObserver, Room } from './room.js';

/**
 * Every room this process knows, created on first subscriber or publish. A room with no subscribers
 * and no publish for `idleMs` is freed by {@link Rooms.sweepIdle}; its buffer goes with it, which
 * costs a returning client at most a `gap` (the api still has every event).
 */
export class Rooms {
  private readonly byName = new Map<string, Room>();
  private readonly capacity: number;
  private readonly idleMs: number;
  private readonly observer: FlushObserver;
  private readonly reorderWindowMs: number;

  constructor(capacity: number, idleMs: number, observer: FlushObserver, reorderWindowMs = 0) {
    this.capacity = capacity;
    this.idleMs = idleMs;
    this.observer = observer;
    this.reorderWindowMs = reorderWindowMs;
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): Room {
    let room = this.byName.get(name);
    if (room === undefined) {
      room = new Room(name, this.capacity, this.observer, this.reorderWindowMs);
      this.byName.set(name, room);
    }
    return room;
  }

  find(name: string): Room | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<Room> {
    return this.byName.values();
  }

  /** Writes every room's queued events now (before shutdown tells clients to go). */
  flushAll(): void {
    for (const room of this.byName.values()) {
      room.releaseHeld();
      room.flush();
    }
  }

  /** Frees idle rooms; returns how many were freed. */
  sweepIdle(now = Date.now()): number {
    let freed = 0;
    for (const [name, room] of this.byName) {
      if (room.subscribers.size === 0 && now - room.lastActivity >= this.idleMs) {
        this.byName.delete(name);
        freed++;
      }
    }
    return freed;
  }
}
