import type { EjectionReason, HostState } from './host.js';

/** Why a host changed state. */
export type StateChangeReason =
  | EjectionReason
  | 'ejection-expired'
  | 'trial-succeeded'
  | 'trial-failed'
  | 'health-check-passed'
  | 'removed';

/** Payload of the `hostStateChange` event. */
export interface HostStateChange {
  host: string;
  from: HostState;
  to: HostState;
  reason: StateChangeReason;
  /** For `to: 'ejected'`: how long the ejection lasts (ms), or `null` until a health check passes. */
  ejectionTime: number | null;
}

/** Events a {@link HostPool} emits, for `pool.on(name, listener)`. */
export interface HostPoolEvents {
  hostStateChange: [change: HostStateChange];
  hostAdded: [event: { host: string; seed: string }];
  /** After a removed host drained its in-flight requests and closed its connections. */
  hostRemoved: [event: { host: string; seed: string }];
  dnsError: [event: { hostname: string; error: Error }];
}

/** Emits one of the pool's events (the pool's own `emit`, handed to the parts that report them). */
export type EmitPoolEvent = <E extends keyof HostPoolEvents>(event: E, ...args: HostPoolEvents[E]) => void;
