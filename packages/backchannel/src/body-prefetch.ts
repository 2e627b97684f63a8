import type { IncomingMessage } from 'node:http';

/**
 * How much of a request body the origin reads before it takes an upstream connection. A slow
 * upload waits here, under the body timeout, instead of holding a connection to the api;
 * bodies up to this size reach the api in one piece.
 */
export const bodyPrefetchBytes = 64 * 1024;

/** How a request's body arrived before the upstream was chosen. */
export interface Prefetched {
  chunks: Buffer[];
  /** The whole body is in `chunks`. */
  complete: boolean;
}

/**
 * Reads up to {@link bodyPrefetchBytes} of `req`'s body (all of it when smaller), then pauses it.
 * Calls `done` with what arrived, or never when the client goes away first.
 */
export function prefetchBody(req: IncomingMessage, done: (body: Prefetched) => void): void {
  const noBody =
    req.headers['content-length'] === undefined || req.headers['content-length'] === '0'
      ? req.headers['transfer-encoding'] === undefined
      : false;
  if (noBody || req.complete) {
    req.resume();
    done({ chunks: [], complete: true });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (complete: boolean) => {
    req.off('data', onData);
    req.off('end', onEnd);
    if (!complete) req.pause();
    done({ chunks, complete });
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= bodyPrefetchBytes) finish(false);
  };
  const onEnd = () => finish(true);
  req.on('data', onData);
  req.on('end', onEnd);
}
