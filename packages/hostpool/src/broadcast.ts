import type { BroadcastResult, HostRequest, HostResponse } from './request.js';

/**
 * Sends `request` pinned to each of `hosts` through `send` at once, and resolves with
 * one result per host in the order given; never rejects: a host's error is its result.
 */
export function broadcastToEach(
  hosts: Iterable<string>,
  request: Omit<HostRequest, 'host'>,
  send: (pinned: HostRequest) => Promise<HostResponse>,
): Promise<BroadcastResult[]> {
  const results: Promise<BroadcastResult>[] = [];
  for (const url of hosts) {
    results.push(
      send({ ...request, host: url }).then(
        (r): BroadcastResult => ({
          host: url,
          ok: r.statusCode < 400,
          statusCode: r.statusCode,
          headers: r.headers,
          body: r.body,
        }),
        (error: Error): BroadcastResult => ({ host: url, ok: false, error }),
      ),
    );
  }
  return Promise.all(results);
}
