import { checkCapture } from '../captures/capture-check.js';
import { type Capture, captureBody, locationOf, readCaptures, type SourcedCapture } from '../captures/capture-file.js';
import { type CaptureFacts, type CaptureSelection, factsOf, isSelected, recordedVerdict } from '../captures/selection.js';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../defaults.js';
import { InputError } from '../errors.js';
import type { ReplyVerdict } from '../platform/reply-check.js';
import { compareReplies, type ReplyComparison } from '../platform/reply-compare.js';
import type { PathSegment } from '../platform/schemas/common.js';
import { NetworkFailure, type OutgoingRequest, type ReceivedReply } from '../sending/http.js';
import { type ReplaySigning, replayRequest, sendReplayed, UnsendableCapture } from '../sending/replay.js';
import type { KnownSecret } from '../signing/diagnosis.js';
import { headerValue, TIMESTAMP_HEADER } from '../signing/signature.js';

/** One replayed request and what came of it. */
export interface ReplayReport {
  /** file:line or file#entry, as verify prints it. */
  location: string;
  event: string | undefined;
  callId: string | undefined;
  request: OutgoingRequest;
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
  comparison?: ReplyComparison;
  /** Why no reply came (a timeout, a closed connection). */
  failure?: string;
  ok: boolean;
}

export interface ReplayCapturesOptions {
  /** A capture file (listen --save), a HAR file, or `-` for stdin. */
  source: string;
  url: URL;
  signing: ReplaySigning;
  /** The secrets the captures were signed with: `failed` asks verify's checks of a capture without a recorded verdict. */
  secrets?: readonly KnownSecret[];
  selection: CaptureSelection;
  /** Only the last n of the selected requests. */
  last?: number;
  set?: readonly string[];
  unset?: readonly string[];
  /** Requests in flight at once; the requests of one call id stay in file order. */
  concurrency?: number;
  /** Wait between requests. */
  paceMs?: number;
  timeoutMs: number;
  expectStatus?: string;
  /** Compare each reply with the one recorded in the capture. */
  compare?: boolean;
  ignore?: readonly (readonly PathSegment[])[];
  clock?: Clock;
  stdin?: NodeJS.ReadableStream;
  /** A line of the source that is not a capture: skipped and said. */
  onNote?(text: string): void;
}

interface Selected {
  sourced: SourcedCapture;
  facts: CaptureFacts;
  location: string;
}

/**
 * Sends the selected captures again (re-signed, as captured or unsigned, edited when asked), each
 * reply checked as the platform would use it and, with `compare`, matched against the recorded one.
 */
export async function replayCaptures(
  options: ReplayCapturesOptions,
  onReport: (report: ReplayReport) => void = () => {},
): Promise<{ passed: number; failed: number }> {
  const clock = options.clock ?? systemClock;
  const label = options.source === '-' ? 'stdin' : options.source;
  const counts = { passed: 0, failed: 0 };
  /** Ages of the captures sent with their own signature while still inside the platform's window. */
  const stillFresh: number[] = [];
  const replayOne = async (item: Selected) => {
    if (options.signing.kind === 'as-captured') {
      const age = capturedAge(item.sourced.capture, unixSecondsOf(clock));
      if (age !== undefined && Math.abs(age) <= DEFAULT_TOLERANCE_SECONDS) stillFresh.push(age);
    }
    let report: ReplayReport;
    try {
      report = await replayOneCapture(item, options, clock);
    } catch (error) {
      // One capture that cannot be sent again costs the others nothing: said, counted as failed, skipped.
      if (!(error instanceof UnsendableCapture)) throw error;
      counts.failed++;
      options.onNote?.(`skipped ${item.location}: ${error.message}`);
      return;
    }
    if (report.ok) counts.passed++;
    else counts.failed++;
    onReport(report);
  };
  const failedCapture = (sourced: SourcedCapture) => captureFailed(sourced, options.secrets ?? [], () => unixSecondsOf(clock));
  const requests = selectedCaptures(options, label, failedCapture);
  const sent = await inCallOrder(requests, Math.max(1, options.concurrency ?? 1), options.paceMs ?? 0, replayOne);
  if (sent === 0) throw new InputError(`no requests to replay in ${label}${selectionText(options.selection)}`);
  if (stillFresh.length > 0) options.onNote?.(freshNote(stillFresh, sent));
  return counts;
}

/** How old a capture's own X-Webhook-Timestamp is now, in seconds (negative: ahead); undefined without one. */
function capturedAge(capture: Capture, now: number): number | undefined {
  const header = headerValue(capture.headers, TIMESTAMP_HEADER);
  return header !== undefined && /^\d+$/.test(header) ? now - Number(header) : undefined;
}

/**
 * Sent as captured inside the window, a capture is a fresh delivery to the receiver: its age check is
 * not what refused or accepted it. Said once, so that a passing `--expect-status 401` is not read as one.
 */
function freshNote(ages: readonly number[], sent: number): string {
  const youngest = Math.min(...ages.map((age) => Math.abs(age)));
  const which =
    ages.length === 1 && sent === 1 ? 'the capture' : ages.length === sent ? `all ${sent} captures` : `${ages.length} of ${sent} captures`;
  return `${which} sent as captured ${ages.length === 1 ? 'was' : 'were'} still inside the ${DEFAULT_TOLERANCE_SECONDS} s window (the newest ${youngest} s old): the receiver saw fresh deliveries, so this did not test its age check; replay them once they are older than ${DEFAULT_TOLERANCE_SECONDS} s`;
}

