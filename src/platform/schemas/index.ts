import * as z from 'zod/mini';
import { detectDialect, type Dialect } from '../dialect.js';
import * as assistantRequest from './assistant-request.js';
import * as endOfCallReport from './end-of-call-report.js';
import * as statusUpdate from './status-update.js';
import * as toolCalls from './tool-calls.js';
import { asObject, described, envelopeLint, findingsOf, type Finding } from './common.js';
import { EVENTS, isEvent, type EventType } from '../events.js';
import { nestsDeeperThan, TOO_DEEP } from '../json-depth.js';
import { safeParseQuickly } from './quick-check.js';

export { formatPath, type Finding, type PathSegment, shownFindings } from './common.js';
import type { PathSegment as Segment } from './common.js';
export { replyForm, toolCallIds, toolOutcomes, type ReplyForm, type ToolOutcome } from './tool-calls.js';

const definitions = {
  'assistant-request': assistantRequest,
  'tool-calls': toolCalls,
  'status-update': statusUpdate,
  'end-of-call-report': endOfCallReport,
} as const satisfies Record<EventType, unknown>;

export interface Validation {
  /** undefined when the document does not say which event it is and none was given. */
  event: EventType | undefined;
  dialect: Dialect;
  errors: Finding[];
  warnings: Finding[];
}

export interface PayloadOptions {
  event?: EventType;
  dialect?: Dialect;
}

const payloadSchemas = new Map<string, z.ZodMiniType>();

/** The zod schema of an event's payload in a dialect (built once, on first use). */
export function payloadSchema(event: EventType, dialect: Dialect): z.ZodMiniType {
  const key = `${event}/${dialect}`;
  let schema = payloadSchemas.get(key);
  if (schema === undefined) {
    schema = described(definitions[event].payload(dialect), { title: `${event} payload (${dialect})` });
    payloadSchemas.set(key, schema);
  }
  return schema;
}

export function replySchema(event: EventType, dialect: Dialect): z.ZodMiniType {
  return definitions[event].reply(dialect);
}

/** JSON Schema (draft 2020-12) of a payload or a reply. */
export function jsonSchema(event: EventType, dialect: Dialect, kind: 'payload' | 'reply'): Record<string, unknown> {
  const schema = kind === 'payload' ? payloadSchema(event, dialect) : replySchema(event, dialect);
  return z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
}

/** How long the platform waits for a reply to this event, if it uses the reply at all. */
export function replyDeadlineMs(event: EventType): number | undefined {
  return definitions[event].deadlineMs;
}

