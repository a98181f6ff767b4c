import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { printable } from '../../output/printable.js';
import { Reporter } from '../../output/reporter.js';
import { MARK, ms } from '../../output/style.js';
import { TestReport } from '../../output/test-report.js';
import { assistantOf, routeOf, routeSourceText, toolProblems, toolsOf, unknownWebhookEvents } from '../../platform/assistant-tools.js';
import { payloadToSend } from '../../platform/fixtures.js';
import { asObject } from '../../platform/schemas/common.js';
import { replyDeadlineMs } from '../../platform/schemas/index.js';
import { exampleOf } from '../../platform/tool-arguments.js';
import { postOnce } from '../../sending/http.js';
import { parseTarget } from '../../sending/target.js';
import { callTool } from '../../sending/tool-fuzz.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { platformHeaders } from '../../signing/signature.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';
import type { ToolsCheckOptions } from './command.js';

/** `tools check`: each tool's definition linted, then one valid call to its route, its reply checked. */
export async function runToolsCheck(options: ToolsCheckOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if ((options.assistant === undefined) === (options.fromReply === undefined))
    throw new UsageError('give the assistant once: --assistant FILE or --from-reply URL');
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const { style } = reporter;
  const dialect = options.dialect ?? 'hms';
  const secret = resolveSecrets(options, io.env)[0];
  const routes = parseRoutes(options.route);
  const fromReply = options.fromReply === undefined ? undefined : parseTarget(options.fromReply, '--from-reply');
  const receiver = options.to !== undefined || fromReply === undefined ? parseTarget(options.to) : fromReply;
  const assistant =
    options.assistant !== undefined
      ? await readAssistantFile(options.assistant, io.stdin)
      : await assistantFromReply(fromReply!, dialect, secret, io.clock);
  for (const unknown of unknownWebhookEvents(assistant, dialect))
    reporter.note(`warning: webhook_events names ${JSON.stringify(unknown)}, which is not an event the platform sends`);
  const tools = toolsOf(assistant);
  if (tools.length === 0)
    throw new InputError('the assistant has no webhook tools in llm_config.tools (built-in transfer and end-call tools are not called)');
  const testReport = new TestReport('hms-webhook tools check', options.junit, io.env, io.clock.now);
  let failed = 0;
  for (const [index, tool] of tools.entries()) {
    const problems = toolProblems(tool);
    const route = routeOf(tool, routes, receiver.href);
    const args = asObject(exampleOf(asObject(tool.parameters))) ?? {};
    const call = await callTool(tool, route, args, index + 1, { dialect, secret, clock: io.clock });
    const warnings = (call.verdict?.checks ?? []).filter((check) => check.severity === 'warning').map((check) => check.message);
    const ok = problems.length === 0 && call.reason === undefined;
    if (!ok) failed++;
    const suite = `tools check ${tool.name}`;
    testReport.add(suite, () => ({
      name: `definition ${tool.name}`,
      ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
      seconds: 0,
    }));
    testReport.add(suite, () => ({
      name: `call ${tool.name} at ${route.url}`,
      ...(call.reason !== undefined ? { failure: call.reason } : {}),
      seconds: (call.reply?.latencyMs ?? 0) / 1000,
    }));
    reporter.result(
      () => ({
        type: 'tool',
        tool: tool.name,
        place: tool.place,
        async: tool.async,
        route: { url: route.url, source: route.source, secret: route.secret !== undefined ? 'tool' : 'assistant' },
        arguments: args,
        problems,
        status: call.reply?.status ?? null,
        latency_ms: call.reply !== undefined ? Math.round(call.reply.latencyMs * 10) / 10 : null,
        ...(call.reason !== undefined ? { failure: call.reason } : {}),
        warnings,
        ok,
      }),
      () => {
        const reply = call.reply !== undefined ? `${call.reply.status}  ${ms(call.reply.latencyMs)}` : 'no reply';
        return [
          `${ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${style.bold(printable(tool.name))}${tool.async ? ' (async)' : ''}  → ${printable(route.url)} (${routeSourceText(route.source)})  ${reply}`,
          ...problems.map((problem) => `      ${style.red(MARK.fail)} definition: ${printable(problem)}`),
          ...(call.reason !== undefined ? [`      ${style.red(MARK.fail)} reply: ${printable(call.reason)}`] : []),
          ...warnings.map((warning) => `      ${style.yellow(MARK.warn)} ${printable(warning)}`),
        ];
      },
    );
  }
  testReport.write();
  reporter.summary(tools.length - failed, failed);
  if (failed > 0) throw new CheckFailed();
}

/** `--from-reply URL`: the assistant the receiver answers a signed assistant-request with. */
async function assistantFromReply(
  url: URL,
  dialect: 'hms' | 'flireo',
  secret: string | undefined,
  clock: CommandContext['io']['clock'],
): Promise<Record<string, unknown>> {
  const { document } = payloadToSend('assistant-request', dialect, new Date(clock.now()));
  const body = Buffer.from(JSON.stringify(document));
  const timestamp = unixSecondsOf(clock);
  const headers = platformHeaders({ body, secret, timestamp, event: 'assistant-request' });
  const reply = await postOnce({ url, headers, body }, replyDeadlineMs('assistant-request')!, clock);
  if (reply.status < 200 || reply.status >= 300)
    throw new InputError(`--from-reply ${url.href}: the assistant-request got ${reply.status}, not a 2xx with an assistant`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new InputError(`--from-reply ${url.href}: the reply to assistant-request is not JSON`);
  }
  const assistant = assistantOf(parsed);
  if (assistant === undefined)
    throw new InputError(
      `--from-reply ${url.href}: the reply configures no assistant of its own (the saved one is used): give it with --assistant FILE`,
    );
  return assistant;
}
