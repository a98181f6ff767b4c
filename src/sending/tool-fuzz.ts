import fc from 'fast-check';
import { type Clock, unixSecondsOf } from '../clock.js';
import type { AssistantTool, ToolRoute } from '../platform/assistant-tools.js';
import { type Dialect, keyIn } from '../platform/dialect.js';
import { payloadToSend } from '../platform/fixtures.js';
import { checkReceivedReply, type ReplyVerdict } from '../platform/reply-check.js';
import { asObject } from '../platform/schemas/common.js';
import { replyDeadlineMs, toolOutcomes } from '../platform/schemas/index.js';
import { argumentKinds, type ToolArguments } from '../platform/tool-arguments.js';
import { platformHeaders } from '../signing/signature.js';
import { NetworkFailure, postOnce, type ReceivedReply } from './http.js';

export interface FuzzOptions {
  /** Cases per tool, valid ones included. */
  runs: number;
  seed: number;
  dialect: Dialect;
  /** The assistant's secret; a tool with its own is signed with that. */
  secret: string | undefined;
  clock: Clock;
}

export interface FuzzFailure {
  kind: string;
  /** The smallest arguments that still fail, after shrinking. */
  arguments: ToolArguments;
  reason: string;
  /** The payload that reproduces it, as sent. */
  document: Record<string, unknown>;
  shrinks: number;
}

export interface FuzzResult {
  tool: string;
  route: ToolRoute;
  /** Cases sent per kind, in the order they were tried (shrinking not counted). */
  kinds: { name: string; runs: number }[];
  failure?: FuzzFailure;
}

/** The share of a tool's cases that are valid arguments; the rest is spread over the odd kinds. */
const VALID_SHARE = 0.3;
/** A reply may take the whole deadline; past it a second more, the call is a hang. */
const HANG_MARGIN_MS = 1000;

/**
 * Sends a tool call after call to a tool's route with generated arguments, kind by kind (valid first);
 * the first kind that gets a bad reply (a 5xx, a hang, no result or error for the id) is shrunk to the
 * smallest arguments that still get one.
 */
export async function fuzzTool(tool: AssistantTool, route: ToolRoute, options: FuzzOptions): Promise<FuzzResult> {
  const kinds = argumentKinds(tool.parameters);
  const validRuns = Math.max(1, Math.ceil(options.runs * VALID_SHARE));
  const perOdd = Math.max(1, Math.ceil((options.runs - validRuns) / Math.max(1, kinds.length - 1)));
  const tried: FuzzResult['kinds'] = [];
  let sent = 0;
  for (const [index, kind] of kinds.entries()) {
    const runs =
      kind.always === true
        ? Math.max(1, Math.min(perOdd, options.runs - sent))
        : Math.min(index === 0 ? validRuns : perOdd, options.runs - sent);
    if (runs <= 0) continue;
    let case_ = 0;
    const property = fc.asyncProperty(kind.arguments, async (args) => {
      case_++;
      return (await callTool(tool, route, args, case_, options)).reason === undefined;
    });
    const details = await fc.check(property, { numRuns: runs, seed: options.seed + index });
    tried.push({ name: kind.name, runs: Math.min(runs, details.numRuns) });
    sent += runs;
    if (details.failed && details.counterexample !== null) {
      const [smallest] = details.counterexample;
      // Sent once more: the reason and the payload of the shrunk case itself.
      const again = await callTool(tool, route, smallest, case_ + 1, options);
      return {
        tool: tool.name,
        route,
        kinds: tried,
        failure: {
          kind: kind.name,
          arguments: smallest,
          reason: again.reason ?? 'failed once, then passed when sent again (flaky)',
          document: again.document,
          shrinks: details.numShrinks,
        },
      };
    }
  }
  return { tool: tool.name, route, kinds: tried };
}

/** What one tool call got: why the caller would be failed (or no reason), the payload sent, and the reply. */
export interface ToolCallOutcome {
  reason: string | undefined;
  document: Record<string, unknown>;
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
}

/** One tool call with these arguments, to the tool's route, signed with its secret or the assistant's. */
export async function callTool(
  tool: AssistantTool,
  route: ToolRoute,
  args: ToolArguments,
  index: number,
  options: Pick<FuzzOptions, 'dialect' | 'secret' | 'clock'>,
): Promise<ToolCallOutcome> {
  const { dialect } = options;
  const id = `tool_${index}`;
  const { document } = payloadToSend('tool-calls/one-tool', dialect, new Date(options.clock.now()));
  const payload = document as Record<string, unknown>;
  const message = asObject(payload.message)!;
  message[keyIn(dialect, 'tool_call_list')] = [{ id, type: 'function', function: { name: tool.name, arguments: args } }];
  const body = Buffer.from(JSON.stringify(payload));
  const timestamp = unixSecondsOf(options.clock);
  const headers = platformHeaders({ body, secret: route.secret ?? options.secret, timestamp, event: 'tool-calls' });
  const deadline = replyDeadlineMs('tool-calls')!;
  try {
    const reply = await postOnce({ url: new URL(route.url), headers, body }, deadline + HANG_MARGIN_MS, options.clock);
    const verdict = checkReceivedReply({
      event: 'tool-calls',
      dialect,
      request: payload,
      reply,
      ...(tool.async ? { asyncTool: true } : {}),
    });
    const failed = verdict.checks.filter((check) => check.severity === 'failure').map((check) => `${check.name}: ${check.message}`);
    const reason =
      failed.length > 0
        ? failed.join('; ')
        : !tool.async && !toolOutcomes(verdict.parsed, dialect, [id]).has(id)
          ? `the reply has no result or error for ${id}: the assistant gets nothing`
          : undefined;
    return { reason, document: payload, reply, verdict };
  } catch (error) {
    if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
    return {
      reason: error.kind === 'timeout' ? `no reply within ${(deadline + HANG_MARGIN_MS) / 1000} s: the tool hangs` : error.message,
      document: payload,
    };
  }
}
