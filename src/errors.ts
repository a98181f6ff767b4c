/** Bad usage or input we cannot work with: exit 2. The message says what to do instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A check ran and failed (bad signature, schema error, late reply): exit 1.
 * Commands print their own results first; the message is the one-line summary.
 */
export class CheckFailed extends Error {
  override name = 'CheckFailed';
}

/** The user interrupted (Ctrl-C): exit 130, after whatever had to be flushed was flushed. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}
