import { type CaptureCheck, type CaptureCheckOptions, checkCapture } from '../captures/capture-check.js';
import {
  type Capture,
  type CaptureProblem,
  captureBody,
  captureFrom,
  captureLine,
  locationOf,
  readCaptures,
} from '../captures/capture-file.js';
import { type FilterFacts, filterMatches, searchTextOf } from '../captures/filter.js';
import { parsePastedHeaders } from '../captures/pasted-headers.js';
import { UsageError } from '../errors.js';
import { readInput } from '../input.js';
import { calledToolNames, eventOf } from '../platform/schemas/index.js';
import { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signing/signature.js';

/** One request `verify` checked, and where it came from. */
export interface VerifyReport {
  /** file:line, file#entry, or "request" for one given by hand. */
  location: string;
  file?: string;
  line?: number;
  check: CaptureCheck;
}

/** A line of a capture file that is not a capture (torn by a crash, cut by a full disk), and where. */
export interface UnreadableCapture extends CaptureProblem {
  location: string;
}

/**
 * Checks every request of a capture file (listen --save), a HAR file, or `-` (stdin) as the receiver
 * should: signature (saying why one fails), age, schema and the recorded reply. Streams: flat memory
 * for any size. A line that is not a capture is reported and skipped; the rest are still checked.
 */
export async function verifyCaptureFile(
  file: string,
  check: CaptureCheckOptions,
  onReport: (report: VerifyReport) => Promise<void> | void,
  onUnreadable: (problem: UnreadableCapture) => void = () => {},
  options: { maxLineBytes?: number; stdin?: NodeJS.ReadableStream; filter?: string } = {},
): Promise<{ passed: number; failed: number; unreadable: number; lastProblem?: string }> {
  const label = file === '-' ? 'stdin' : file;
  const counts: { passed: number; failed: number; unreadable: number; lastProblem?: string } = { passed: 0, failed: 0, unreadable: 0 };
  const onProblem = (problem: CaptureProblem) => {
    counts.unreadable++;
    counts.lastProblem = problem.message;
    onUnreadable({ ...problem, location: locationOf(label, problem) });
  };
  for await (const sourced of readCaptures(file, options.stdin ?? process.stdin, onProblem, options.maxLineBytes)) {
    const report: VerifyReport = {
      location: locationOf(label, sourced),
      ...(file !== '-' ? { file } : {}),
      ...(sourced.line !== undefined ? { line: sourced.line } : {}),
      check: checkCapture(sourced.capture, check),
    };
    if (options.filter !== undefined && !filterMatches(options.filter, verifiedFacts(sourced.capture, report.check))) continue;
    if (report.check.passed) counts.passed++;
    else counts.failed++;
    await onReport(report);
  }
  return counts;
}

/** What the filter grammar reads of a checked request: `verdict:` is verify's own. */
function verifiedFacts(capture: Capture, check: CaptureCheck): FilterFacts {
  let document: unknown;
  const body = captureBody(capture).toString('utf8');
  try {
    document = JSON.parse(body);
  } catch {
    document = undefined;
  }
  return {
    event: check.event,
    callId: check.callId,
    passed: check.passed,
    status: capture.reply?.status,
    path: capture.path,
    tools: calledToolNames(document),
    text: searchTextOf(capture.headers, body),
  };
}

/** One request given by hand: the body, and its headers pasted from a log (`Name: value` lines) or given one by one. */
export interface GivenRequest {
  /** A file, or `-` for stdin; without it, the body that followed the headers in `headers`. */
  body?: string;
  /** A file (or `-`) of `Name: value` lines, as copied from a log. */
  headers?: string;
  signature?: string;
  timestamp?: string;
  event?: string;
}

/** A request given by hand, as the capture verify checks; without an event header, the event its body states. */
export async function capturedFromParts(given: GivenRequest, stdin: NodeJS.ReadableStream = process.stdin): Promise<Capture> {
  const pasted =
    given.headers !== undefined ? parsePastedHeaders((await readInput(given.headers, stdin)).toString('utf8'), given.headers) : undefined;
  const headers: Record<string, string> = { ...pasted?.headers };
  const body = given.body !== undefined ? await readInput(given.body, stdin) : pasted?.body;
  if (body === undefined)
    throw new UsageError('a request given by hand needs its body: --body FILE (or - for stdin), or after the headers in --headers');
  if (given.signature !== undefined) headers[SIGNATURE_HEADER] = given.signature;
  if (given.timestamp !== undefined) headers[TIMESTAMP_HEADER] = given.timestamp;
  if (given.event !== undefined) headers[EVENT_HEADER] = given.event;
  if (headers[EVENT_HEADER] === undefined) {
    // Only the signature and timestamp are copied by hand, usually: take the event the body states.
    let stated: string | undefined;
    try {
      stated = eventOf(JSON.parse(body.toString('utf8')));
    } catch {
      stated = undefined;
    }
    if (stated !== undefined) headers[EVENT_HEADER] = stated;
  }
  // Through the one writer and the one reader of the capture line, so that it is what listen would have saved.
  return captureFrom(JSON.parse(captureLine(undefined, 'POST', '/', headers, body)))!;
}
