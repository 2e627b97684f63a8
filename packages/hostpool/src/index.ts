export {
  HostPoolClosedError,
  HostPoolConfigError,
  NoHealthyHostError,
  ResponseTooLargeError,
  UnknownHostError,
} from './errors.js';
export type { EjectionReason, HostInfo, HostState } from './host.js';
export { HostPool, type HostPoolEvents, type HostStateChange, type StateChangeReason } from './host-pool.js';
export type {
  BalanceStrategy,
  DnsOptions,
  HealthCheckOptions,
  HostPoolOptions,
  OutlierDetectionOptions,
  PoolMode,
} from './options.js';
export type { BroadcastResult, HostRequest, HostResponse } from './request.js';
