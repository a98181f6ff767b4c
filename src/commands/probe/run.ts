import type { CommandContext } from '../../cli/command-context.js';
import { shownUrl } from '../../output/printable.js';
import { refuseRenamed } from '../../cli/options.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { probeReceiver } from '../../engine/probe-receiver.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { receiverTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import type { ProbeOptions } from './command.js';
import { probeCase, probeJson, probeLines } from './render.js';

/** `probe`: the flags into the engine's probe, its table or records, a JUnit case per row. */
export async function runProbeCommand(options: ProbeOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  refuseRenamed(options, { event: (value) => `--fixture ${value}` });
  const url = receiverTarget(options.to, io.env);
  const secret = resolveSecrets(options, io.env, (text) => context.io.stderr.write(`hms-webhook: ${text}\n`))[0];
  if (secret === undefined)
    throw new UsageError('probe needs the webhook secret your receiver checks: --secret, HMS_WEBHOOK_SECRET or --secret-file');
  const outcome = await probeReceiver({
    url,
    secret,
    fixture: options.fixture,
    ...(options.data !== undefined ? { data: options.data } : {}),
    timeoutMs: options.timeout * 1000,
    clock: io.clock,
    stdin: io.stdin,
  });
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const { style } = reporter;
  if (reporter.json) for (const result of outcome.results) reporter.record(probeJson(result));
  else {
    reporter.line(`${style.bold('probe')} ${shownUrl(url)}  (${outcome.event})`);
    reporter.lines(probeLines(outcome.results, style));
  }
  const extra = [
    ...(outcome.warnings > 0 ? [`${outcome.warnings} warning${outcome.warnings > 1 ? 's' : ''}`] : []),
    ...(outcome.inconclusive > 0 ? [`${outcome.inconclusive} inconclusive`] : []),
  ];
  reporter.summary(outcome.passed, outcome.failed, {
    fields: { url: shownUrl(url), warnings: outcome.warnings, inconclusive: outcome.inconclusive },
    suffix: extra.map((text) => `, ${text}`).join(''),
  });
  const testReport = new TestReport('hms-webhook probe', options.junit, io.env, io.clock.now);
  for (const result of outcome.results) testReport.add(`probe ${shownUrl(url)}`, () => probeCase(result));
  testReport.write();
  if (outcome.failed > 0) throw new CheckFailed(`your receiver ${outcome.problems.join(' and ')}`);
}