async function replayOneCapture(
  { sourced, facts, location }: Selected,
  options: ReplayCapturesOptions,
  clock: Clock,
): Promise<ReplayReport> {
  let replayed: ReturnType<typeof replayRequest>;
  try {
    replayed = replayRequest(sourced.capture, options.url, options.signing, unixSecondsOf(clock), {
      set: options.set ?? [],
      unset: options.unset ?? [],
    });
  } catch (error) {
    if (error instanceof InputError && !(error instanceof UnsendableCapture)) throw new InputError(`${location}: ${error.message}`);
    throw error;
  }
  const { request, document } = replayed;
  const base = { location, event: facts.event, callId: facts.callId, request };
  try {
    const { reply, verdict, judgedAs } = await sendReplayed(replayed, facts.event, {
      timeoutMs: options.timeoutMs,
      clock,
      expectStatus: options.expectStatus,
    });
    const comparison = options.compare ? compareWithRecorded(sourced, facts, document, reply, judgedAs, options.ignore ?? []) : undefined;
    return { ...base, reply, verdict, comparison, ok: verdict.ok && (comparison?.differences.length ?? 0) === 0 };
  } catch (error) {
    // No reply in time, or a connection closed before one, fails this request; any other failure to send stops the replay.
    if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
    return { ...base, failure: error.message, ok: false };
  }
}

/**
 * Runs each item, `concurrency` at a time and `paceMs` apart, the items of one call id one after
 * another in the order given; the first error stops the run and is thrown. Returns how many ran.
 */
async function inCallOrder(
  items: AsyncIterable<Selected>,
  concurrency: number,
  paceMs: number,
  run: (item: Selected) => Promise<void>,
): Promise<number> {
  let fatal: unknown;
  const inFlight = new Set<Promise<void>>();
  // The last request of each call id in flight: the next one of that call waits for it, so a call keeps its order.
  const callTails = new Map<string, Promise<void>>();
  let sent = 0;
  for await (const item of items) {
    while (inFlight.size >= concurrency && fatal === undefined) await Promise.race(inFlight);
    if (fatal !== undefined) break;
    if (sent++ > 0 && paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    const callId = item.facts.callId;
    const previous = callId === undefined ? undefined : callTails.get(callId);
    const task: Promise<void> = (previous ?? Promise.resolve())
      .then(() => run(item))
      .catch((error: unknown) => {
        fatal ??= error;
      })
      .finally(() => {
        inFlight.delete(task);
        if (callId !== undefined && callTails.get(callId) === task) callTails.delete(callId);
      });
    inFlight.add(task);
    if (callId !== undefined) callTails.set(callId, task);
  }
  await Promise.all(inFlight);
  if (fatal !== undefined) throw fatal;
  return sent;
}

/**
 * The selected captures, streamed from the file (flat memory for any size); with `last`, only the
 * last n are kept while reading. A line that is not a capture is said and skipped.
 */
async function* selectedCaptures(
  options: ReplayCapturesOptions,
  label: string,
  failedCapture: (sourced: SourcedCapture) => boolean,
): AsyncGenerator<Selected> {
  const kept: Selected[] = [];
  const onProblem = (problem: { message: string }) => options.onNote?.(`skipped: ${problem.message}`);
  for await (const sourced of readCaptures(options.source, options.stdin ?? process.stdin, onProblem)) {
    if (typeof sourced.capture.method === 'string' && sourced.capture.method.toUpperCase() !== 'POST') continue;
    const facts = factsOf(sourced.capture, captureBody(sourced.capture));
    if (!isSelected(options.selection, sourced, facts, () => failedCapture(sourced))) continue;
    const item = { sourced, facts, location: locationOf(label, sourced) };
    if (options.last === undefined) yield item;
    else {
      kept.push(item);
      if (kept.length > options.last) kept.shift();
    }
  }
  yield* kept;
}

/** The verdict listen recorded; for a capture without one (a HAR file), verify's checks with the secrets given. */
function captureFailed(sourced: SourcedCapture, secrets: readonly KnownSecret[], clock: () => number): boolean {
  const recorded = recordedVerdict(sourced.capture);
  if (recorded !== undefined) return !recorded;
  return !checkCapture(sourced.capture, { secrets: [...secrets], toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, clock }).passed;
}

function compareWithRecorded(
  sourced: SourcedCapture,
  facts: CaptureFacts,
  document: unknown,
  reply: { status: number; body: Buffer },
  event: Parameters<typeof compareReplies>[0]['event'],
  ignore: Parameters<typeof compareReplies>[0]['ignore'],
) {
  const recorded = sourced.capture.reply;
  if (recorded === undefined) return { differences: [], notCompared: 'no reply was recorded' };
  return compareReplies({
    event,
    recorded: { status: recorded.status, body: recorded.body, truncated: recorded.truncated === true },
    replayed: reply,
    recordedRequest: facts.document,
    replayedRequest: document,
    ignore,
  });
}

function selectionText(selection: CaptureSelection): string {
  const parts = [
    ...selection.lines.map((range) => `--line ${range.from === range.to ? range.from : `${range.from}-${range.to}`}`),
    ...(selection.filter !== undefined ? [`--filter ${JSON.stringify(selection.filter)}`] : []),
  ];
  return parts.length > 0 ? ` with ${parts.join(' ')}` : '';
}
