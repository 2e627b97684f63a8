/** A flag or environment variable that cannot be used; the process exits 2 with `message`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The flag to fix, without dashes, when one is to blame. */
    readonly flag?: string,
  ) {
    super(message);
  }
}

/** Thrown by a parser: says what the value must be (the caller adds which flag and the value). */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}
