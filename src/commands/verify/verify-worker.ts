import { parentPort, workerData } from 'node:worker_threads';
import { checkCapture, type CaptureCheckOptions } from '../../captures/capture-check.js';
import { type CaptureProblem, capturesIn } from '../../captures/capture-file.js';
import { createStyle } from '../../output/style.js';
import { renderUnreadable, renderVerifyReport } from './render.js';
import type { VerifyBatch, VerifyBatchResult, VerifyWorkerSettings } from './parallel.js';
import { unixSeconds } from '../../signing/signature.js';

// One thread of `verify` on a large capture file: checks the whole lines of each batch it is given
// and hands back their output, so the main thread only reads, orders and writes.
const settings = workerData as VerifyWorkerSettings;
const style = createStyle(settings.color);
const options: CaptureCheckOptions = { ...settings.check, clock: unixSeconds };

parentPort!.on('message', ({ seq, firstLine, bytes }: VerifyBatch) => {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result: VerifyBatchResult = { seq, out: '', annotations: '', passed: 0, failed: 0, unreadable: 0 };
  const onProblem = ({ line, message }: CaptureProblem) => {
    const { out, err } = renderUnreadable(`${settings.label}:${line}`, { line }, message, settings.rendering);
    result.out += out;
    result.annotations += err;
    result.unreadable++;
    result.lastProblem = message;
  };
  for (const { line, capture } of capturesIn(data, firstLine, settings.label, onProblem)) {
    const check = checkCapture(capture, options);
    if (check.passed) result.passed++;
    else result.failed++;
    const { out, annotation } = renderVerifyReport(
      { location: `${settings.label}:${line}`, file: settings.file, line, check },
      style,
      settings.rendering,
    );
    result.out += out;
    result.annotations += annotation;
  }
  parentPort!.postMessage(result);
});
