import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { payloadToSend } from '../../platform/fixtures.js';
import { probeCases, runProbe } from '../../sending/probe.js';
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
  const { entry, document } = payloadToSend(options.event, 'hms', new Date(io.clock.now()));
  const { event } = entry;
  const body = Buffer.from(JSON.stringify(document));
  const results = await runProbe(probeCases(url, body, event, secret), options.timeout * 1000, io.clock);
  const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length;
  const summary = { passed: count('pass'), failed: count('fail'), warnings: count('warn') };
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const { style } = reporter;
  if (reporter.json) for (const result of results) reporter.record(probeJson(result));
  else {
    reporter.line(`${style.bold('probe')} ${url.href}  (${event})`);
    reporter.lines(probeLines(results, style));
  }
  const warnings = summary.warnings > 0 ? `, ${summary.warnings} warning${summary.warnings > 1 ? 's' : ''}` : '';
  reporter.summary(summary.passed, summary.failed, { fields: { url: url.href, warnings: summary.warnings }, suffix: warnings });
  if (summary.failed > 0) {
    const accepted = results.filter((r) => r.verdict === 'fail' && r.probe.expect === 'refuse').length;
    const problems = [
      ...(results.some((r) => r.verdict === 'fail' && r.probe.expect === 'accept')
        ? ['refused the valid request (is the secret the same?)']
        : []),
      ...(accepted > 0 ? [`accepted ${accepted} forged request${accepted > 1 ? 's' : ''}`] : []),
    ];
    throw new CheckFailed(`your receiver ${problems.join(' and ')}`);
  }
}
