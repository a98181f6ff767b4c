import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { CaptureCheckOptions } from '../../captures/capture-check.js';
import { checkCapture } from '../../captures/capture-check.js';
import { isHarFile } from '../../captures/capture-file.js';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { capturedFromParts, type VerifyReport, verifyCaptureFile } from '../../engine/verify-captures.js';
import { CheckFailed, InputError, ReaderGone, UsageError } from '../../errors.js';
import { ProgressLine } from '../../output/progress-line.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { labelledSecrets } from '../../signing/secrets.js';
import type { VerifyOptions } from './command.js';
import { verifyInParallel } from './parallel.js';
import { renderUnreadable, renderVerifyReport, verifyFailures, type VerifyRendering } from './render.js';

/** Below this size a file is checked on this thread: starting workers costs more than it saves. */
const PARALLEL_FROM_BYTES = 8 * 1024 * 1024;
const MAX_THREADS = 4;

interface Tally {
  passed: number;
  failed: number;
  unreadable: number;
  lastProblem?: string;
}

/** `verify`: capture files (or one request given by hand) through the engine's checks, a line or record per request. */
export async function runVerify(files: string[], options: VerifyOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const byHand = [options.body, options.headers, options.signature, options.timestamp, options.event].some((given) => given !== undefined);
  if (byHand && files.length > 0) throw new UsageError('give capture files, or one request with --body and its headers, not both');
  if (!byHand && files.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('verify needs capture files (listen --save, HAR), - for stdin, or one request with --body');
    files = ['-'];
  }
  if (files.filter((f) => f === '-').length + (options.body === '-' ? 1 : 0) > 1) throw new UsageError('stdin (-) can be read only once');
  const check = checkOptionsOf(options, io);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  // Annotations go to stderr, which the Actions runner reads too, so stdout stays clean JSONL.
  const rendering: VerifyRendering = {
    json: options.json === true,
    quiet: options.quiet === true,
    annotate: io.env.GITHUB_ACTIONS === 'true',
    terminal: io.stdout.isTTY === true,
    verbose: options.verbose === true,
  };
  // --junit and the GitHub job summary: one suite per input, one case per request.
  const testReport = new TestReport('hms-webhook verify', options.junit, io.env, io.clock.now);
  const { show, progress, showProgress } = reportShower(io, options, reporter, rendering, testReport);
  const tally: Tally = { passed: 0, failed: 0, unreadable: 0 };
  if (byHand) {
    const report = {
      location: 'request',
      ...(options.body !== '-' ? { file: options.body } : {}),
      check: checkCapture(await capturedFromParts(options, io.stdin), check),
    };
    tally[report.check.passed ? 'passed' : 'failed']++;
    await show(report);
  } else {
    for (const file of files)
      await verifyFile(file, { check, options, rendering, reporter, testReport, show, progress, showProgress, tally, io });
  }
  progress.clear();
  testReport.write();
  finish(tally, files, options, reporter);
}

/**
 * How each checked request is shown: its line or record, its JUnit case, and under -q on a terminal a
 * count that moves, so that a large file is seen being read.
 */
function reportShower(
  io: CommandContext['io'],
  options: VerifyOptions,
  reporter: Reporter,
  rendering: VerifyRendering,
  testReport: TestReport,
) {
  let failedSoFar = false;
  const progress = new ProgressLine(
    io.stderr,
    io.clock.elapsed,
    options.quiet === true && options.json !== true && io.stderr.isTTY === true && !io.env.CI,
  );
  const checked = { passed: 0, failed: 0 };
  const showProgress = (counts: { passed: number; failed: number }) =>
    progress.update(() => `verifying: ${counts.passed + counts.failed} requests checked, ${counts.failed} failed`);
  const show = async (report: VerifyReport) => {
    if (io.stdout.closed === true) throw new ReaderGone(failedSoFar);
    failedSoFar ||= !report.check.passed;
    checked[report.check.passed ? 'passed' : 'failed']++;
    testReport.add(report.file ?? (report.location === 'request' ? 'request' : 'stdin'), () => ({
      name: `${report.location} ${report.check.event ?? '?'}${report.check.callId !== undefined ? ` call ${report.check.callId}` : ''}`,
      ...(report.check.passed ? {} : { failure: verifyFailures(report.check).join('; ') }),
      seconds: 0,
    }));
    const { out, annotation } = renderVerifyReport(report, reporter.style, rendering);
    if (out !== '' || annotation !== '') progress.clear();
    if (out !== '') await reporter.write(out);
    if (annotation !== '') io.stderr.write(annotation);
    showProgress(checked);
  };
  return { show, progress, showProgress };
}

