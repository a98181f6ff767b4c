import { isUtf8 } from 'node:buffer';
import { createReadStream, openSync, writeSync, closeSync, write as fsWrite } from 'node:fs';
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
 * Appends capture lines with group commit: lines that arrive while a write is in flight go out
 * together in the next single write, and each append resolves once its line is in the file —
 * so a request is answered only after its line is saved, and no line is ever torn.
 */
export class CaptureWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private waiters: (() => void)[] = [];
  private writing = false;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'a');
    } catch (error) {
      throw new UsageError(`cannot write captures to ${path}: ${(error as Error).message}`);
    }
  }

  append(capture: Capture): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.pending.push(`${JSON.stringify(capture)}\n`);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.writing) this.writeBatch();
    });
  }

  private writeBatch(): void {
    if (this.pending.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const data = Buffer.from(this.pending.join(''));
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const writeAll = (offset: number) => {
      fsWrite(this.fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) {
          this.failure = error;
          this.writing = false;
          return;
        }
        if (offset + written < data.length) return writeAll(offset + written);
        for (const resolve of waiters) resolve();
        this.writeBatch();
      });
    };
    writeAll(0);
  }

  /** Waits for the write in flight, writes what is left synchronously, and closes the file. */
  async close(): Promise<void> {
    while (this.writing) await new Promise((resolve) => setImmediate(resolve));
    if (this.pending.length > 0) writeSync(this.fd, this.pending.join(''));
    for (const resolve of this.waiters) resolve();
    this.pending = [];
    this.waiters = [];
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
