import type { FramedEvent, GapNotice } from './frame.js';

/**
 * One browser connection to one room, over either transport. A room writes to it through this
 * interface only; the transport decides the bytes.
 */
export interface Subscriber {
  readonly transport: 'sse' | 'websocket';
  /** The client's address as counted against the connection limits. */
  readonly ip: string;
  /** The last seq this client has (or was told it missed); -1 means "whatever comes next". */
  lastSeq: number;
  /**
   * Writes a framed event. With `checkBacklog`, a client whose unsent bytes pass the limit is
   * dropped and false returned. Replays skip the check: a resume may write a whole ring buffer at
   * once, which says nothing about the client's speed.
   */
  sendEvent(event: FramedEvent, checkBacklog: boolean): boolean;
  /** Tells the client events `from`..`to` are not held here. */
  sendGap(gap: GapNotice): void;
  /** Tells the client to reconnect after `after` ms, then ends the stream. */
  sendReconnectAndClose(after: number): void;
  /** Ends the stream without a notice (the client reconnects with its own backoff). */
  close(): void;
}
