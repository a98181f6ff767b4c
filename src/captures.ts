import { isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from './errors.js';

/** One captured request (architecture.md, "Capture file"); extra keys are allowed and ignored by readers. */
export interface Capture {
  received_at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  body_base64?: string;
  [extra: string]: unknown;
}

export function captureOf(received: Date, method: string, path: string, headers: Record<string, string | string[] | undefined>, body: Buffer, extra: Record<string, unknown> = {}): Capture {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const capture: Capture = { received_at: received.toISOString(), method, path, headers: flat };
  // Body bytes must come back exactly: text when they are UTF-8, base64 when not.
  if (isUtf8(body)) capture.body = body.toString('utf8');
  else capture.body_base64 = body.toString('base64');
  return Object.assign(capture, extra);
}

export function captureBody(capture: Capture): Buffer {
  return capture.body_base64 !== undefined ? Buffer.from(capture.body_base64, 'base64') : Buffer.from(capture.body ?? '', 'utf8');
}

/**
 * Appends capture lines with group commit: the lines of one event-loop turn go out in one write at
 * the end of the turn, and each append resolves once its line is in the file — so a request is
 * answered only after its line is saved, and no line is ever torn or interleaved.
 */
export class CaptureWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private scheduled = false;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'a');
    } catch (error) {
      throw new UsageError(`cannot write captures to ${path}: ${(error as Error).message}`);
    }
  }

  append(capture: Capture): Promise<void> {
    this.pending.push(`${JSON.stringify(capture)}\n`);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // A synchronous write of a few KB to the page cache costs less than a thread-pool round trip.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      writeSync(this.fd, data);
    } catch (error) {
      // The requests are not answered 2xx: their lines are not saved.
      for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  /** Writes what is left and closes the file. */
  async close(): Promise<void> {
    this.flush();
    closeSync(this.fd);
  }
}

/** Streams a capture file line by line (flat memory for any size); a bad line is a UsageError naming it. */
export async function* readCaptures(path: string): AsyncGenerator<{ line: number; capture: Capture }> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      let capture: Capture;
      try {
        capture = JSON.parse(text) as Capture;
      } catch (error) {
        throw new UsageError(`${path}:${line}: not JSON: ${(error as Error).message}`);
      }
      if (capture === null || typeof capture !== 'object' || typeof capture.headers !== 'object' || (capture.body === undefined && capture.body_base64 === undefined)) {
        throw new UsageError(`${path}:${line}: not a capture: expected {received_at, method, path, headers, body}`);
      }
      yield { line, capture };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`cannot read ${path}: no such file`);
    throw error;
  }
}
