import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StoredRecord } from '../../record.js';
import {
  decodeFrame,
  FRAME_HEADER_BYTES,
  FrameEncoder,
  type FrameHeader,
  payloadIntact,
  readFrameHeader,
} from './frame.js';

/** One file of the journal, named after the seq of the first record it holds (or will hold). */
interface Segment {
  startSeq: number;
  path: string;
  fd: number;
  size: number;
  /** Records it holds, and the seq of the last one (startSeq - 1 while empty). */
  records: number;
  lastSeq: number;
  /** Per frame, in file order: its first seq and its byte offset. */
  frameSeqs: number[];
  frameOffsets: number[];
}

export interface JournalOptions {
  /** Directory of the segment files (created if missing). */
  dir: string;
  /** Sync the directory when a segment is created, so that an fdatasync of it covers its name. */
  syncDirectory: boolean;
  /** A segment that has reached this size is sealed and a new one started. Default 32 MiB. */
  segmentBytes?: number;
}

const SEGMENT_SUFFIX = '.seg';
const DEFAULT_SEGMENT_BYTES = 32 * 1024 * 1024;

function segmentName(startSeq: number): string {
  return `${String(startSeq).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

/** A segment holding no frame yet. */
function emptySegment(startSeq: number, path: string, fd: number): Segment {
  return { startSeq, path, fd, size: 0, records: 0, lastSeq: startSeq - 1, frameSeqs: [], frameOffsets: [] };
}

/**
 * The ingest journal: accepted records appended in groups, one frame per group and one
 * `write` per frame, to segment files that are deleted whole once every lane is past them.
 * Nothing is rewritten in place; a crash can only cut the last frame short, and `open` cuts
 * the file back to the last frame whose CRC checks out.
 */
export class Journal {
  readonly #dir: string;
  readonly #syncDirectory: boolean;
  readonly #segmentBytes: number;
  readonly #encoder = new FrameEncoder();
  #segments: Segment[] = [];
  #dirFd: number;
  /** The directory must be synced with the next fdatasync (a segment was created). */
  #dirDirty = false;
  #syncing = 0;
  #lastSeq = 0;
  /** A frame was written since the last removeThrough: the active segment is not quiet. */
  #writtenSinceRemove = false;
  /** What open() had to repair, for the log. */
  readonly repairs: string[] = [];

  constructor(options: JournalOptions) {
    this.#dir = options.dir;
    this.#syncDirectory = options.syncDirectory;
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    mkdirSync(this.#dir, { recursive: true });
    this.#dirFd = openSync(this.#dir, 'r');
    try {
      this.#load();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The seq of the last record written, or what the segments' names remember once emptied. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Continues after `seq` (remembered elsewhere) if that is higher than what the journal holds. */
  continueAfter(seq: number): void {
    if (seq <= this.#lastSeq) return;
    this.#lastSeq = seq;
    if (this.#active().records === 0) this.#restartEmptyActive(seq + 1);
  }

  /** An empty segment is named after the seq it will start with: renamed by starting afresh. */
  #restartEmptyActive(startSeq: number): Segment {
    const segments = this.#segments;
    this.#dropSegment(segments[segments.length - 1]);
    segments.pop();
    return this.#startSegment(startSeq);
  }

  #load(): void {
    const names = readdirSync(this.#dir)
      .filter((name) => /^\d{16}\.seg$/.test(name))
      .sort();
    for (const name of names) {
      const path = join(this.#dir, name);
      const startSeq = Number(name.slice(0, 16));
      const data = readFileSync(path);
      const segment = emptySegment(startSeq, path, -1);
      let at = 0;
      let expected = Math.max(startSeq, this.#lastSeq + 1);
      while (at < data.length) {
        const header = readFrameHeader(data, at);
        const end = header ? at + FRAME_HEADER_BYTES + header.payloadBytes : 0;
        if (
          header === null ||
          end > data.length ||
          header.firstSeq < expected ||
          !payloadIntact(header, data.subarray(at + FRAME_HEADER_BYTES, end))
        ) {
          break;
        }
        segment.frameSeqs.push(header.firstSeq);
        segment.frameOffsets.push(at);
        segment.records += header.count;
        segment.lastSeq = header.firstSeq + header.count - 1;
        expected = segment.lastSeq + 1;
        at = end;
      }
      segment.fd = openSync(path, 'r+');
      segment.size = at;
      if (at < data.length) {
        // A frame cut short by a crash (never acknowledged), or damage: keep what checks out.
        ftruncateSync(segment.fd, at);
        fsyncSync(segment.fd);
        this.repairs.push(
          `journal segment ${name}: cut back from ${data.length} to ${at} bytes at its first incomplete or damaged frame`,
        );
      }
      this.#lastSeq = Math.max(this.#lastSeq, segment.lastSeq);
      this.#segments.push(segment);
    }
    if (this.#segments.length === 0) this.#startSegment(this.#lastSeq + 1);
    if (this.#syncDirectory) fsyncSync(this.#dirFd);
    this.#dirDirty = false;
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }

  #startSegment(startSeq: number): Segment {
    const path = join(this.#dir, segmentName(startSeq));
    const segment = emptySegment(startSeq, path, openSync(path, 'w+'));
    this.#segments.push(segment);
    if (this.#syncDirectory) this.#dirDirty = true;
    return segment;
  }

  #dropSegment(segment: Segment): void {
    closeSync(segment.fd);
    unlinkSync(segment.path);
  }

  /**
   * Writes `records` (seqs consecutive, after every record written so far) as one frame.
   * Throws when the write fails; the segment is then cut back to where the frame began.
   */
  write(records: readonly StoredRecord[]): void {
    if (records.length === 0) return;
    let segment = this.#active();
    if (segment.records > 0 && segment.size >= this.#segmentBytes) {
      segment = this.#startSegment(records[0].seq);
    } else if (segment.records === 0 && segment.startSeq !== records[0].seq) {
      segment = this.#restartEmptyActive(records[0].seq);
    }
    const frame = this.#encoder.encode(records);
    const offset = segment.size;
    try {
      let written = 0;
      while (written < frame.length) {
        written += writeSync(segment.fd, frame, written, frame.length - written, offset + written);
      }
    } catch (error) {
      try {
        ftruncateSync(segment.fd, offset);
      } catch {
        // The frame's CRC still tells it apart at the next open.
      }
      throw error;
    }
    segment.size = offset + frame.length;
    segment.frameSeqs.push(records[0].seq);
    segment.frameOffsets.push(offset);
    segment.records += records.length;
    segment.lastSeq = records[records.length - 1].seq;
    this.#lastSeq = segment.lastSeq;
    this.#writtenSinceRemove = true;
  }

  /**
   * fdatasyncs the active segment (and the directory, when a segment was created since the
   * last sync) on the libuv thread pool; calls back once everything written so far is on disk.
   */
  sync(callback: (error: Error | null) => void): void {
    const fd = this.#active().fd;
    const syncDir = this.#dirDirty;
    this.#dirDirty = false;
    this.#syncing++;
    let waiting = syncDir ? 2 : 1;
    let failure: Error | null = null;
    const done = (error: Error | null): void => {
      if (error) failure = error;
      if (--waiting > 0) return;
      this.#syncing--;
      if (failure && syncDir) this.#dirDirty = true;
      callback(failure);
    };
    fdatasync(fd, done);
    if (syncDir) fsync(this.#dirFd, done);
  }

  /** Syncs every segment and the directory now, on this thread (at open, not on the ingest path). */
  syncNow(): void {
    for (const segment of this.#segments) fdatasyncSync(segment.fd);
    fsyncSync(this.#dirFd);
    this.#dirDirty = false;
  }

  /**
   * Up to `max` records with `afterSeq < seq <= uptoSeq` that `accept` takes, in seq order;
   * `through` is the last seq looked at (a later read continues after it).
   */
  read(
    afterSeq: number,
    uptoSeq: number,
    max: number,
    accept: (record: StoredRecord) => boolean,
  ): { records: StoredRecord[]; through: number } {
    const records: StoredRecord[] = [];
    let through = afterSeq;
    this.#walk(afterSeq, (record) => {
      if (record.seq > uptoSeq) return false;
      through = record.seq;
      if (accept(record)) records.push(record);
      return records.length < max;
    });
    if (records.length < max) through = Math.max(through, Math.min(uptoSeq, this.#lastSeq));
    return { records, through };
  }

  /** Calls `visit` with every record after `afterSeq`, in seq order, until it returns false. */
  scan(afterSeq: number, visit: (record: StoredRecord) => boolean): void {
    this.#walk(afterSeq, visit);
  }

  #walk(afterSeq: number, visit: (record: StoredRecord) => boolean): void {
    const segments = this.#segments;
    for (let s = this.#firstSegmentAfter(afterSeq); s < segments.length; s++) {
      const segment = segments[s];
      const frames = segment.frameSeqs;
      for (let f = lastAtOrBelow(frames, afterSeq + 1); f < frames.length; f++) {
        for (const record of this.#readFrame(segment, f)) {
          if (record.seq <= afterSeq) continue;
          if (!visit(record)) return;
        }
      }
    }
  }

  #firstSegmentAfter(seq: number): number {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid].lastSeq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #readFrame(segment: Segment, frame: number): StoredRecord[] {
    const offset = segment.frameOffsets[frame];
    const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    readExactly(segment.fd, head, offset);
    const header = readFrameHeader(head, 0) as FrameHeader;
    const payload = Buffer.allocUnsafe(header.payloadBytes);
    readExactly(segment.fd, payload, offset + FRAME_HEADER_BYTES);
    return decodeFrame(header, payload);
  }

  /**
   * Deletes the segments whose every record has seq <= `seq`. The active one goes too (sealed
   * first) when that holds for it, no sync is in flight and nothing was written since the last
   * call: a quiet relay keeps no delivered requests on disk, and a busy one does not start a
   * new file (and sync its directory) on every call. Returns how many records went.
   */
  removeThrough(seq: number): number {
    const quiet = !this.#writtenSinceRemove;
    this.#writtenSinceRemove = false;
    let removed = 0;
    const segments = this.#segments;
    while (segments.length > 0) {
      const segment = segments[0];
      const active = segments.length === 1;
      if (segment.records === 0) {
        if (active) break;
      } else if (segment.lastSeq > seq) {
        break;
      } else if (active) {
        if (this.#syncing > 0 || !quiet) break;
        this.#startSegment(segment.lastSeq + 1);
      }
      removed += segment.records;
      this.#dropSegment(segment);
      segments.shift();
    }
    return removed;
  }

  /** Segments on disk and their bytes, for tests and the admin's view of the queue. */
  stats(): { segments: number; bytes: number; records: number } {
    let bytes = 0;
    let records = 0;
    for (const segment of this.#segments) {
      bytes += segment.size;
      records += segment.records;
    }
    return { segments: this.#segments.length, bytes, records };
  }

  close(): void {
    for (const segment of this.#segments) {
      if (segment.fd >= 0) closeSync(segment.fd);
      segment.fd = -1;
    }
    this.#segments = [];
    if (this.#dirFd >= 0) closeSync(this.#dirFd);
    this.#dirFd = -1;
  }
}

/** Index of the last element <= `value` in the ascending `values`, or 0. */
function lastAtOrBelow(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

function readExactly(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`journal: unexpected end of a segment at byte ${position + done}`);
    done += n;
  }
}
