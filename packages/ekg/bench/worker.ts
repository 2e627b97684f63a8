// A bench client process: opens many subscriber connections, timestamps every event it receives
// with the machine-wide monotonic clock, and reports per seq the latest arrival across its
// connections. Driven over IPC by fanout.ts.
//
// SSE and WebSocket clients are raw TCP sockets read with `net`'s `onread` (no stream machinery, one
// read buffer for the whole process) and parsed here: the HTTP response head, chunked transfer
// coding and SSE fields for SSE; the upgrade handshake (Sec-WebSocket-Accept checked) and RFC 6455
// frames (fragments, ping → masked pong, close) for WebSocket. ekg and the bare ws loop are measured
// by this same client. socket.io speaks its own protocol on top, so it keeps socket.io-client.
// Every connection checks that seqs arrive increasing; a repeat or a step back is counted, not
// recorded.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { io } from 'socket.io-client';

export interface WorkerStart {
  type: 'start';
  host: string;
  port: number;
  room: string;
  sse: number;
  websocket: number;
  socketio: number;
  /**
   * From this seq on, keep every single latency (for the publish-to-client percentile), not only the
   * per-seq max; 0 keeps none.
   */
  keepFrom: number;
}

export interface WorkerReport {
  type: 'report';
  /** Per seq: the largest publish-to-receive time over this worker's connections, µs (0 = none). */
  maxBySeq: number[];
  /** Per seq: how many connections received it. */
  countBySeq: number[];
  /** Every latency from seq `keepFrom` on, µs. */
  all: number[];
  /** Connections that could not open. */
  failed: number;
  /** Events a connection received again or after a later seq (never recorded as deliveries). */
  disordered: number;
  /** Protocol violations seen (bad frames, bad chunk sizes, unparsable events). */
  malformed: number;
}

const maxBySeq: number[] = [];
const countBySeq: number[] = [];
const all: number[] = [];
let keepFrom = 0;
let failed = 0;
let disordered = 0;
let malformed = 0;

function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface Envelope {
  seq: number;
  data: { sentAt: number };
}

/** One subscriber's view: the last seq it had, to catch repeats and steps back. */
class Tracker {
  lastSeq = 0;

  /** Records an envelope this connection received (JSON text); notices (gap, reconnect) are skipped. */
  onJson(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      malformed++;
      return;
    }
    if (typeof envelope.seq === 'number') this.onEnvelope(envelope);
  }

  onEnvelope(envelope: Envelope): void {
    const seq = envelope.seq;
    if (seq <= this.lastSeq) {
      disordered++;
      return;
    }
    this.lastSeq = seq;
    const latency = nowMicros() - envelope.data.sentAt;
    if (!(latency <= (maxBySeq[seq] ?? 0))) maxBySeq[seq] = latency;
    countBySeq[seq] = (countBySeq[seq] ?? 0) + 1;
    if (keepFrom > 0 && seq >= keepFrom) all.push(latency);
  }
}

/** `net`'s onread copies every read into this one buffer; each read is parsed before the next. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A raw client connection: sends `request`, waits for the response head (checked by `accept`), then
 * hands the body bytes to `onBody`. Bytes left over from a read are copied and prepended to the next.
 */
abstract class RawConnection extends Tracker {
  protected readonly socket: net.Socket;
  private head = true;
  private rest: Buffer | undefined;
  private settle: (() => void) | undefined;

