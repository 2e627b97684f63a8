import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';

/** The part of net.Socket's libuv handle used here: its file descriptor (-1 where there is none). */
interface SocketHandle {
  fd?: number;
}

/**
 * Writes `bytes` to a subscriber's socket now, in order with everything written to it before.
 *
 * When nothing of the socket is queued or corked, the bytes go straight to its file descriptor with
 * one write(2): the stream path would allocate a write request, a callback record and its
 * bookkeeping per subscriber, which in a big room's fan-out fills the young generation and brings
 * scavenges (pauses of several ms here) far more often. Whatever the kernel does not take at once —
 * a full socket buffer, or an error — goes through the stream as usual, which queues it (counted in
 * `writableLength`, so backpressure and the slow-client drop work as before) and reports errors
 * through its events. Any other socket (a TLS one, a platform without descriptors) uses the stream.
 */
export function writeNow(socket: Socket, bytes: Buffer): void {
  const handle = (socket as unknown as { _handle: SocketHandle | null })._handle;
  const fd = handle?.fd;
  if (
    fd === undefined ||
    fd < 0 ||
    'encrypted' in socket ||
    socket.writableLength !== 0 ||
    socket.writableCorked !== 0
  ) {
    socket.write(bytes);
    return;
  }
  let written = 0;
  try {
    written = writeSync(fd, bytes);
  } catch {
    // EAGAIN (buffer full) or a broken connection: the stream queues or reports it.
  }
  if (written < bytes.length) socket.write(written === 0 ? bytes : bytes.subarray(written));
}