/** The event a payload says it is, from message.type. */
export function eventOf(document: unknown): string | undefined {
  const type = asObject(asObject(document)?.message)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The names of the tools a payload calls, in either dialect's list; empty for other events. */
export function calledToolNames(document: unknown): string[] {
  const message = asObject(asObject(document)?.message);
  const list = message?.tool_call_list ?? message?.toolCallList;
  if (!Array.isArray(list)) return [];
  return list.map((call) => asObject(asObject(call)?.function)?.name).filter((name): name is string => typeof name === 'string');
}

/** The call a payload belongs to, from message.call.id. */
export function callIdOf(document: unknown): string | undefined {
  const id = asObject(asObject(asObject(document)?.message)?.call)?.id;
  return typeof id === 'string' ? id : undefined;
}

export function validatePayload(document: unknown, options: PayloadOptions = {}): Validation {
  if (nestsDeeperThan(document))
    return { event: options.event, dialect: options.dialect ?? 'hms', errors: [{ path: [], message: TOO_DEEP }], warnings: [] };
  const dialect = options.dialect ?? detectDialect(document);
  const stated = eventOf(document);
  const event = options.event ?? (isEvent(stated) ? stated : undefined);
  if (event === undefined) {
    const message =
      asObject(document) === undefined
        ? `expected a JSON object {"message": {...}}, got ${describe(document)}`
        : stated === undefined
          ? 'message.type is missing: cannot tell which event this is (pass --event)'
          : `unknown event ${JSON.stringify(stated)}; the platform sends ${EVENTS.join(', ')}`;
    const path = asObject(document) === undefined ? [] : ['message', 'type'];
    return { event, dialect, errors: [{ path, message }], warnings: [] };
  }
  // A number JSON can write and a double cannot hold (1e400) is read as Infinity: still the SDK's number.
  const infinite = infinitePaths(document);
  const judged = infinite.length === 0 ? document : withFiniteNumbers(document);
  const parsed = safeParseQuickly(payloadSchema(event, dialect), judged);
  const errors = parsed.success ? [] : findingsOf(parsed.error);
  const message = asObject(asObject(document)?.message);
  const warnings: Finding[] = infinite.map((path) => ({
    path,
    message: 'a number beyond what a double holds: JSON.parse reads it as Infinity (the platform sends none this large)',
  }));
  if (message !== undefined) {
    const definition = definitions[event];
    const envelope = envelopeLint(message, dialect, definition.statuses);
    const own = definition.lintPayload(message, dialect);
    errors.push(...envelope.errors, ...own.errors);
    warnings.push(...envelope.warnings, ...own.warnings);
  }
  return { event, dialect, errors, warnings };
}

/** Where a parsed document holds ±Infinity (a JSON number too large for a double). */
function infinitePaths(document: unknown): Segment[][] {
  const found: Segment[][] = [];
  const stack: [unknown, Segment[]][] = [[document, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'number' && !Number.isFinite(node) && !Number.isNaN(node)) found.push(path);
    else if (node !== null && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) stack.push([value, [...path, Array.isArray(node) ? Number(key) : key]]);
  }
  return found;
}

/** A copy with each ±Infinity as the largest double of its sign, for the schema to judge as the number it is. */
function withFiniteNumbers(document: unknown): unknown {
  return JSON.parse(
    JSON.stringify(document, (_key, value: unknown) =>
      value === Infinity ? Number.MAX_VALUE : value === -Infinity ? -Number.MAX_VALUE : value,
    ),
  );
}

export interface ReplyOptions {
  /** The dialect of the request the reply answers: the platform reads a reply in that dialect, never in the reply's own. */
  dialect?: Dialect;
  /** The request this reply answers: its tool call ids are then checked, and its dialect is the reply's. */
  request?: unknown;
}

/**
 * Judges a reply as the platform reads it: in the dialect of the request it answers (given, or the
 * request's), hms when neither is known — as `send` does. A reply whose keys are the other dialect's is
 * judged in this one all the same, with a warning that names the dialect to give.
 */
export function validateReply(event: EventType, reply: unknown, options: ReplyOptions = {}): Validation {
  const dialect = options.dialect ?? (options.request !== undefined ? detectDialect(options.request) : 'hms');
  if (nestsDeeperThan(reply)) return { event, dialect, errors: [{ path: [], message: TOO_DEEP }], warnings: [] };
  const ids = event === 'tool-calls' && options.request !== undefined ? toolCalls.toolCallIds(options.request, dialect) : undefined;
  const lint = event === 'tool-calls' ? toolCalls.checkReply(reply, dialect, ids) : definitions[event].checkReply(reply, dialect);
  const guessed = options.dialect === undefined && options.request === undefined && detectDialect(reply) !== dialect;
  const warnings = guessed
    ? [
        {
          path: [],
          message: `judged as ${dialect}, the default: its keys are ${detectDialect(reply)}'s, and the platform reads a reply in the dialect of the request it answers — give the dialect (--dialect ${detectDialect(reply)}) if that is ${detectDialect(reply) === 'flireo' ? 'Flireo' : 'HMS Sovereign or VoiceDock'}`,
        },
        ...lint.warnings,
      ]
    : lint.warnings;
  return { event, dialect, ...lint, warnings };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
