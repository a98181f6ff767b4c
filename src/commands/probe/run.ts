import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { readJsonInput } from '../../input.js';
import { nestsDeeperThan, TOO_DEEP } from '../../platform/json-depth.js';
import { eventOf } from '../../platform/schemas/index.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { payloadToSend } from '../../platform/fixtures.js';
import { type ProbeResult, type ProbeVerdict, probeCases, runProbe } from '../../sending/probe.js';
import { parseTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import type { ProbeOptions } from './command.js';
import { probeJson, probeLines } from './render.js';

export async function runProbeCommand(options: ProbeOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const url = parseTarget(options.to);
  const secret = resolveSecrets(options, io.env)[0];
  if (secret === undefined)
    throw new UsageError('probe needs the webhook secret your receiver checks: --secret, HMS_WEBHOOK_SECRET or --secret-file');
  const { body, document, event } = await payload(options, io);
  const results = await runProbe(probeCases(url, body, document, event, secret), options.timeout * 1000, io.clock);
  const count = (verdict: ProbeVerdict) => results.filter((r) => r.verdict === verdict).length;
  const summary = { passed: count('pass'), failed: count('fail'), warnings: count('warn'), inconclusive: count('inconclusive') };
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const { style } = reporter;
  if (reporter.json) for (const result of results) reporter.record(probeJson(result));
  else {
    reporter.line(`${style.bold('probe')} ${url.href}  (${event})`);
    reporter.lines(probeLines(results, style));
  }
  const extra = [
    ...(summary.warnings > 0 ? [`${summary.warnings} warning${summary.warnings > 1 ? 's' : ''}`] : []),
    ...(summary.inconclusive > 0 ? [`${summary.inconclusive} inconclusive`] : []),
  ];
  reporter.summary(summary.passed, summary.failed, {
    fields: { url: url.href, warnings: summary.warnings, inconclusive: summary.inconclusive },
    suffix: extra.map((text) => `, ${text}`).join(''),
  });
  const testReport = new TestReport('hms-webhook probe', options.junit, io.env, io.clock.now);
  for (const result of results) {
    testReport.add(`probe ${url.href}`, () => ({
      name: `${result.probe.name} (expected ${result.probe.expect === 'accept' ? '2xx' : 'non-2xx'}, got ${result.status ?? 'no reply'})`,
      ...(result.verdict === 'fail' ? { failure: [result.note ?? result.failure, result.probe.why].filter(Boolean).join(' — ') } : {}),
      ...(result.verdict === 'inconclusive' ? { skipped: result.note ?? 'inconclusive' } : {}),
      seconds: 0,
    }));
  }
  testReport.write();
  if (summary.failed > 0) throw new CheckFailed(`your receiver ${problems(results).join(' and ')}`);
}

/** What went wrong, in the order a developer fixes it. */
function problems(results: readonly ProbeResult[]): string[] {
  const valid = results.find((r) => r.probe.kind === 'valid');
  if (valid?.verdict === 'fail') return [`refused the valid request (${valid.note})`];
  const failed = (kind: ProbeResult['probe']['kind']) => results.filter((r) => r.verdict === 'fail' && r.probe.kind === kind).length;
  const forged = failed('forgery') + failed('lenient-timestamp');
  const malformed = results.filter((r) => r.verdict === 'fail' && r.probe.kind === 'malformed-signature');
  return [
    ...(failed('reserialised') > 0 ? ['verifies a re-serialised copy of the body, not the raw bytes'] : []),
    ...(malformed.some((r) => (r.status ?? 0) >= 500) ? ['crashed on a malformed signature'] : []),
    ...(malformed.some((r) => (r.status ?? 0) < 500) ? ['accepted a malformed signature'] : []),
    ...(forged > 0 ? [`accepted ${forged} forged request${forged > 1 ? 's' : ''}`] : []),
    ...(failed('duplicate') > 0 ? ['refused a duplicate delivery'] : []),
  ];
}

/** The payload to probe with: a fixture stamped now, or the user's own file as its exact bytes. */
async function payload(options: ProbeOptions, io: CommandContext['io']): Promise<{ body: Buffer; document: unknown; event: string }> {
  if (options.data === undefined) {
    const { entry, document } = payloadToSend(options.event, 'hms', new Date(io.clock.now()));
    return { body: Buffer.from(JSON.stringify(document)), document, event: entry.event };
  }
  const { bytes: body, document } = await readJsonInput('--data', options.data, io.stdin);
  if (nestsDeeperThan(document)) throw new InputError(`--data ${options.data} is ${TOO_DEEP}`);
  const event = eventOf(document);
  if (event === undefined) throw new InputError(`--data ${options.data} has no message.type: the event header cannot be set`);
  return { body, document, event };
}
