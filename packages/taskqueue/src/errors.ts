/**
 * Errors the queue rejects with. Each has a stable `code` to branch on and the HTTP
 * `status` that fits when the error reaches a client.
 */
export class TaskQueueError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;
  /** The HTTP status that fits this error when it reaches a client. */
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** `push` rejected because `maxPending` tasks are already pending (code `ERR_QUEUE_FULL`, status 503). */
export class QueueFullError extends TaskQueueError {
  /** The `maxPending` limit that was reached. */
  readonly maxPending: number;

  constructor(maxPending: number) {
    super(
      'ERR_QUEUE_FULL',
      503,
      `task queue is full (maxPending ${maxPending}): wait for queue.onSizeLessThan(n) before pushing, or raise maxPending`,
    );
    this.maxPending = maxPending;
  }
}

/** The queue was closed: `push` after `close()`, or a task dropped by `close({ drain: false })` (code `ERR_QUEUE_CLOSED`, status 503). */
export class QueueClosedError extends TaskQueueError {
  constructor(message = 'task queue is closed: push before calling close(), or create a new TaskQueue') {
    super('ERR_QUEUE_CLOSED', 503, message);
  }
}

/** An attempt ran longer than its `timeout`; its signal was aborted with this error (code `ERR_TASK_TIMEOUT`, status 504). */
export class TimeoutError extends TaskQueueError {
  /** The timeout in milliseconds that was exceeded. */
  readonly timeout: number;
  /** The attempt (1-based) that timed out. */
  readonly attempt: number;

  constructor(timeout: number, attempt: number) {
    super(
      'ERR_TASK_TIMEOUT',
      504,
      `task timed out after ${timeout} ms on attempt ${attempt}: raise the timeout option or make the task finish sooner`,
    );
    this.timeout = timeout;
    this.attempt = attempt;
  }
}

/** The caller's `signal` aborted the task; `cause` is the signal's reason (code `ERR_TASK_ABORTED`, status 499). */
export class TaskAbortedError extends TaskQueueError {
  constructor(reason: unknown) {
    super('ERR_TASK_ABORTED', 499, 'task was cancelled by the signal passed to push()', { cause: reason });
  }
}

/** An option has a value the queue cannot use; the message names the option (code `ERR_INVALID_OPTION`). */
export class InvalidOptionError extends TaskQueueError {
  /** The name of the offending option. */
  readonly option: string;

  constructor(option: string, expected: string, value: unknown) {
    super('ERR_INVALID_OPTION', 500, `option "${option}" must be ${expected}, got ${String(value)}`);
    this.option = option;
  }
}
