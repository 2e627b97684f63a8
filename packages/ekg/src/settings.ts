import { trustedPeers } from './client-address.js';

/** Options of {@link startEkg}. Every field has a default except the publisher credentials. */
export interface EkgOptions {
  /** TCP port; 0 picks a free one (see {@link EkgServer.port}). Default 3004. */
  port?: number;
  /** Address to bind. Default: all interfaces. */
  host?: string;
  /** Standard Webhooks secrets (`whsec_…`) accepted on `POST /publish`. */
  secrets?: readonly string[];
  /** Bearer tokens accepted on `POST /publish`. */
  tokens?: readonly string[];
  /** Events kept per room for resuming clients. Default 1000. */
  bufferSize?: number;
  /** Interval of SSE heartbeat comments, ms. Default 15000. */
  heartbeatMs?: number;
  /** The SSE `retry:` hint sent when a stream opens, ms. Default 2000. */
  retryMs?: number;
  /** Interval of WebSocket pings; a socket that misses a pong by the next one is dropped, ms. Default 30000. */
  pingMs?: number;
  /** Open subscriber connections in total; past it, 503. Default 20000. */
  maxConnections?: number;
  /** Open subscriber connections per client address; past it, 503. Default 1000. */
  maxConnectionsPerIp?: number;
  /** Largest `POST /publish` body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Unsent bytes a subscriber may accumulate before it is dropped as too slow. Default 256 KiB. */
  maxBufferedBytes?: number;
  /** Origins allowed to read streams cross-origin (CORS) and to open WebSockets. Default none (same origin only). */
  corsOrigins?: readonly string[];
  /**
   * Which address a subscriber connection counts against in the per-address limit. With the header
   * believed, it is the last entry of `X-Forwarded-For` (the address the proxy right in front of ekg
   * saw, when that proxy appends; taken as sent, not checked to be an address), else the peer
   * address. `true` believes the header from any peer, so anyone who reaches ekg directly chooses
   * the address they count against; a list believes it only from peers with one of those addresses
   * (an IPv4 address also matches its IPv4-mapped IPv6 form). A missing or empty header, or an empty
   * last entry, falls back to the peer address. `POST /publish` is not affected. Default false: the
   * header is ignored.
   */
  trustProxy?: boolean | readonly string[];
  /** A room with no subscribers and no publish for this long is freed, ms. Default 300000. */
  roomIdleMs?: number;
  /**
   * An event that arrives ahead of a missing seq of its room waits this long for it, so events that
   * reach ekg out of order still go out in order, ms; 0 sends at once (clients then fetch the gap).
   * Default 100.
   */
  reorderWindowMs?: number;
  /** At shutdown, clients are told to reconnect after a random delay up to this, ms. Default 3000. */
  shutdownSpreadMs?: number;
  /** At shutdown, connections still open after this are cut, ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /** Accepted age of a Standard Webhooks timestamp, seconds. Default 300. */
  signatureToleranceSeconds?: number;
  /** Record the status page's figures and serve them as `GET /status/ring`. Default true. */
  statusRecording?: boolean;
  /** Opens `GET /status/ring` from beyond loopback (`Authorization: Bearer <token>`). Default none. */
  statusToken?: string;
}

/** {@link EkgOptions} with every default filled in, as the server's parts read them. */
export interface Settings {
  port: number;
  host: string | undefined;
  bufferSize: number;
  heartbeatMs: number;
  retryMs: number;
  pingMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxBodyBytes: number;
  maxBufferedBytes: number;
  corsOrigins: ReadonlySet<string>;
  /** Peers whose X-Forwarded-For is believed: all (true), none (false), or those listed. */
  trustProxy: boolean | ReadonlySet<string>;
  roomIdleMs: number;
  reorderWindowMs: number;
  shutdownSpreadMs: number;
  shutdownTimeoutMs: number;
}

export function settingsOf(options: EkgOptions): Settings {
  return {
    port: options.port ?? 3004,
    host: options.host,
    bufferSize: options.bufferSize ?? 1000,
    heartbeatMs: options.heartbeatMs ?? 15000,
    retryMs: options.retryMs ?? 2000,
    pingMs: options.pingMs ?? 30000,
    maxConnections: options.maxConnections ?? 20000,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    maxBufferedBytes: options.maxBufferedBytes ?? 256 * 1024,
    corsOrigins: new Set(options.corsOrigins ?? []),
    trustProxy: trustedPeers(options.trustProxy),
    roomIdleMs: options.roomIdleMs ?? 300000,
    reorderWindowMs: options.reorderWindowMs ?? 100,
    shutdownSpreadMs: options.shutdownSpreadMs ?? 3000,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10000,
  };
}
