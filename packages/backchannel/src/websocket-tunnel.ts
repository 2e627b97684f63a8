import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { forwardedFor } from './forwarded-headers.js';
import { rawError, unavailable } from './origin-errors.js';
import type { UpstreamTarget } from './upstream-state.js';

/**
 * Tunnels a WebSocket upgrade to ekg: replays the request head (with the origin's address
 * appended to X-Forwarded-For) and `head`, then pipes bytes both ways until either side closes.
 * If ekg cannot be reached the client gets 502 `upstream_unavailable`.
 */
export function tunnelWebSocket(
  req: IncomingMessage,
  path: string,
  socket: Duplex,
  head: Buffer,
  ekg: UpstreamTarget,
): void {
  const upstream = net.connect(ekg.port, ekg.host, () => {
    const lines = [`${req.method} ${path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]?.toLowerCase() === 'x-forwarded-for') continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`X-Forwarded-For: ${forwardedFor(req)}`, '', '');
    upstream.write(lines.join('\r\n'));
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const closeBoth = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', () => {
    if (socket.writable) socket.end(rawError(unavailable('ekg')));
    closeBoth();
  });
  socket.on('error', closeBoth);
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}