  constructor(start: WorkerStart, request: string, settle: () => void) {
    super();
    this.settle = settle;
    this.socket = net.connect({
      host: start.host,
      port: start.port,
      onread: { buffer: readBuffer, callback: (length: number) => this.onRead(length) },
    });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.socket.write(request));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }

  /** Checks the response head (status line and headers, without the blank line). */
  protected abstract accept(head: string): boolean;
  /** Consumes body bytes from `data`; returns how many it used (the rest waits for more). */
  protected abstract onBody(data: Buffer): number;

  private fail(): void {
    if (this.settle === undefined) return;
    failed++;
    this.opened();
  }

  private opened(): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.();
  }

  private onRead(length: number): boolean {
    let data = readBuffer.subarray(0, length);
    if (this.rest !== undefined) {
      data = Buffer.concat([this.rest, data]);
      this.rest = undefined;
    }
    if (this.head) {
      const end = data.indexOf(HEAD_END);
      if (end < 0) {
        this.rest = Buffer.from(data);
        return true;
      }
      if (!this.accept(data.toString('latin1', 0, end))) {
        this.fail();
        this.socket.destroy();
        return false;
      }
      this.head = false;
      this.opened();
      data = data.subarray(end + 4);
    }
    const used = this.onBody(data);
    if (used < data.length) this.rest = Buffer.from(data.subarray(used));
    return true;
  }
}

