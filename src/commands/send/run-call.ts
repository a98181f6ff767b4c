import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { CallScript, loadScenario } from '../../platform/scenario.js';
import { playCall } from '../../sending/call.js';
import { parseTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import type { CallOptions } from './command.js';
import { callStepJson, callStepLines, stepFailure } from './render.js';

/** `send call`: plays a whole call, one event after another, each built from the receiver's replies so far. */
export async function runSendCall(name: string | undefined, options: CallOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (name !== undefined && options.scenario !== undefined)
    throw new UsageError(`give the scenario once: send call ${name} or --scenario FILE`);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const { label, scenario } = await loadScenario({ name, file: options.scenario });
  const secret = resolveSecrets(options, io.env)[0];
  if (secret === undefined) reporter.note('no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned');
  const dialect = options.dialect ?? 'hms';
  const script = new CallScript(scenario, {
    dialect,
    web: options.web,
    fail: options.fail,
    set: options.set,
    now: unixSecondsOf(io.clock),
  });
  const { style } = reporter;
  const testReport = new TestReport('hms-webhook send call', options.junit, io.env, io.clock.now);
  const suite = `send call ${label} → ${url.href}`;
  if (!reporter.json) {
    reporter.line(
      `${style.bold('call')} ${script.callId} · ${label} · ${dialect}${options.web ? ' · web' : ''}${options.fail ? ' · fails' : ''} → ${url.href}`,
    );
  }
  const result = await playCall(script, {
    url,
    secret,
    timeoutMs: options.timeout * 1000,
    paceMs: options.pace,
    clock: io.clock,
    onStep: (report) => {
      testReport.add(suite, () => ({
        name: `${String(report.index).padStart(2, '0')} ${report.step.event} ${report.step.label} call ${script.callId}`,
        ...(report.ok ? {} : { failure: stepFailure(report) }),
        seconds: (report.reply?.latencyMs ?? 0) / 1000,
      }));
      reporter.result(
        () => callStepJson(report, script.callId),
        () => callStepLines(report, style),
      );
    },
  });
  testReport.write();
  reporter.summary(result.passed, result.failed, {
    fields: { call_id: script.callId },
    suffix: result.failed > 0 ? ' (the call stopped at the failed step)' : '',
  });
  if (result.failed > 0) throw new CheckFailed();
}
