// Raw HTTP/1.1 over a socket, for tests that send what no well-behaved client would:
// unfinished bodies, huge heads, absolute-form targets.
import net from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

export function parseRawResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head: head.toLowerCase(), body: split === -1 ? '' : text.slice(split + 4) };
}

/**
 * Writes `request` and resolves with what came back once the server closes the connection,
 * or once `settleMs` passed after the first bytes of an answer (for keep-alive answers).
 * Rejects after `timeoutMs` with nothing: the server hung.
 */
export function rawExchange(
  port: number,
  request: string | Buffer,
  { timeoutMs = 5000, settleMs = 200 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let settle: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(settle);
      socket.destroy();
      if (text === '') reject(new Error('the connection closed without an answer'));
      else resolve(parseRawResponse(text));
    };
    const timer = setTimeout(() => {
      socket.destroy();
      if (text === '') reject(new Error(`no answer within ${timeoutMs} ms`));
      else resolve(parseRawResponse(text));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      clearTimeout(settle);
      settle = setTimeout(done, settleMs);
    });
    socket.on('close', done);
    socket.on('error', () => {});
    socket.write(request);
  });
}

/** Opens a POST and sends only part of its body; the socket stays open until destroyed. */
export function slowUpload(port: number, path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"`,
        () => resolve(socket),
      );
    });
    socket.on('error', reject);
  });
}
