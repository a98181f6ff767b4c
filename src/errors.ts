/** What a run ends with, for scripts: the one table of exit codes. */
export const EXIT = { ok: 0, checkFailed: 1, cannotRun: 2, interrupted: 130, terminated: 143 } as const;

/** An error that knows its exit code, so no command translates errors into codes of its own. */
export abstract class HmsWebhookError extends Error {
  abstract readonly exitCode: number;
}

/** Could not run (exit 2): something outside would not let us (a port in use, a refused connection). */
export class CannotRun extends HmsWebhookError {
  override name = 'CannotRun';
  readonly exitCode: number = EXIT.cannotRun;
}

/** Input that cannot be worked with (an unknown fixture, a file unreadable or malformed): exit 2. */
export class InputError extends CannotRun {
  override name = 'InputError';
}

/** A command line whose parts do not fit together: exit 2. The message says what to do instead. */
export class UsageError extends CannotRun {
  override name = 'UsageError';
}

/**
 * A check ran and failed (bad signature, schema error, late reply): exit 1. Commands print their
 * results first; a message, when there is one, adds a last line to stderr.
 */
export class CheckFailed extends HmsWebhookError {
  override name = 'CheckFailed';
  readonly exitCode = EXIT.checkFailed;
  constructor(message = '') {
    super(message);
  }
}

/** The user interrupted (Ctrl-C): exit 130, after whatever had to be flushed was flushed. */
export class Interrupted extends HmsWebhookError {
  override name = 'Interrupted';
  readonly exitCode: number;
  /** Stopped by Ctrl-C (130) or SIGTERM (143), as a shell reports a process those signals ended. */
  constructor(signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super('');
    this.exitCode = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
}

/** stdout's reader went away mid-run: what is left is not checked, and the run is no pass (1 if a check already failed, else 2). */
export class ReaderGone extends HmsWebhookError {
  override readonly name = 'ReaderGone';
  readonly exitCode: number;
  constructor(alreadyFailed: boolean) {
    super('stdout was closed before everything was written (its reader stopped reading): stopped without checking the rest');
    this.exitCode = alreadyFailed ? EXIT.checkFailed : EXIT.cannotRun;
  }
}
