import { crc32 } from 'node:zlib';
import type { StoredRecord } from '../../record.js';
import { decodeHeaderText, encodeHeaderText } from '../header-text.js';

// One group of records as the journal writes it: a frame, written with one write(2).
//
//   header (24 bytes, little-endian):
//     u32 magic "RFJ1" | u32 payload bytes | u32 CRC-32 of the payload | u32 records | f64 first seq
//   payload: per record, seqs consecutive from the first:
//     f64 acceptedAt, then id, target, onlyLane, method, url, headers, orderingKey as
//     u32 byte length + UTF-8 (0xFFFFFFFF: null), then u32 body length + body bytes.
//
// A frame whose magic, length or CRC does not check out is where a crash cut the journal off:
// everything from it on was never acknowledged (see Journal.open).

export const FRAME_HEADER_BYTES = 24;
const MAGIC = 0x314a4652; // "RFJ1" read little-endian
const NULL_LENGTH = 0xffffffff;
/** Largest payload a frame may claim; anything larger is damage, not data. */
export const MAX_FRAME_PAYLOAD = 1 << 30;

/** Builds frames in one reusable buffer: encoding a group allocates nothing per record. */
export class FrameEncoder {
  #buf: Buffer = Buffer.allocUnsafe(1 << 20);

  /** Encodes `records` (seqs consecutive) as one frame; valid until the next call. */
  encode(records: readonly StoredRecord[]): Buffer {
    let buf: Buffer = this.#buf;
    let at = FRAME_HEADER_BYTES;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const h = r.headers;
      let headerChars = h.length;
      for (let k = 0; k < h.length; k++) headerChars += h[k].length;
      // Worst case: 3 UTF-8 bytes per UTF-16 unit (a JSON-encoded header list: 6), and a length word per field.
      const most =
        48 +
        3 *
          (r.id.length +
            r.target.length +
            (r.onlyLane?.length ?? 0) +
            r.method.length +
            r.url.length +
            (r.orderingKey?.length ?? 0)) +
        6 * headerChars +
        r.body.length;
      if (at + most > buf.length) buf = this.#grow(at + most, at);
      buf.writeDoubleLE(r.acceptedAt, at);
      at += 8;
      at = putString(buf, at, r.id);
      at = putString(buf, at, r.target);
      at = putString(buf, at, r.onlyLane);
      at = putString(buf, at, r.method);
      at = putString(buf, at, r.url);
      at = putHeaders(buf, at, h);
      at = putString(buf, at, r.orderingKey);
      putLength(buf, at, r.body.length);
      at += 4;
      buf.set(r.body, at);
      at += r.body.length;
    }
    const payload = buf.subarray(FRAME_HEADER_BYTES, at);
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt32LE(payload.length, 4);
    buf.writeUInt32LE(crc32(payload), 8);
    buf.writeUInt32LE(records.length, 12);
    buf.writeDoubleLE(records.length > 0 ? records[0].seq : 0, 16);
    return buf.subarray(0, at);
  }

  #grow(needed: number, keep: number): Buffer {
    let size = this.#buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, keep);
    this.#buf = next;
    return next;
  }
}

function putLength(buf: Buffer, at: number, length: number): void {
  buf[at] = length & 255;
  buf[at + 1] = (length >>> 8) & 255;
  buf[at + 2] = (length >>> 16) & 255;
  buf[at + 3] = length >>> 24;
}

/**
 * Copies `text` to `buf` at `at` if it is ASCII (what HTTP parsers hand over) and returns the
 * end, or -1 at the first other character. A loop here costs a third of `buf.write` for the
 * short strings of a request.
 */
function putAscii(buf: Buffer, at: number, text: string): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return -1;
    buf[at + i] = c;
  }
  return at + length;
}

function putString(buf: Buffer, at: number, text: string | null): number {
  if (text === null) {
    putLength(buf, at, NULL_LENGTH);
    return at + 4;
  }
  let end = putAscii(buf, at + 4, text);
  if (end < 0) end = at + 4 + buf.write(text, at + 4);
  putLength(buf, at, end - at - 4);
  return end;
}

/** The header list as encodeHeaderText writes it ("\n"-joined), without building the joined string. */
function putHeaders(buf: Buffer, at: number, headers: readonly string[]): number {
  let end = at + 4;
  if (headers.length > 0 && headers[0].charCodeAt(0) !== 91 /* [ */) {
    for (let i = 0; i < headers.length && end >= 0; i++) {
      if (i > 0) buf[end++] = 10;
      const text = headers[i];
      end = text.includes('\n') ? -1 : putAscii(buf, end, text);
    }
    if (end >= 0) {
      putLength(buf, at, end - at - 4);
      return end;
    }
  } else if (headers.length === 0) {
    putLength(buf, at, 0);
    return end;
  }
  // Not ASCII, or a list encodeHeaderText keeps as JSON: through the string.
  return putString(buf, at, encodeHeaderText(headers));
}

/** What a frame's header says; null when `buf` at `at` holds no valid header. */
export interface FrameHeader {
  payloadBytes: number;
  crc: number;
  count: number;
  firstSeq: number;
}

export function readFrameHeader(buf: Buffer, at: number): FrameHeader | null {
  if (at + FRAME_HEADER_BYTES > buf.length) return null;
  if (buf.readUInt32LE(at) !== MAGIC) return null;
  const payloadBytes = buf.readUInt32LE(at + 4);
  const count = buf.readUInt32LE(at + 12);
  const firstSeq = buf.readDoubleLE(at + 16);
  if (payloadBytes > MAX_FRAME_PAYLOAD || count === 0 || !Number.isSafeInteger(firstSeq) || firstSeq < 1) {
    return null;
  }
  return { payloadBytes, crc: buf.readUInt32LE(at + 8), count, firstSeq };
}

/** True when the payload (bytes after the header) matches the header's CRC. */
export function payloadIntact(header: FrameHeader, payload: Buffer): boolean {
  return payload.length === header.payloadBytes && crc32(payload) === header.crc;
}

/**
 * Decodes a frame's payload into records (bodies copied out of `payload`). Throws when the
 * payload does not hold `header.count` well-formed records.
 */
export function decodeFrame(header: FrameHeader, payload: Buffer): StoredRecord[] {
  const records: StoredRecord[] = new Array(header.count);
  let at = 0;
  const string = (): string | null => {
    const length = payload.readUInt32LE(at);
    at += 4;
    if (length === NULL_LENGTH) return null;
    if (at + length > payload.length) throw new RangeError('field runs past the frame');
    const text = payload.toString('utf8', at, at + length);
    at += length;
    return text;
  };
  for (let i = 0; i < header.count; i++) {
    const acceptedAt = payload.readDoubleLE(at);
    at += 8;
    const id = string() ?? '';
    const target = string() ?? '';
    const onlyLane = string();
    const method = string() ?? 'POST';
    const url = string() ?? '/';
    const headers = decodeHeaderText(string() ?? '');
    const orderingKey = string();
    const bodyLength = payload.readUInt32LE(at);
    at += 4;
    if (at + bodyLength > payload.length) throw new RangeError('body runs past the frame');
    const body = Buffer.from(payload.subarray(at, at + bodyLength));
    at += bodyLength;
    const seq = header.firstSeq + i;
    records[i] = {
      seq,
      ref: String(seq),
      id,
      target,
      onlyLane,
      method,
      url,
      headers,
      body,
      orderingKey,
      acceptedAt,
    };
  }
  return records;
}
