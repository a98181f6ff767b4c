import { checkCapture } from '../../captures/capture-check.js';
import { captureBody, locationOf, readCaptures, type SourcedCapture } from '../../captures/capture-file.js';
import { type CaptureFacts, type CaptureSelection, factsOf, isSelected, recordedVerdict } from '../../captures/selection.js';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../../defaults.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { stepFailure } from '../../platform/reply-check.js';
import { compareReplies, ignorePaths } from '../../platform/reply-compare.js';
import { isStatusExpectation } from '../../platform/reply-check.js';
import { asObject } from '../../platform/schemas/common.js';
import { NetworkFailure } from '../../sending/http.js';
import { type ReplaySigning, replayRequest, sendReplayed } from '../../sending/replay.js';
import { parseTarget } from '../../sending/target.js';
import { labelledSecrets } from '../../signing/secrets.js';
import type { ReplayOptions } from './command.js';
import { replayJson, replayLines, type ReplayReport } from './render.js';

interface Selected {
  sourced: SourcedCapture;
  facts: CaptureFacts;
  location: string;
}

/** `replay`: each selected capture sent again, its reply checked, and with --compare matched against the recorded one. */
export async function runReplay(source: string, options: ReplayOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (options.asCaptured && options.unsigned) throw new UsageError('--as-captured and --unsigned cannot be combined: choose one');
  const edited = options.set.length > 0 || options.unset.length > 0;
  if (options.asCaptured && edited)
    throw new UsageError(
      '--set and --unset change the body, so the captured signature would no longer match it: drop --as-captured to re-sign',
    );
  if (options.expectStatus !== undefined && !isStatusExpectation(options.expectStatus))
    throw new UsageError(`--expect-status ${options.expectStatus}: give a status such as 401 or a class such as 4xx`);
  const ignore = ignorePaths(options.ignore);
  if (ignore.length > 0 && !options.compare) throw new UsageError('--ignore applies to --compare: add --compare');
  const url = parseTarget(options.to);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const secrets = labelledSecrets(options, io.env);
  const secret = secrets.find((s) => s.accepted)?.secret;
  const signing: ReplaySigning = options.asCaptured
    ? { kind: 'as-captured' }
    : options.unsigned || secret === undefined
      ? { kind: 'unsigned' }
      : { kind: 'resign', secret };
  if (!options.asCaptured && !options.unsigned && secret === undefined)
    reporter.note('no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned');
  const label = source === '-' ? 'stdin' : source;
  const selection: CaptureSelection = { lines: options.line, event: options.event, callId: options.call, failed: options.failed };

  let passed = 0;
  let failed = 0;
  let fatal: unknown;
  const testReport = new TestReport('hms-webhook replay', options.junit, io.env, io.clock.now);
  const replayOne = async ({ sourced, facts, location }: Selected): Promise<void> => {
    let replayed: ReturnType<typeof replayRequest>;
    try {
      replayed = replayRequest(sourced.capture, url, signing, unixSecondsOf(io.clock), options);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${location}: ${error.message}`);
      throw error;
    }
    const { request, document } = replayed;
    const base = { location, event: facts.event, callId: facts.callId, request };
    let report: ReplayReport;
    try {
      const { reply, verdict, judgedAs } = await sendReplayed(replayed, facts.event, {
        timeoutMs: options.timeout * 1000,
        clock: io.clock,
        expectStatus: options.expectStatus,
      });
      const comparison = options.compare ? compareWithRecorded(sourced, facts, document, reply, judgedAs, ignore) : undefined;
      report = { ...base, reply, verdict, comparison, ok: verdict.ok && (comparison?.differences.length ?? 0) === 0 };
    } catch (error) {
      // No reply in time, or a connection closed before one, fails this request; any other failure to send stops the replay.
      if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
      report = { ...base, failure: error.message, ok: false };
    }
    if (report.ok) passed++;
    else failed++;
    testReport.add(label, () => ({
      name: `${location} ${facts.event ?? '?'}${facts.callId !== undefined ? ` call ${facts.callId}` : ''}`,
      ...(report.ok
        ? {}
        : {
            failure: [stepFailure(report), ...(report.comparison?.differences ?? []).map((d) => `compare: ${d}`)]
              .filter(Boolean)
              .join('; '),
          }),
      seconds: (report.reply?.latencyMs ?? 0) / 1000,
    }));
    reporter.result(
      () => replayJson(report),
      () => replayLines(report, reporter.style),
    );
  };

  const concurrency = Math.max(1, options.concurrency);
  const inFlight = new Set<Promise<void>>();
  // The last request of each call id in flight: the next one of that call waits for it, so a call keeps its order.
  const callTails = new Map<string, Promise<void>>();
  let sent = 0;
  const failedCapture = (sourced: SourcedCapture) => captureFailed(sourced, secrets, () => unixSecondsOf(io.clock));
  const requests = selectedCaptures(source, label, selection, options.last, io.stdin, (text) => reporter.note(text), failedCapture);
  for await (const item of requests) {
    while (inFlight.size >= concurrency && fatal === undefined) await Promise.race(inFlight);
    if (fatal !== undefined) break;
    if (sent++ > 0 && options.pace > 0) await new Promise((resolve) => setTimeout(resolve, options.pace));
    const previous = item.facts.callId === undefined ? undefined : callTails.get(item.facts.callId);
    const task: Promise<void> = (previous ?? Promise.resolve())
      .then(() => replayOne(item))
      .catch((error: unknown) => {
        fatal ??= error;
      })
      .finally(() => {
        inFlight.delete(task);
        if (item.facts.callId !== undefined && callTails.get(item.facts.callId) === task) callTails.delete(item.facts.callId);
      });
    inFlight.add(task);
    if (item.facts.callId !== undefined) callTails.set(item.facts.callId, task);
  }
  await Promise.all(inFlight);
  if (fatal !== undefined) throw fatal;
  if (sent === 0) throw new InputError(`no requests to replay in ${label}${selectionText(options)}`);
  testReport.write();
  reporter.summary(passed, failed);
  if (failed > 0) throw new CheckFailed();
}

/**
 * The selected captures, streamed from the file (flat memory for any size); with --last, only the last
 * n are kept while reading. A line that is not a capture is said on stderr and skipped.
 */
async function* selectedCaptures(
  source: string,
  label: string,
  selection: CaptureSelection,
  last: number | undefined,
  stdin: NodeJS.ReadableStream,
  note: (text: string) => void,
  failedCapture: (sourced: SourcedCapture) => boolean,
): AsyncGenerator<Selected> {
  const kept: Selected[] = [];
  const onProblem = (problem: { message: string }) => note(`skipped: ${problem.message}`);
  for await (const sourced of readCaptures(source, stdin, onProblem)) {
    if (typeof sourced.capture.method === 'string' && sourced.capture.method.toUpperCase() !== 'POST') continue;
    const facts = factsOf(sourced.capture, captureBody(sourced.capture));
    if (!isSelected(selection, sourced, facts, () => failedCapture(sourced))) continue;
    const item = { sourced, facts, location: locationOf(label, sourced) };
    if (last === undefined) yield item;
    else {
      kept.push(item);
      if (kept.length > last) kept.shift();
    }
  }
  yield* kept;
}

/** The verdict listen recorded; for a capture without one (a HAR file), verify's checks with the secrets given. */
function captureFailed(sourced: SourcedCapture, secrets: ReturnType<typeof labelledSecrets>, clock: () => number): boolean {
  const recorded = recordedVerdict(sourced.capture);
  if (recorded !== undefined) return !recorded;
  return !checkCapture(sourced.capture, { secrets, toleranceSeconds: DEFAULT_TOLERANCE_SECONDS, clock }).passed;
}

function compareWithRecorded(
  sourced: SourcedCapture,
  facts: CaptureFacts,
  document: unknown,
  reply: { status: number; body: Buffer },
  event: Parameters<typeof compareReplies>[0]['event'],
  ignore: Parameters<typeof compareReplies>[0]['ignore'],
) {
  const recorded = asObject(sourced.capture.reply);
  if (recorded === undefined || typeof recorded.status !== 'number') return { differences: [], notCompared: 'no reply was recorded' };
  return compareReplies({
    event,
    recorded: {
      status: recorded.status,
      body: typeof recorded.body === 'string' ? recorded.body : '',
      truncated: recorded.truncated === true,
    },
    replayed: reply,
    recordedRequest: facts.document,
    replayedRequest: document,
    ignore,
  });
}

function selectionText(options: ReplayOptions): string {
  const parts = [
    ...options.line.map((range) => `--line ${range.from === range.to ? range.from : `${range.from}-${range.to}`}`),
    ...(options.event !== undefined ? [`--event ${options.event}`] : []),
    ...(options.call !== undefined ? [`--call ${options.call}`] : []),
    ...(options.failed ? ['--failed'] : []),
  ];
  return parts.length > 0 ? ` with ${parts.join(' ')}` : '';
}
