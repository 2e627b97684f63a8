export {
  BIN_COUNT,
  type CompactHistogram,
  compactQuantile,
  isCompactHistogram,
  LatencyHistogram,
  MAX_TRACKED_MS,
  MIN_TRACKED_MS,
  RELATIVE_ACCURACY,
} from './latency-histogram.js';
export { mergeCompact, mergeSeconds } from './merge-seconds.js';
export { sampleProcess } from './process-sample.js';
export { type MirroredHost, parseRingSlice, RingMirror, type RingMirrorOptions } from './ring-mirror.js';
export {
  checkStatusAccess,
  isLoopbackAddress,
  STATUS_COOKIE,
  type StatusAccess,
  type StatusRequest,
  sameSecret,
  statusCookieValue,
} from './status-access.js';
export {
  buildStatusDocument,
  PLOTTED_QUANTILES,
  type ServiceSeconds,
  type StatusDocument,
  type StatusSeries,
  type StatusService,
} from './status-document.js';
export {
  type CounterRecorder,
  type LatencyRecorder,
  type RingSecond,
  type RingSlice,
  type SeriesKind,
  type SeriesSpec,
  StatusRing,
  type StatusRingOptions,
} from './status-ring.js';