/** The secrets and the clock every check uses: `--unsigned` checks schemas only; `--now` judges ages at another time. */
function checkOptionsOf(options: VerifyOptions, io: CommandContext['io']): CaptureCheckOptions {
  if (options.tolerance < 0) throw new UsageError(`--tolerance ${options.tolerance}: give the accepted age in seconds, 0 or more`);
  if (options.now !== undefined && options.ignoreTime)
    throw new UsageError('--now sets the time to judge timestamps against; --ignore-time skips that check: give one');
  const secrets = options.unsigned ? [] : labelledSecrets(options, io.env, (text) => io.stderr.write(`hms-webhook: ${text}\n`));
  if (!secrets.some((s) => s.accepted) && !options.unsigned) {
    throw new UsageError(
      'verify needs the webhook secret: --secret, HMS_WEBHOOK_SECRET or --secret-file (or --unsigned to check only schemas, for an assistant without webhook_secret)',
    );
  }
  return {
    secrets,
    toleranceSeconds: options.tolerance,
    now: options.now !== undefined ? parseNow(options.now) : undefined,
    ignoreTime: options.ignoreTime,
    clock: () => unixSecondsOf(io.clock),
  };
}

interface FileRun {
  check: CaptureCheckOptions;
  options: VerifyOptions;
  rendering: VerifyRendering;
  reporter: Reporter;
  testReport: TestReport;
  show(report: VerifyReport): Promise<void>;
  progress: ProgressLine;
  showProgress(counts: { passed: number; failed: number }): void;
  tally: Tally;
  io: CommandContext['io'];
}

/** One input: a large file on worker threads (they render text themselves), anything else through the engine here. */
async function verifyFile(file: string, run: FileRun): Promise<void> {
  const { reporter, tally, io } = run;
  const label = file === '-' ? 'stdin' : file;
  const threads = Math.min(availableParallelism(), MAX_THREADS);
  const parallel =
    threads > 1 &&
    !run.testReport.wanted &&
    run.options.filter === undefined &&
    file !== '-' &&
    sizeOf(file) >= PARALLEL_FROM_BYTES &&
    !isHarFile(file);
  const { clock: _onThisThread, ...check } = run.check;
  const counts = parallel
    ? await verifyInParallel(
        file,
        { check, rendering: run.rendering, color: reporter.color, label, file },
        threads,
        {
          out: (text) => {
            run.progress.clear();
            return reporter.write(text);
          },
          err: (text) => {
            run.progress.clear();
            io.stderr.write(text);
          },
          progress: run.showProgress,
        },
        run.options.maxLine,
      )
    : await verifyCaptureFile(
        file,
        run.check,
        run.show,
        (problem) => {
          const { out, err } = renderUnreadable(problem.location, problem, problem.message, run.rendering);
          if (out !== '') reporter.write(out);
          io.stderr.write(err);
          run.testReport.add(label, () => ({ name: `${problem.location} unreadable`, failure: problem.message, seconds: 0 }));
        },
        { maxLineBytes: run.options.maxLine, stdin: io.stdin, ...(run.options.filter !== undefined ? { filter: run.options.filter } : {}) },
      );
  tally.passed += counts.passed;
  tally.failed += counts.failed;
  tally.unreadable += counts.unreadable;
  tally.lastProblem = counts.lastProblem ?? tally.lastProblem;
}

/** The summary, and the exit: nothing checked is an error unless --allow-empty; any failure or unreadable line fails. */
function finish(tally: Tally, files: string[], options: VerifyOptions, reporter: Reporter): void {
  const total = tally.passed + tally.failed;
  const skipped = tally.unreadable > 0 ? `, ${tally.unreadable} unreadable line${tally.unreadable > 1 ? 's' : ''} skipped` : '';
  if (options.json || total > 0)
    reporter.summary(tally.passed, tally.failed, { fields: tally.unreadable > 0 ? { unreadable: tally.unreadable } : {}, suffix: skipped });
  if (total === 0 && tally.lastProblem !== undefined) throw new InputError(tally.lastProblem);
  if (total === 0 && !options.allowEmpty) {
    const where = files.map((f) => (f === '-' ? 'stdin' : f)).join(', ');
    throw new InputError(
      options.filter !== undefined
        ? `no requests in ${where} match --filter ${JSON.stringify(options.filter)}: nothing was checked (--allow-empty accepts it)`
        : `no requests found in ${where}: an empty capture fails, since nothing was checked (--allow-empty accepts it)`,
    );
  }
  if (tally.failed > 0 || tally.unreadable > 0) throw new CheckFailed();
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    // readCaptures names the problem with the file.
    return 0;
  }
}

/** --now as unix seconds or an ISO 8601 date. */
function parseNow(text: string): number {
  if (/^\d{1,11}$/.test(text)) return Number(text);
  if (/^\d{12,}$/.test(text)) throw new UsageError(`--now ${text} looks like milliseconds: give unix seconds or an ISO 8601 date`);
  const parsed = Date.parse(text);
  if (!Number.isFinite(parsed))
    throw new UsageError(`--now ${text}: give unix seconds (1763900000) or an ISO 8601 date (2026-11-23T19:48:41Z)`);
  return Math.floor(parsed / 1000);
}
