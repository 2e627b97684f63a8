export { freePort, freePorts } from './free-ports.js';
export { cpuTime, percentile } from './measure.js';
export type { RecordedRequest, UpstreamAnswer } from './recording-upstream.js';
export { RecordingUpstream } from './recording-upstream.js';
export type { SpawnedProcess, SpawnUntilLineOptions } from './spawn-until-line.js';
export { spawnUntilLine } from './spawn-until-line.js';
export type { WaitForOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
