import { open } from 'node:fs/promises';
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
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: 8 } }),
  );
  const results = new Map<number, VerifyBatchResult>();
  let crashed: Error | undefined;
  let wake: (() => void) | undefined;
  for (const worker of workers) {
    worker.on('message', (result: VerifyBatchResult) => {
      results.set(result.seq, result);
      wake?.();
    });
    worker.on('error', (error) => {
      crashed = error;
      wake?.();
    });
  }
  let sent = 0;
  let written = 0;
  const counts: VerifyCounts = { passed: 0, failed: 0, unreadable: 0 };
  /** Writes finished batches in order until at most `limit` are still out. */
  const drain = async (limit: number) => {
    while (sent - written > limit) {
      if (crashed !== undefined) throw crashed;
      const result = results.get(written);
      if (result === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      results.delete(written);
      written++;
      counts.passed += result.passed;
      counts.failed += result.failed;
      counts.unreadable += result.unreadable;
      counts.lastProblem = result.lastProblem ?? counts.lastProblem;
      if (result.out !== '') await sink.out(result.out);
      if (result.annotations !== '') sink.err(result.annotations);
    }
  };
  /** Sends bytes[0, end) — whole lines — as one batch; the worker then owns the buffer. */
  const post = async (bytes: Buffer, end: number, firstLine: number) => {
    await drain(threads * 4);
    const batch = bytes.subarray(0, end);
    const lines = countNewlines(batch) + 1;
    workers[sent % threads]!.postMessage({ seq: sent, firstLine, bytes: batch } satisfies VerifyBatch, [bytes.buffer as ArrayBuffer]);
    sent++;
    return lines;
  };

  const file = await open(path, 'r');
  try {
    // Each batch is read into a fresh buffer that is handed over, not copied: this thread keeps no
    // garbage that would wait for a collection, so its memory stays flat.
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
        break;
      }
      const lastNewline = buffer.lastIndexOf(0x0a, filled - 1);
      if (lastNewline === -1) {
        carry = buffer.subarray(0, filled);
        if (carry.length > maxLineBytes) throw lineTooLong(settings.label, line, maxLineBytes);
        continue;
      }
      carry = Buffer.from(buffer.subarray(lastNewline + 1, filled));
      line += await post(buffer, lastNewline, line);
    }
    await drain(0);
    return counts;
  } finally {
    await file.close();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function countNewlines(data: Uint8Array): number {
  let count = 0;
  for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) count++;
  return count;
}
