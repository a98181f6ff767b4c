import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkCapture, type CaptureCheckOptions } from '../../captures/capture-check.js';
import { type Capture, type CaptureProblem, captureLine, isHarFile, locationOf, readCaptures } from '../../captures/capture-file.js';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { readInput } from '../../input.js';
import { parsePastedHeaders } from '../../captures/pasted-headers.js';
import { Reporter } from '../../output/reporter.js';
import type { VerifyOptions } from './command.js';
import { renderUnreadable, renderVerifyReport, verifyFailures, type VerifyRendering, type VerifyReport } from './render.js';
import { TestReport } from '../../output/test-report.js';
import { verifyInParallel, type VerifyWorkerSettings } from './parallel.js';
import { eventOf } from '../../platform/schemas/index.js';
import { labelledSecrets } from '../../signing/secrets.js';
import { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../signing/signature.js';

/** Below this size a file is checked on this thread: starting workers costs more than it saves. */
const PARALLEL_FROM_BYTES = 8 * 1024 * 1024;
const MAX_THREADS = 4;

export async function runVerify(files: string[], options: VerifyOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const byHand =
    options.body !== undefined ||
    options.headers !== undefined ||
    options.signature !== undefined ||
    options.timestamp !== undefined ||
    options.event !== undefined;
  if (byHand && files.length > 0) throw new UsageError('give capture files, or one request with --body and its headers, not both');
  if (!byHand && files.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('verify needs capture files (listen --save, HAR), - for stdin, or one request with --body');
    files = ['-'];
  }
  if (files.filter((f) => f === '-').length + (options.body === '-' ? 1 : 0) > 1) throw new UsageError('stdin (-) can be read only once');
  if (options.tolerance < 0) throw new UsageError(`--tolerance ${options.tolerance}: give the accepted age in seconds, 0 or more`);
  if (options.now !== undefined && options.ignoreTime)
    throw new UsageError('--now sets the time to judge timestamps against; --ignore-time skips that check: give one');

  const secrets = labelledSecrets(options, io.env);
  if (!secrets.some((s) => s.accepted) && !options.unsigned) {
    throw new UsageError(
      'verify needs the webhook secret: --secret, HMS_WEBHOOK_SECRET or --secret-file (or --unsigned to check only schemas, for an assistant without webhook_secret)',
    );
  }
  const checkOptions: CaptureCheckOptions = {
    secrets: options.unsigned ? [] : secrets,
    toleranceSeconds: options.tolerance,
    now: options.now !== undefined ? parseNow(options.now) : undefined,
    ignoreTime: options.ignoreTime,
    clock: () => unixSecondsOf(io.clock),
  };

  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  // Annotations go to stderr, which the Actions runner reads too, so stdout stays clean JSONL.
  const rendering: VerifyRendering = {
    json: options.json === true,
    quiet: options.quiet === true,
    annotate: io.env.GITHUB_ACTIONS === 'true',
    terminal: io.stdout.isTTY === true,
    verbose: options.verbose === true,
  };
  let passed = 0;
  let failed = 0;
  // Lines that are not captures (a line torn by a full disk): skipped and said, the rest still checked.
  let unreadable = 0;
  let lastProblem: string | undefined;
  // --junit and the GitHub job summary: one suite per input, one case per request.
  const testReport = new TestReport('hms-webhook verify', options.junit, io.env, io.clock.now);
  const report = async (report: VerifyReport) => {
    if (report.check.passed) passed++;
    else failed++;
    const { check } = report;
    testReport.add(report.file ?? (report.location === 'request' ? 'request' : 'stdin'), () => ({
      name: `${report.location} ${check.event ?? '?'}${check.callId !== undefined ? ` call ${check.callId}` : ''}`,
      ...(check.passed ? {} : { failure: verifyFailures(check).join('; ') }),
      seconds: 0,
    }));
    const { out, annotation } = renderVerifyReport(report, reporter.style, rendering);
    if (out !== '') await reporter.write(out);
    if (annotation !== '') io.stderr.write(annotation);
  };

  if (byHand) {
    const capture = await handGivenRequest(options, io.stdin);
    await report({
      location: 'request',
      ...(options.body !== '-' ? { file: options.body } : {}),
      check: checkCapture(capture, checkOptions),
    });
  } else {
    for (const file of files) {
      const label = file === '-' ? 'stdin' : file;
      const threads = Math.min(availableParallelism(), MAX_THREADS);
      // The workers render their results as text: a report of each request is made on this thread.
      if (threads > 1 && !testReport.wanted && file !== '-' && sizeOf(file) >= PARALLEL_FROM_BYTES && !isHarFile(file)) {
        const settings: VerifyWorkerSettings = {
          check: {
            secrets: checkOptions.secrets,
            toleranceSeconds: checkOptions.toleranceSeconds,
            now: checkOptions.now,
            ignoreTime: checkOptions.ignoreTime,
          },
          rendering,
          color: reporter.color,
          label,
          file,
        };
        const counts = await verifyInParallel(
          file,
          settings,
          threads,
          {
            out: (text) => reporter.write(text),
            err: (text) => io.stderr.write(text),
          },
          options.maxLine,
        );
        passed += counts.passed;
        failed += counts.failed;
        unreadable += counts.unreadable;
        lastProblem = counts.lastProblem ?? lastProblem;
        continue;
      }
      const onProblem = ({ line, entry, message }: CaptureProblem) => {
        const { out, err } = renderUnreadable(locationOf(label, { line, entry }), { line, entry }, message, rendering);
        if (out !== '') reporter.write(out);
        io.stderr.write(err);
        testReport.add(label, () => ({ name: `${locationOf(label, { line, entry })} unreadable`, failure: message, seconds: 0 }));
        unreadable++;
        lastProblem = message;
      };
      for await (const sourced of readCaptures(file, io.stdin, onProblem, options.maxLine)) {
        await report({
          location: locationOf(label, sourced),
          ...(file !== '-' ? { file } : {}),
          ...(sourced.line !== undefined ? { line: sourced.line } : {}),
          check: checkCapture(sourced.capture, checkOptions),
        });
      }
    }
  }

  const total = passed + failed;
  testReport.write();
  const skipped = unreadable > 0 ? `, ${unreadable} unreadable line${unreadable > 1 ? 's' : ''} skipped` : '';
  if (options.json || total > 0) reporter.summary(passed, failed, { fields: unreadable > 0 ? { unreadable } : {}, suffix: skipped });
  if (total === 0 && lastProblem !== undefined) throw new InputError(lastProblem);
  if (total === 0 && !options.allowEmpty) {
    throw new InputError(
      `no requests found in ${files.map((f) => (f === '-' ? 'stdin' : f)).join(', ')}: an empty capture fails, since nothing was checked (--allow-empty accepts it)`,
    );
  }
  if (failed > 0 || unreadable > 0) throw new CheckFailed();
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    // readCaptures names the problem with the file.
    return 0;
  }
}

