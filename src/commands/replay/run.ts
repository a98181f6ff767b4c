import type { CommandContext } from '../../cli/command-context.js';
import { refuseRenamed } from '../../cli/options.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { replayCaptures } from '../../engine/replay-captures.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { isStatusExpectation } from '../../platform/reply-check.js';
import { ignorePaths } from '../../platform/reply-compare.js';
import type { ReplaySigning } from '../../sending/replay.js';
import { receiverTarget } from '../../sending/target.js';
import { labelledSecrets } from '../../signing/secrets.js';
import type { ReplayOptions } from './command.js';
import { replayCase, replayJson, replayLines } from './render.js';

/** `replay`: the flags into the engine's replayCaptures, a line (or record) and a JUnit case per request. */
export async function runReplay(source: string, options: ReplayOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  refuseRenamed(options, {
    event: (value) => `--filter event:${value}`,
    call: (value) => `--filter call:${value}`,
    failed: () => '--filter verdict:failed',
  });
  if (options.asCaptured && options.unsigned) throw new UsageError('--as-captured and --unsigned cannot be combined: choose one');
  if (options.asCaptured && (options.set.length > 0 || options.unset.length > 0))
    throw new UsageError(
      '--set and --unset change the body, so the captured signature would no longer match it: drop --as-captured to re-sign',
    );
  if (options.expectStatus !== undefined && !isStatusExpectation(options.expectStatus))
    throw new UsageError(`--expect-status ${options.expectStatus}: give a status such as 401 or a class such as 4xx`);
  const ignore = ignorePaths(options.ignore);
  if (ignore.length > 0 && !options.compare) throw new UsageError('--ignore applies to --compare: add --compare');
  const url = receiverTarget(options.to, io.env);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const secrets = labelledSecrets(options, io.env, (text) => reporter.note(text));
  const signing = signingOf(options, secrets.find((s) => s.accepted)?.secret, reporter);
  const label = source === '-' ? 'stdin' : source;
  const testReport = new TestReport('hms-webhook replay', options.junit, io.env, io.clock.now);
  const replayed = await replayCaptures(
    {
      source,
      url,
      signing,
      secrets,
      selection: { lines: options.line, ...(options.filter !== undefined ? { filter: options.filter } : {}) },
      ...(options.last !== undefined ? { last: options.last } : {}),
      set: options.set,
      unset: options.unset,
      concurrency: options.concurrency,
      paceMs: options.pace,
      timeoutMs: options.timeout * 1000,
      expectStatus: options.expectStatus,
      compare: options.compare === true,
      ignore,
      clock: io.clock,
      stdin: io.stdin,
      onNote: (text) => reporter.note(text),
    },
    (report) => {
      testReport.add(label, () => replayCase(report));
      reporter.result(
        () => replayJson(report),
        () => replayLines(report, reporter.style),
      );
    },
  );
  testReport.write();
  reporter.summary(replayed.passed, replayed.failed);
  if (replayed.failed > 0) throw new CheckFailed();
}

/** Re-signed with the secret, sent as captured, or unsigned (said when no secret leaves no other way). */
function signingOf(options: ReplayOptions, secret: string | undefined, reporter: Reporter): ReplaySigning {
  if (options.asCaptured) return { kind: 'as-captured' };
  if (options.unsigned) return { kind: 'unsigned' };
  if (secret !== undefined) return { kind: 'resign', secret };
  reporter.note('no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned');
  return { kind: 'unsigned' };
}
