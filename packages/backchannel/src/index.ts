export {
  ConfigError,
  readStackConfig,
  type Setting,
  type StackConfig,
  settings,
  startHelp,
} from './config.js';
export {
  type OriginOptions,
  type OriginServer,
  type OriginUpstream,
  type OriginUpstreams,
  startOrigin,
} from './origin.js';
export { freePorts, isPortTaken } from './port-check.js';
export { isAlive, type RunState, readRunState, runStatePath } from './run-state.js';
export { ServiceProcess, type ServiceSpec, ServiceStartError } from './service-process.js';
export {
  PortInUseError,
  type ServiceName,
  type Stack,
  type StackHooks,
  serviceSpecs,
  startStack,
} from './stack.js';
