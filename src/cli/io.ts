import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

/** An output stream as the commands use it: process.stdout, or a test's capture. */
export interface OutputStream {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

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
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, clock: systemClock, signals: process };
}
