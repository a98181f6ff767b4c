import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

/** An output stream as the commands use it: process.stdout, or a test's capture. */
export interface OutputStream {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  /** Its reader went away (EPIPE: `| head` read enough): nothing written now reaches anyone. */
  readonly closed?: boolean;
  /** What is still unwritten gets `ms` more; then the process exits without it (a reader that stopped reading). */
  giveUpAfter?(ms: number, say: (text: string) => void): void;
}

/**
 * The signals a run hears. SIGPIPE stands for stdout's reader going away (heard as a stop by long
 * runs, never raised by the system here); SIGHUP asks listen to reopen its capture file.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGPIPE' | 'SIGHUP';

/** Where signals come from: the process, or an emitter a test drives. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  once(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

/** Everything a command reads from or writes to the world outside its arguments. */
export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  clock: Clock;
  signals: SignalSource;
}

export function processIo(): Io {
  const signals = processSignals();
  return { stdout: watchedStdout(signals), stderr: process.stderr, stdin: process.stdin, env: process.env, clock: systemClock, signals };
}

/** The line said once when stdout's reader went away before the run was over. */
export const STDOUT_CLOSED_LINE =
  'hms-webhook: stdout was closed before everything was written (its reader stopped reading): not every result was seen, so this run is not a pass\n';

/** The process's own signals (SIGINT, SIGTERM, SIGHUP); SIGPIPE from watchedStdout, never installed as a real handler. */
function processSignals(): SignalSource & { emit(signal: 'SIGPIPE'): void } {
  const pipe = new EventEmitter();
  return {
    on: (signal, listener) => (signal === 'SIGPIPE' ? pipe.on(signal, listener) : process.on(signal, listener)),
    once: (signal, listener) => (signal === 'SIGPIPE' ? pipe.once(signal, listener) : process.once(signal, listener)),
    off: (signal, listener) => (signal === 'SIGPIPE' ? pipe.off(signal, listener) : process.off(signal, listener)),
    emit: (signal) => pipe.emit(signal),
  };
}

/**
 * process.stdout, with a closed pipe remembered instead of thrown: later writes are dropped, a
 * writer waiting for 'drain' is let go, and SIGPIPE is heard. The exit code then is not 0: inside
 * a run main() says so; after it (a write flushed at exit) this does.
 */
function watchedStdout(signals: { emit(signal: 'SIGPIPE'): void }): OutputStream {
  const stdout = process.stdout;
  let closed = false;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed) return;
    closed = true;
    stdout.emit('drain');
    signals.emit('SIGPIPE');
    if (process.exitCode === 0) {
      process.stderr.write(STDOUT_CLOSED_LINE);
      process.exitCode = 2;
    }
  });
  return {
    write: (text) => (closed ? true : stdout.write(text)),
    giveUpAfter: (ms, say) => {
      const timer = setTimeout(() => {
        if (closed || stdout.writableLength === 0) return;
        say(`stdout's reader did not take the last ${stdout.writableLength} bytes within ${ms / 1000} s: exiting without them`);
        // The run's verdict if it failed; never a pass, since its results were not all seen.
        process.exit(process.exitCode === undefined || process.exitCode === 0 ? 2 : process.exitCode);
      }, ms);
      // Only a write still pending keeps the process alive long enough for this to fire.
      timer.unref();
    },
    once: (event, listener) => (closed ? listener() : stdout.once(event, listener)),
    get isTTY() {
      return stdout.isTTY;
    },
    get columns() {
      return stdout.columns;
    },
    get closed() {
      return closed;
    },
  };
}
