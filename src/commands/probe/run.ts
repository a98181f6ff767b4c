import { CheckFailed, UsageError } from '../../errors.js';
import { payloadToSend } from '../../platform/fixtures.js';
import { colorEnabled, createStyle, probeJson, probeLines } from '../../output/format.js';
import { NetworkFailure } from '../../sending/http.js';
import { probeCases, runProbe } from '../../sending/probe.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { parseTarget } from '../../sending/target.js';

export interface ProbeOptions {
  to?: string;
  secret?: string[];
  secretFile?: string;
  event: string;
  timeout: number;
  json?: boolean;
  color?: boolean;
}

export async function runProbeCommand(options: ProbeOptions): Promise<void> {
  const url = parseTarget(options.to);
  const secret = resolveSecrets(options)[0];
  if (secret === undefined)
    throw new UsageError('probe needs the webhook secret your receiver checks: --secret, HMS_WEBHOOK_SECRET or --secret-file');
  const { entry, document } = payloadToSend(options.event);
  const { event } = entry;
  const body = Buffer.from(JSON.stringify(document));
  let results;
  try {
    results = await runProbe(probeCases(url, body, event, secret), options.timeout * 1000);
  } catch (error) {
    if (error instanceof NetworkFailure) throw new UsageError(error.message);
    throw error;
  }
  const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length;
  const summary = { passed: count('pass'), failed: count('fail'), warnings: count('warn') };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (options.json) {
    for (const result of results) out(JSON.stringify(probeJson(result)));
    out(JSON.stringify({ type: 'summary', url: url.href, ...summary }));
  } else {
    const style = createStyle(colorEnabled(process.stdout, process.env, options.color));
    out(`${style.bold('probe')} ${url.href}  (${event})`);
    for (const line of probeLines(results, style)) out(line);
    const text = `${summary.passed} passed, ${summary.failed} failed${summary.warnings > 0 ? `, ${summary.warnings} warning${summary.warnings > 1 ? 's' : ''}` : ''}`;
    out(summary.failed > 0 ? style.red(text) : style.green(text));
  }
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