/** file:line for a capture file, file#entry for a HAR file. */
/** --now as unix seconds or an ISO 8601 date. */
function parseNow(text: string): number {
  if (/^\d{1,11}$/.test(text)) return Number(text);
  if (/^\d{12,}$/.test(text)) throw new UsageError(`--now ${text} looks like milliseconds: give unix seconds or an ISO 8601 date`);
  const parsed = Date.parse(text);
  if (!Number.isFinite(parsed))
    throw new UsageError(`--now ${text}: give unix seconds (1763900000) or an ISO 8601 date (2026-11-23T19:48:41Z)`);
  return Math.floor(parsed / 1000);
}

/** One request from --body and --headers FILE (`Name: value` lines, as copied from a log) and the header flags. */
async function handGivenRequest(options: VerifyOptions, stdin: NodeJS.ReadableStream): Promise<Capture> {
  const pasted =
    options.headers !== undefined
      ? parsePastedHeaders((await readInput(options.headers, stdin)).toString('utf8'), options.headers)
      : undefined;
  const headers: Record<string, string> = { ...pasted?.headers };
  // The body: --body, else the one that followed the headers in the --headers file.
  const body = options.body !== undefined ? await readInput(options.body, stdin) : pasted?.body;
  if (body === undefined)
    throw new UsageError('a request given by hand needs its body: --body FILE (or - for stdin), or after the headers in --headers');
  if (options.signature !== undefined) headers[SIGNATURE_HEADER] = options.signature;
  if (options.timestamp !== undefined) headers[TIMESTAMP_HEADER] = options.timestamp;
  if (options.event !== undefined) headers[EVENT_HEADER] = options.event;
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
  return JSON.parse(captureLine(undefined, 'POST', '/', headers, body)) as Capture;
}
