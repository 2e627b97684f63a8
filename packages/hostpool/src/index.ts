/**
 * @backchannel/hostpool: HTTP host pools over undici. `HostPool` sends each request to one
 * healthy host (balance) or to every host (broadcast), ejects failing hosts and probes them
 * back. Every error a caller can see is exported here with a stable `code`.
 */
export {
  HostPoolClosedError,
  HostPoolConfigError,
  NoHealthyHostError,
  ResponseTooLargeError,
  UnknownHostError,
} from './errors.js';
export type { EjectionReason, HostInfo, HostState } from './host.js';
export { HostPool } from './host-pool.js';
export type { HostPoolEvents, HostStateChange, StateChangeReason } from './host-pool-events.js';
export type {
  BalanceStrategy,
  DnsOptions,
  HealthCheckOptions,
  HostPoolOptions,
  OutlierDetectionOptions,
  PoolMode,
} from './options.js';
export type { BroadcastResult, HostRequest, HostResponse } from './request.js';
