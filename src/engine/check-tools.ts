import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { shownUrl } from '../output/printable.js';
import { InputError } from '../errors.js';
import {
  type AssistantTool,
  assistantOf,
  routeOf,
  sendableByRoute,
  type ToolRoute,
  toolProblems,
  toolsOf,
  unknownWebhookEvents,
} from '../platform/assistant-tools.js';
import type { Dialect } from '../platform/dialect.js';
import { payloadToSend } from '../platform/fixtures.js';
import { asObject } from '../platform/schemas/common.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';
import { exampleOf } from '../platform/tool-arguments.js';
import { postOnce } from '../sending/http.js';
import { callTool, type ToolCallOutcome } from '../sending/tool-fuzz.js';
import { platformHeaders } from '../signing/signature.js';

export interface CheckToolsOptions {
  /** The assistant whose tools are checked (as saved on the platform). */
  assistant: Record<string, unknown>;
  /** Where a tool without a URL of its own is called. */
  receiver: URL;
  routes?: ReadonlyMap<string, string>;
  /** Call a tool at its own URL off this machine (--allow-remote-tools); else it is listed, not called. */
  allowRemoteTools?: boolean;
  dialect?: Dialect;
  secret: string | undefined;
  clock?: Clock;
  /** A warning about the assistant (a webhook_events entry the platform never sends). */
  onNote?(text: string): void;
}

/** One tool: its definition's problems, and one valid call to its route with the reply's verdict. */
export interface ToolCheck {
  tool: AssistantTool;
  route: ToolRoute;
  arguments: Record<string, unknown>;
  problems: string[];
  /** The call and its verdict; undefined when the tool was not called (`skipped` says why). */
  call: ToolCallOutcome | undefined;
  skipped?: string;
  warnings: string[];
  ok: boolean;
}

/** Each of the assistant's webhook tools: its definition linted, then called once with valid arguments at its route. */
export async function checkTools(
  options: CheckToolsOptions,
  onCheck: (check: ToolCheck) => void = () => {},
): Promise<{ checks: ToolCheck[]; passed: number; failed: number; skipped: number }> {
  const dialect = options.dialect ?? 'hms';
  const clock = options.clock ?? systemClock;
  for (const unknown of unknownWebhookEvents(options.assistant, dialect))
    options.onNote?.(`warning: webhook_events names ${JSON.stringify(unknown)}, which is not an event the platform sends`);
  const tools = toolsOf(options.assistant);
  if (tools.length === 0)
    throw new InputError('the assistant has no webhook tools in llm_config.tools (built-in transfer and end-call tools are not called)');
  const checks: ToolCheck[] = [];
  for (const [index, tool] of tools.entries()) {
    const problems = toolProblems(tool);
    const route = routeOf(tool, options.routes ?? new Map(), options.receiver.href, options.allowRemoteTools);
    const args = asObject(exampleOf(asObject(tool.parameters))) ?? {};
    let check: ToolCheck;
    if (route.refused !== undefined) {
      check = { tool, route, arguments: args, problems, call: undefined, skipped: route.refused, warnings: [], ok: problems.length === 0 };
    } else {
      sendableByRoute([route], (sent) => ({ route: sent, tools: [tool.name] }), options.onNote);
      const call = await callTool(tool, route, args, index + 1, { dialect, secret: options.secret, clock });
      const warnings = (call.verdict?.checks ?? []).filter((c) => c.severity === 'warning').map((c) => c.message);
      check = { tool, route, arguments: args, problems, call, warnings, ok: problems.length === 0 && call.reason === undefined };
    }
    checks.push(check);
    onCheck(check);
  }
  const failed = checks.filter((check) => !check.ok).length;
  const skipped = checks.filter((check) => check.ok && check.skipped !== undefined).length;
  return { checks, passed: checks.length - failed - skipped, failed, skipped };
}

/** The assistant the receiver answers a signed assistant-request with (`tools check --from-reply`). */
export async function assistantFromReply(
  url: URL,
  dialect: Dialect,
  secret: string | undefined,
  clock: Clock = systemClock,
): Promise<Record<string, unknown>> {
  const { document } = payloadToSend('assistant-request', dialect, new Date(clock.now()));
  const body = Buffer.from(JSON.stringify(document));
  const headers = platformHeaders({ body, secret, timestamp: unixSecondsOf(clock), event: 'assistant-request' });
  const reply = await postOnce({ url, headers, body }, replyDeadlineMs('assistant-request')!, clock);
  if (reply.status < 200 || reply.status >= 300)
    throw new InputError(`--from-reply ${shownUrl(url)}: the assistant-request got ${reply.status}, not a 2xx with an assistant`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new InputError(`--from-reply ${shownUrl(url)}: the reply to assistant-request is not JSON`);
  }
  const assistant = assistantOf(parsed);
  if (assistant === undefined)
    throw new InputError(
      `--from-reply ${shownUrl(url)}: the reply configures no assistant of its own (the saved one is used): give it with --assistant FILE`,
    );
  return assistant;
}
