import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';

/** The part of net.Socket's libuv handle used here: its file descriptor (-1 where there is none). */
interface SocketHandle {
  fd?: number;
}

/**
 * Writes to one subscriber's socket now, in order with everything written to it before.
 *
 * When nothing of the socket is queued or corked, the bytes go straight to its file descriptor with
 * one write(2): the stream path would allocate a write request, a callback record and its
 * bookkeeping per subscriber, which in a big room's fan-out fills the young generation and brings
 * scavenges (pauses of several ms here) far more often. Whatever the kernel does not take at once —
 * a full socket buffer, or an error — goes through the stream as usual, which queues it (counted in
 * `writableLength`, so backpressure and the slow-client drop work as before) and reports errors
 * through its events. Any other socket (a TLS one, a platform without descriptors) uses the stream.
 *
 * The descriptor is read from the socket's handle once and kept with that handle object: it is only
 * used while the socket still holds the same handle (a closed socket's handle is null), so a number
 * the kernel gave to a newer connection is never written to.
 */
export class DirectWriter {
  private readonly socket: Socket;
  /** False for sockets whose bytes must go through the stream (TLS). */
  private readonly direct: boolean;
  /**
   * Bytes written through another path (an HTTP response) that have not reached the socket yet;
   * null once they all have (nothing more goes that way), so the fan-out path stops asking.
   */
  private heldElsewhere: (() => number) | null;
  private handle: SocketHandle | null = null;
  private fd = -1;
  /** Bytes waiting for what was written elsewhere to reach the socket first, in order. */
  private waiting: Buffer[] = [];

  /**
   * `heldElsewhere`: for a socket that an HTTP response wrote to first (SSE: its headers and
   * first line, and nothing after), how many of the response's bytes are still held by the
   * response rather than the socket. Node.js 22 and newer keep a corked response's chunks in the response until the end of
   * the tick; bytes written to the socket meanwhile would overtake them.
   */
  constructor(socket: Socket, heldElsewhere: (() => number) | null = null) {
    this.socket = socket;
    this.direct = !('encrypted' in socket);
    this.heldElsewhere = heldElsewhere;
  }

  /**
   * Writes `bytes`, after everything written to the socket (or held for it) before. Returns true
   * when the kernel took all of them at once, or they wait their turn; false when some went
   * through the stream (queued there: check the backlog).
   */
  write(bytes: Buffer): boolean {
    if (this.waiting.length > 0 || this.isHeldElsewhere()) {
      if (this.waiting.push(bytes) === 1) setImmediate(writeWaiting, this);
      return true;
    }
    return this.writeNow(bytes);
  }

  private isHeldElsewhere(): boolean {
    if (this.heldElsewhere === null) return false;
    if (this.heldElsewhere() > 0) return true;
    this.heldElsewhere = null;
    return false;
  }

  /** Writes what waits, if what it waited for has reached the socket; else waits another turn. */
  flushWaiting(): void {
    if (this.waiting.length === 0) return;
    if (this.isHeldElsewhere() && !this.socket.destroyed) {
      setImmediate(writeWaiting, this);
      return;
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const bytes of waiting) this.writeNow(bytes);
  }

  private writeNow(bytes: Buffer): boolean {
    const socket = this.socket;
    const handle = (socket as unknown as { _handle: SocketHandle | null })._handle;
    if (
      handle === null ||
      handle === undefined ||
      !this.direct ||
      socket.writableLength !== 0 ||
      socket.writableCorked !== 0
    ) {
      socket.write(bytes);
      return false;
    }
    if (handle !== this.handle) {
      this.handle = handle;
      this.fd = handle.fd ?? -1;
    }
    const fd = this.fd;
    if (fd < 0) {
      socket.write(bytes);
      return false;
    }
    let written = 0;
    try {
      written = writeSync(fd, bytes);
    } catch {
      // EAGAIN (buffer full) or a broken connection: the stream queues or reports it.
    }
    if (written === bytes.length) return true;
    socket.write(written === 0 ? bytes : bytes.subarray(written));
    return false;
  }
}

function writeWaiting(writer: DirectWriter): void {
  writer.flushWaiting();
}
