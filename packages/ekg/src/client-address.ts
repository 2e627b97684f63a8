import type { IncomingMessage } from 'node:http';

/**
 * The address a subscriber connection counts against in the per-address limit. From a believed
 * peer it is the last `X-Forwarded-For` entry: Node joins repeated headers with ", ", and a proxy
 * that appends (nginx's `$proxy_add_x_forwarded_for`) puts the peer it saw last, so that is the
 * one entry the proxy in front of ekg vouches for. Earlier entries arrived with the request from
 * whoever sent it to that proxy (the browser or further proxies) and are not checked. The entry is
 * taken as sent; a missing or empty header, or an empty last entry, falls back to the peer address.
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean | ReadonlySet<string>): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustProxy === true || (trustProxy !== false && trustProxy.has(peer))) {
    const forwarded = request.headers['x-forwarded-for'];
    if (typeof forwarded === 'string' && forwarded !== '') {
      const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
      if (last !== '') return last;
    }
  }
  return peer;
}

/**
 * The peers whose `X-Forwarded-For` is believed: `true` any, `false` (the default) none, else the
 * listed addresses, each IPv4 one also in its IPv4-mapped IPv6 form (how a dual-stack socket
 * reports an IPv4 peer).
 */
export function trustedPeers(
  trustProxy: boolean | readonly string[] | undefined,
): boolean | ReadonlySet<string> {
  if (trustProxy === undefined || typeof trustProxy === 'boolean') return trustProxy ?? false;
  const peers = new Set<string>();
  for (const address of trustProxy) {
    peers.add(address);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) peers.add(`::ffff:${address}`);
  }
  return peers;
}