/** The value of header `name` (lower case) in a response head, or undefined. */
function headerValue(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A WebSocket client (RFC 6455) over a raw socket: text frames are envelopes. */
class RawWebSocket extends RawConnection {
  private readonly accepted: string;
  private fragments: Buffer[] | undefined;

  constructor(start: WorkerStart, settle: () => void) {
    const key = randomBytes(16).toString('base64');
    super(
      start,
      `GET /rooms/${start.room}/ws HTTP/1.1\r\nHost: ${start.host}:${start.port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      settle,
    );
    this.accepted = createHash('sha1')
      .update(key + WEBSOCKET_GUID)
      .digest('base64');
  }

  protected accept(head: string): boolean {
    return head.startsWith('HTTP/1.1 101 ') && headerValue(head, 'sec-websocket-accept') === this.accepted;
  }

  protected onBody(data: Buffer): number {
    let offset = 0;
    while (data.length - offset >= 2) {
      const first = data[offset];
      const second = data[offset + 1];
      if ((second & 0x80) !== 0 || (first & 0x70) !== 0) {
        // A server never masks, and no extension was negotiated.
        malformed++;
        this.socket.destroy();
        return data.length;
      }
      let length = second & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = data.readUInt32BE(offset + 2) * 0x100000000 + data.readUInt32BE(offset + 6);
        header = 10;
      }
      if (data.length - offset - header < length) break;
      const payload = data.subarray(offset + header, offset + header + length);
      offset += header + length;
      this.onFrame((first & 0x80) !== 0, first & 0x0f, payload);
    }
    return offset;
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x1:
        if (fin) this.onJson(payload.toString('utf8'));
        else this.fragments = [Buffer.from(payload)];
        return;
      case 0x0:
        if (this.fragments === undefined) {
          malformed++;
          return;
        }
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = undefined;
          this.onJson(text);
        }
        return;
      case 0x8:
        this.socket.end(maskedFrame(0x8, payload.subarray(0, 2)));
        return;
      case 0x9:
        this.socket.write(maskedFrame(0xa, payload));
        return;
      case 0xa:
        return;
      default:
        malformed++;
    }
  }
}

/** A client frame (FIN set), masked as RFC 6455 §5.3 requires; control payloads are ≤ 125 bytes. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  randomBytes(4).copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ frame[2 + (i & 3)];
  return frame;
}

const CRLF = Buffer.from('\r\n');

/**
 * A Server-Sent Events client over a raw socket: undoes the chunked transfer coding, splits lines,
 * and dispatches each event at its blank line (`data:` lines joined; events other than envelopes,
 * such as `gap`, are skipped).
 */
class RawEventSource extends RawConnection {
  private chunked = false;
  /** Bytes still to read of the current chunk (chunked), or -1 between chunks. */
  private chunkLeft = -1;
  /** Body bytes not yet ending in a newline. */
  private partial: Buffer | undefined;
  private eventType = '';
  private dataLines: string[] = [];

  constructor(start: WorkerStart, settle: () => void) {
    super(
      start,
      `GET /rooms/${start.room}/events HTTP/1.1\r\nHost: ${start.host}:${start.port}\r\nAccept: text/event-stream\r\n\r\n`,
      settle,
    );
  }

  protected accept(head: string): boolean {
    if (!head.startsWith('HTTP/1.1 200 ')) return false;
    if (!(headerValue(head, 'content-type') ?? '').startsWith('text/event-stream')) return false;
    this.chunked = headerValue(head, 'transfer-encoding')?.toLowerCase() === 'chunked';
    return true;
  }

  protected onBody(data: Buffer): number {
    if (!this.chunked) {
      this.onText(data);
      return data.length;
    }
    let offset = 0;
    while (offset < data.length) {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, data.length - offset);
        this.onText(data.subarray(offset, offset + take));
        offset += take;
        this.chunkLeft -= take;
        continue;
      }
      if (this.chunkLeft === 0) {
        // The CRLF after a chunk's data.
        if (data.length - offset < 2) break;
        if (data[offset] !== 0x0d || data[offset + 1] !== 0x0a) {
          malformed++;
          this.socket.destroy();
          return data.length;
        }
        offset += 2;
        this.chunkLeft = -1;
        continue;
      }
      const end = data.indexOf(CRLF, offset);
      if (end < 0) break;
      const size = Number.parseInt(data.toString('latin1', offset, end), 16);
      if (!Number.isSafeInteger(size)) {
        malformed++;
        this.socket.destroy();
        return data.length;
      }
      if (size === 0) {
        this.socket.end();
        return data.length;
      }
      offset = end + 2;
      this.chunkLeft = size;
    }
    return offset;
  }

  /** Stream text: whole lines are handled, a trailing partial line waits for the next bytes. */
  private onText(bytes: Buffer): void {
    if (this.partial !== undefined) {
      bytes = Buffer.concat([this.partial, bytes]);
      this.partial = undefined;
    }
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
      const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
      this.onLine(bytes.toString('utf8', start, stop));
      start = end + 1;
    }
    if (start < bytes.length) this.partial = Buffer.from(bytes.subarray(start));
  }

  private onLine(line: string): void {
    if (line === '') {
      const type = this.eventType;
      const data = this.dataLines;
      this.eventType = '';
      this.dataLines = [];
      if (data.length > 0 && type !== 'gap' && type !== 'reconnect') this.onJson(data.join('\n'));
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // a comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventType = value;
  }
}

function openSse(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    new RawEventSource(start, resolve);
  });
}

function openWebSocket(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    new RawWebSocket(start, resolve);
  });
}

function openSocketIo(start: WorkerStart): Promise<void> {
  return new Promise((resolve) => {
    const tracker = new Tracker();
    const socket = io(`http://${start.host}:${start.port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      query: { room: start.room },
    });
    socket.on('event', (envelope: Envelope) => tracker.onEnvelope(envelope));
    socket.on('joined', () => resolve());
    socket.on('connect_error', () => {
      failed++;
      resolve();
    });
  });
}

async function openAll(start: WorkerStart): Promise<void> {
  keepFrom = start.keepFrom;
  const openers: (() => Promise<void>)[] = [];
  for (let i = 0; i < start.sse; i++) openers.push(() => openSse(start));
  for (let i = 0; i < start.websocket; i++) openers.push(() => openWebSocket(start));
  for (let i = 0; i < start.socketio; i++) openers.push(() => openSocketIo(start));
  const batch = 100;
  for (let i = 0; i < openers.length; i += batch) {
    await Promise.all(openers.slice(i, i + batch).map((open) => open()));
  }
}

// The bench run ended (or was interrupted): do not outlive it.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    openAll(message as WorkerStart).then(() => process.send!({ type: 'ready', failed }));
  } else if (message.type === 'report') {
    const report: WorkerReport = { type: 'report', maxBySeq, countBySeq, all, failed, disordered, malformed };
    process.send!(report);
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
