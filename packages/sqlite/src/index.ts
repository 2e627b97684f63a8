export type { Checkpointer } from './checkpointer.js';
export { checkpointWorkerUrl, startCheckpointer } from './checkpointer.js';
export { loadBetterSqlite3 } from './driver.js';
