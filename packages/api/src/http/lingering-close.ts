import type { IncomingMessage, ServerResponse } from 'node:http';

export interface LingeringCloseOptions {
  /** Longest time to keep reading an unwanted body after the answer was written, ms. Default 2000. */
  lingerMs?: number;
  /** Most bytes of an unwanted body to read and discard. Default 8 MiB. */
  maxBytes?: number;
}

/**
 * Ends `res` (which must carry `Connection: close`) once the client has finished sending a
 * request body nobody will read, or after `lingerMs` or `maxBytes`, whichever comes first,
 * discarding what arrives. Closing at once would make the kernel answer the client's next
 * body bytes with a reset, and a client still uploading then loses the early answer (a 413)
 * it was about to read: the lingering close of RFC 9112 §9.6.
 */
export function endWithLingeringClose(
  req: IncomingMessage,
  res: ServerResponse,
  options: LingeringCloseOptions = {},
): void {
  if (req.complete || req.destroyed) {
    res.end();
    return;
  }
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  let discarded = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', finish);
    req.off('close', finish);
    if (!res.writableEnded) res.end();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded >= maxBytes) finish();
  };
  const timer = setTimeout(finish, options.lingerMs ?? 2000);
  timer.unref();
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}

/**
 * Makes the next `res.end(...)` write its data and then {@link endWithLingeringClose}, for an
 * answer written by code that calls `end` itself (a framework's early 413).
 */
export function lingerOnEnd(
  req: IncomingMessage,
  res: ServerResponse,
  options: LingeringCloseOptions = {},
): void {
  const end = res.end;
  const lingeringEnd = (chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse => {
    res.end = end;
    const done = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as
      | (() => void)
      | undefined;
    if (done) res.once('finish', done);
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      res.write(
        chunk as string | Uint8Array,
        typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
      );
    }
    endWithLingeringClose(req, res, options);
    return res;
  };
  res.end = lingeringEnd as ServerResponse['end'];
}
