/** Counters since the queue was created. */
export interface TaskQueueCounters {
  /** Tasks that succeeded. */
  completed: number;
  /** Tasks that failed for good (after their last retry, or on a timeout with none left). */
  failed: number;
  /** Retries scheduled. */
  retried: number;
  /** Attempts that ran past their timeout. */
  timedOut: number;
  /** Tasks cancelled by their caller's signal or by `close({ drain: false })`. */
  cancelled: number;
}
