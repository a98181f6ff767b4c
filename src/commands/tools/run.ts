import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, UsageError } from '../../errors.js';
import { assistantFromReply, checkTools } from '../../engine/check-tools.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { parseTarget, receiverTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';
import type { ToolsCheckOptions } from './command.js';
import { toolCheckCases, toolCheckJson, toolCheckLines } from './render.js';

/** `tools check`: the flags into the engine's checkTools, a block (or record) and two JUnit cases per tool. */
export async function runToolsCheck(options: ToolsCheckOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if ((options.assistant === undefined) === (options.fromReply === undefined))
    throw new UsageError('give the assistant once: --assistant FILE or --from-reply URL');
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const dialect = options.dialect ?? 'hms';
  const secret = resolveSecrets(options, io.env, (text) => reporter.note(text))[0];
  const routes = parseRoutes(options.route);
  const fromReply = options.fromReply === undefined ? undefined : parseTarget(options.fromReply, '--from-reply');
  const receiver = options.to !== undefined || fromReply === undefined ? receiverTarget(options.to, io.env) : fromReply;
  const assistant =
    options.assistant !== undefined
      ? await readAssistantFile(options.assistant, io.stdin)
      : await assistantFromReply(fromReply!, dialect, secret, io.clock);
  const testReport = new TestReport('hms-webhook tools check', options.junit, io.env, io.clock.now);
  const checked = await checkTools(
    {
      assistant,
      receiver,
      routes,
      allowRemoteTools: options.allowRemoteTools === true,
      dialect,
      secret,
      clock: io.clock,
      onNote: (text) => reporter.note(text),
    },
    (check) => {
      toolCheckCases(testReport, check);
      reporter.result(
        () => toolCheckJson(check),
        () => toolCheckLines(check, reporter.style),
      );
    },
  );
  testReport.write();
  reporter.summary(checked.passed, checked.failed, {
    ...(checked.skipped > 0 ? { fields: { skipped: checked.skipped }, suffix: `, ${checked.skipped} not called (off this machine)` } : {}),
  });
  if (checked.failed > 0) throw new CheckFailed();
}
