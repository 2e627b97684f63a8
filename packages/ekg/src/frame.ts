import type { EventEnvelope } from './envelope.js';

/**
 * An event framed once for every transport. The same `sse` and `ws` buffers are written to every
 * subscriber, so fan-out costs one socket write per client and no per-client serialisation.
 */
export interface FramedEvent {
  readonly room: string;
  readonly seq: number;
  /**
   * The SSE message (`id:`, `event:` and `data:` lines and the blank line ending it) already framed
   * as one HTTP/1.1 chunk (`<hex length>\r\n…\r\n`), ready to write to a chunked response's socket.
   */
  readonly sseChunk: Buffer;
  /** A complete, unmasked WebSocket text frame carrying the envelope as JSON. */
  readonly ws: Buffer;
  /** `performance.now()` when the publish request that carried it arrived. */
  readonly receivedAt: number;
  /** The publisher's `Backchannel-Published-At` stamp (ms since the epoch), 0 without one. */
  readonly publishedAt: number;
}

/**
 * Frames `payload` as one unmasked WebSocket text frame (FIN set, opcode 0x1), as a server sends
 * it (RFC 6455 §5.2: 7-bit length, or 126 + 16-bit, or 127 + 64-bit).
 */
export function websocketTextFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** `text` as one chunk of a `Transfer-Encoding: chunked` body (RFC 9112 §7.1). */
export function httpChunk(text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n')]);
}

/** Frames a validated envelope for both transports. */
export function frameEvent(envelope: EventEnvelope, receivedAt: number, publishedAt = 0): FramedEvent {
  const json = JSON.stringify(envelope);
  return {
    room: envelope.room,
    seq: envelope.seq,
    sseChunk: httpChunk(`id: ${envelope.seq}\nevent: ${envelope.type}\ndata: ${json}\n\n`),
    ws: websocketTextFrame(Buffer.from(json)),
    receivedAt,
    publishedAt,
  };
}

/** The `gap` notice: events `from`..`to` (inclusive) of `room` are not held here; fetch them from the api. */
export interface GapNotice {
  room: string;
  from: number;
  to: number;
}

export function sseGap(gap: GapNotice): Buffer {
  return Buffer.from(`event: gap\ndata: ${JSON.stringify(gap)}\n\n`);
}

export function websocketGap(gap: GapNotice): Buffer {
  return websocketTextFrame(Buffer.from(JSON.stringify({ type: 'gap', ...gap })));
}

/** The shutdown notice: reconnect after `after` milliseconds (the SSE `retry:` says the same). */
export function sseReconnect(after: number): Buffer {
  return Buffer.from(`retry: ${after}\nevent: reconnect\ndata: ${JSON.stringify({ after })}\n\n`);
}

export function websocketReconnect(after: number): Buffer {
  return websocketTextFrame(Buffer.from(JSON.stringify({ type: 'reconnect', after })));
}

/** An SSE comment line, ignored by EventSource; keeps proxies and NATs from idling the stream out. */
export const SSE_HEARTBEAT = Buffer.from(':\n\n');
