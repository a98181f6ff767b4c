import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Io, OutputStream, StopSignal } from '../src/cli/io.js';
import type { main as mainOfSources } from '../src/cli/main.js';
import { type Clock, systemClock } from '../src/clock.js';

// The bundle that bin/hms-webhook.js runs, not tsc's output: every in-process CLI test runs shipped code.
const { main } = (await import(new URL('../bundle/cli.js', import.meta.url).href)) as { main: typeof mainOfSources };

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/hms-webhook.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** A stream is read as it is (in-process runs only): a test can see how far the command has read. */
  stdin?: string | Buffer | Readable;
  env?: NodeJS.ProcessEnv;
  /** In-process runs only: the clock the command reads. */
  clock?: Clock;
  /** In-process runs only: stdout and stderr claim to be a terminal. */
  tty?: boolean;
  /** In-process runs only: where SIGINT and SIGTERM come from. */
  signals?: EventEmitter;
}

/** A stream that keeps what is written to it, and can be waited on for a text to appear. */
export class Capture implements OutputStream {
  text = '';
  private readonly waiting: { pattern: RegExp; resolve(match: RegExpExecArray): void }[] = [];
  constructor(readonly isTTY: boolean) {}
  write(text: string): boolean {
    this.text += text;
    for (const waiter of [...this.waiting]) {
      const match = waiter.pattern.exec(this.text);
      if (match) {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
    return true;
  }
  once(): this {
    return this;
  }
  /** Resolves once the text written so far matches. */
  until(pattern: RegExp): Promise<RegExpExecArray> {
    const match = pattern.exec(this.text);
    if (match) return Promise.resolve(match);
    return new Promise((resolve) => this.waiting.push({ pattern, resolve }));
  }
}

export interface RunningCli {
  stdout: Capture;
  stderr: Capture;
  signals: EventEmitter;
  done: Promise<CliResult>;
}

/** Starts the CLI in this process and returns at once: for commands that run until stopped, such as listen. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const stdout = new Capture(options.tty === true);
  const stderr = new Capture(options.tty === true);
  const signals = options.signals ?? new EventEmitter();
  const stdin = (
    options.stdin instanceof Readable ? options.stdin : Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)])
  ) as Readable & { isTTY?: boolean };
  const io: Io = {
    stdout,
    stderr,
    stdin,
    env: environment(options.env),
    clock: options.clock ?? systemClock,
    signals: signals as EventEmitter & { once(signal: StopSignal, listener: () => void): unknown },
  };
  const done = main(args, io).then((code) => ({ code, signal: null, stdout: stdout.text, stderr: stderr.text }));
  return { stdout, stderr, signals, done };
}

function environment(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  // FORCE_COLOR is removed, not emptied: from Node 22 on, NO_COLOR beside any FORCE_COLOR is a warning on stderr.
  // HMS_WEBHOOK_SECRET too: set but empty, it is a mistake the commands refuse (an unset CI secret).
  const { FORCE_COLOR: _color, HMS_WEBHOOK_SECRET: _secret, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: '1', GITHUB_ACTIONS: '', CI: '', ...env };
}

/** Runs the CLI in this process through main(args, io): its streams, env, clock and signals are the test's. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * Runs the built CLI as a user would: a child process with its own stdio, colour off. `command` runs
 * another bin (an installed one) by its own `#!` line, with this node first on PATH.
 */
export function spawnCli(
  args: string[],
  options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; command?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = options.command === undefined ? [process.execPath, [BIN, ...args]] : [options.command, args];
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? ROOT,
      env: { ...environment(options.env), PATH: nodeFirstOnPath() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** PATH with the directory of the node running the tests first: a `#!/usr/bin/env node` bin runs on it too. */
export function nodeFirstOnPath(): string {
  return [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
}

/**
 * A clock that stands still until the test moves it; `elapsed` moves by `stepMs` at each reading.
 * `advance` is time passing (a receiver that takes 10.5 s says so instead of waiting).
 */
export function steppingClock(startMs: number, stepMs = 0): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = startMs;
  let elapsed = 0;
  return {
    now: () => now,
    elapsed: () => {
      elapsed += stepMs;
      return elapsed;
    },
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
      elapsed += ms;
    },
  };
}

/** A temporary folder, removed when the test file's tests are done. */
export function temporaryFolder(prefix = 'hms-webhook-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** stdout of a --json run, one object per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Skips a test that needs what this machine may lack (root for a tmpfs, prlimit), saying why; where
 * `.ci/run` requires them (HMS_WEBHOOK_SYSTEM_TESTS=required, set when it runs as root), it fails instead.
 */
export function skipWithout(t: { skip(message: string): void }, reason: string): void {
  if (process.env.HMS_WEBHOOK_SYSTEM_TESTS === 'required') throw new Error(`required here, but ${reason}`);
  t.skip(reason);
}

/** An Io that discards what is written: for parsing a command line without running it. */
export function quietIo(): Io {
  const sink = { write: () => true, once: () => undefined, isTTY: false };
  return { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, clock: systemClock, signals: new EventEmitter() };
}
