import { type FileHandle, open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { CaptureCheckOptions } from '../../captures/capture-check.js';
import { lineTooLong } from '../../captures/capture-file.js';
import type { VerifyRendering } from './render.js';

/** What each verify thread needs, all of it cloneable (the clock is the thread's own). */
export interface VerifyWorkerSettings {
  check: Omit<CaptureCheckOptions, 'clock'>;
  rendering: VerifyRendering;
  color: boolean;
  label: string;
  file: string;
}

/** Whole lines of a capture file, numbered from firstLine. */
export interface VerifyBatch {
  seq: number;
  firstLine: number;
  bytes: Uint8Array;
}

export interface VerifyBatchResult {
  seq: number;
  out: string;
  annotations: string;
  passed: number;
  failed: number;
  /** Lines that are not captures, skipped. */
  unreadable: number;
  /** The message of the last of them. */
  lastProblem?: string;
}

export interface VerifyCounts {
  passed: number;
  failed: number;
  unreadable: number;
  lastProblem?: string;
}

export interface OrderedSink {
  out(text: string): Promise<void> | void;
  err(text: string): void;
  /** The counts so far, after each batch. */
  progress?(counts: VerifyCounts): void;
}

const WORKER = new URL('./verify-worker.js', import.meta.url);
const BATCH_BYTES = 256 * 1024;

/**
 * Verifies a capture file (JSONL) on several threads: this thread reads it in batches of whole lines,
 * the workers check them, and the results are written in the file's order. At most four batches per
 * worker are in flight, so memory stays flat for any file size.
 */
export async function verifyInParallel(
  path: string,
  settings: VerifyWorkerSettings,
  threads: number,
  sink: OrderedSink,
  maxLineBytes: number,
): Promise<VerifyCounts> {
  const pool = new BatchPool(threads, settings, sink);
  const file = await open(path, 'r');
  try {
    await forEachBatch(file, maxLineBytes, settings.label, (bytes, end, firstLine) => pool.post(bytes, end, firstLine));
    await pool.drain(0);
    return pool.counts;
  } finally {
    await file.close();
    await pool.terminate();
  }
}

/** The workers, the batches handed to them, and their results written in the order the batches were sent. */
class BatchPool {
  readonly counts: VerifyCounts = { passed: 0, failed: 0, unreadable: 0 };
  private readonly workers: Worker[];
  private readonly results = new Map<number, VerifyBatchResult>();
  private crashed: Error | undefined;
  private wake: (() => void) | undefined;
  private sent = 0;
  private written = 0;

  constructor(
    private readonly threads: number,
    settings: VerifyWorkerSettings,
    private readonly sink: OrderedSink,
  ) {
    this.workers = Array.from(
      { length: threads },
      () => new Worker(WORKER, { workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: 8 } }),
    );
    for (const worker of this.workers) {
      worker.on('message', (result: VerifyBatchResult) => {
        this.results.set(result.seq, result);
        this.wake?.();
      });
      worker.on('error', (error) => {
        this.crashed = error;
        this.wake?.();
      });
    }
  }

  /** Sends bytes[0, end) — whole lines — as one batch; the worker then owns the buffer. Returns the lines sent. */
  async post(bytes: Buffer, end: number, firstLine: number): Promise<number> {
    await this.drain(this.threads * 4);
    const batch = bytes.subarray(0, end);
    const lines = countNewlines(batch) + 1;
    this.workers[this.sent % this.threads]!.postMessage({ seq: this.sent, firstLine, bytes: batch } satisfies VerifyBatch, [
      bytes.buffer as ArrayBuffer,
    ]);
    this.sent++;
    return lines;
  }

  /** Writes finished batches in order until at most `limit` are still out. */
  async drain(limit: number): Promise<void> {
    while (this.sent - this.written > limit) {
      if (this.crashed !== undefined) throw this.crashed;
      const result = this.results.get(this.written);
      if (result === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.results.delete(this.written);
      this.written++;
      this.counts.passed += result.passed;
      this.counts.failed += result.failed;
      this.counts.unreadable += result.unreadable;
      this.counts.lastProblem = result.lastProblem ?? this.counts.lastProblem;
      if (result.out !== '') await this.sink.out(result.out);
      if (result.annotations !== '') this.sink.err(result.annotations);
      this.sink.progress?.(this.counts);
    }
  }

  terminate(): Promise<unknown> {
    return Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Reads the file in batches of whole lines. Each batch is read into a fresh buffer that is handed
 * over, not copied: this thread keeps no garbage that would wait for a collection, so its memory stays flat.
 */
async function forEachBatch(
  file: FileHandle,
  maxLineBytes: number,
  label: string,
  post: (bytes: Buffer, end: number, firstLine: number) => Promise<number>,
): Promise<void> {
  let carry = Buffer.alloc(0);
  let line = 1;
  for (;;) {
    // A line longer than a batch doubles the next read, so collecting it copies each byte a few times, not once per batch.
    const size = Math.max(BATCH_BYTES, carry.length);
    const buffer = Buffer.allocUnsafeSlow(carry.length + size);
    carry.copy(buffer);
    const { bytesRead } = await file.read(buffer, carry.length, size, null);
    const filled = carry.length + bytesRead;
    if (bytesRead === 0) {
      if (filled > 0) await post(buffer, filled, line);
      return;
    }
    const lastNewline = buffer.lastIndexOf(0x0a, filled - 1);
    if (lastNewline === -1) {
      carry = buffer.subarray(0, filled);
      if (carry.length > maxLineBytes) throw lineTooLong(label, line, maxLineBytes);
      continue;
    }
    carry = Buffer.from(buffer.subarray(lastNewline + 1, filled));
    line += await post(buffer, lastNewline, line);
  }
}

function countNewlines(data: Uint8Array): number {
  let count = 0;
  for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) count++;
  return count;
}
