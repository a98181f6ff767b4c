import * as z from 'zod/mini';
import { keyIn, type Dialect } from '../dialect.js';
import {
  asObject,
  described,
  findingsOf,
  caseOnlyKeys,
  foreignKeys,
  messageEnvelope,
  nonEmptyString,
  userData,
  type Finding,
  type Lint,
  oncePerDialect,
  looseObjectIn,
} from './common.js';
import { safeParseQuickly } from './quick-check.js';

export const event = 'tool-calls';
export const statuses = ['in-progress'] as const;
/** A synchronous tool's result is used only if it arrives within 10 s. */
export const deadlineMs = 10_000;

export function payload(d: Dialect) {
  return messageEnvelope(d, event, {
    tool_call_list: z.array(
      z.looseObject({
        // The SDK's string: an empty one is a warning (lintPayload), never an error.
        id: z.string(),
        type: z.string(),
        function: z.looseObject({
          name: z.string(),
          // An object here, unlike Vapi and OpenAI, where it is a JSON string.
          arguments: userData,
        }),
      }),
    ),
  });
}

// The JSON Schema of a tool-calls reply must be as strict as checkReply below. Two of its rules are
// checked by hand there (for messages that say what the platform does) and stated in the export
// through metadata: an entry needs a result or an error, and results is never empty.
function resultEntry(d: Dialect) {
  return described(
    looseObjectIn(d, {
      tool_call_id: nonEmptyString(),
      result: z.optional(z.unknown()),
      error: z.optional(z.string()),
    }),
    { anyOf: [{ required: ['result'] }, { required: ['error'] }] },
  );
}

const resultsForm = oncePerDialect((d: Dialect) => {
  return described(z.looseObject({ results: described(z.array(resultEntry(d)), { minItems: 1 }) }), {
    title: 'results: one entry per tool call id (recommended)',
  });
});
const errorForm = described(z.object({ error: z.string() }), { title: 'error: the tool failed' });
const simpleForm = described(z.object({ result: z.unknown() }), { title: 'result: one result for the call' });
// Any other object is the result itself — but one with a results key is read as the results form.
const directForm = described(z.looseObject({ results: z.optional(z.never()) }), { title: 'direct: the object itself is the result' });
const directValue = described(z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown())]), {
  title: 'direct: any other JSON value is the result',
});

export const reply = oncePerDialect((d: Dialect) => {
  return described(z.union([resultsForm(d), errorForm, simpleForm, directForm, directValue]), {
    title: `tool-calls reply (${d})`,
    description: "One of the four reply forms; results[] ids must be the request's tool call ids.",
  });
});

export type ReplyForm = 'results' | 'error' | 'result' | 'direct';

/** How the platform reads a tool-calls reply: which of the four forms it takes. */
export function replyForm(value: unknown): ReplyForm {
  const body = asObject(value);
  if (body === undefined) return 'direct';
  if ('results' in body) return 'results';
  const keys = Object.keys(body);
  if (keys.length === 1 && typeof body.error === 'string') return 'error';
  if (keys.length === 1 && 'result' in body) return 'result';
  return 'direct';
}

export type ToolOutcome = { result: unknown } | { error: string };

/** What the assistant gets for each tool call id from a reply, read the way the platform reads it. */
export function toolOutcomes(reply: unknown, d: Dialect, ids: readonly string[]): Map<string, ToolOutcome> {
  const outcomes = new Map<string, ToolOutcome>();
  const body = asObject(reply);
  const form = replyForm(reply);
  if (form === 'results') {
    const idKey = keyIn(d, 'tool_call_id');
    for (const entry of Array.isArray(body?.results) ? body.results : []) {
      const result = asObject(entry);
      const id = result?.[idKey];
      if (typeof id !== 'string' || !ids.includes(id) || outcomes.has(id)) continue;
      outcomes.set(id, typeof result!.error === 'string' ? { error: result!.error } : { result: result!.result });
    }
    return outcomes;
  }
  const outcome: ToolOutcome =
    form === 'error' ? { error: String(body!.error) } : form === 'result' ? { result: body!.result } : { result: reply };
  for (const id of ids) outcomes.set(id, outcome);
  return outcomes;
}

/** The tool call ids of a tool-calls request, in either dialect. */
export function toolCallIds(request: unknown, d: Dialect): string[] | undefined {
  const message = asObject(asObject(request)?.message);
  const list = message?.[keyIn(d, 'tool_call_list')];
  if (!Array.isArray(list)) return undefined;
  return list.map((call) => asObject(call)?.id).filter((id): id is string => typeof id === 'string');
}

export function lintPayload(message: Record<string, unknown>, d: Dialect): Lint {
  const warnings: Finding[] = [];
  const listKey = keyIn(d, 'tool_call_list');
  const list = message[listKey];
  // The SDK types the list as an array, empty or not; the platform sends a tool-calls event only for calls.
  if (Array.isArray(list) && list.length === 0)
    warnings.push({ path: ['message', listKey], message: 'no tool calls: there is nothing to answer' });
  if (Array.isArray(list)) {
    const seen = new Set<string>();
    list.forEach((call, index) => {
      const entry = asObject(call);
      if (entry?.type !== undefined && entry.type !== 'function') {
        warnings.push({
          path: ['message', listKey, index, 'type'],
          message: `the platform sends type "function", not ${JSON.stringify(entry.type)}`,
        });
      }
      if (entry?.id === '')
        warnings.push({
          path: ['message', listKey, index, 'id'],
          message: 'an empty tool call id: the SDK allows it, but no result can be matched to it',
        });
      if (asObject(entry?.function)?.name === '')
        warnings.push({
          path: ['message', listKey, index, 'function', 'name'],
          message: 'an empty function name: the SDK allows it, but no tool can be chosen by it',
        });
      if (typeof entry?.id === 'string') {
        if (seen.has(entry.id))
          warnings.push({ path: ['message', listKey, index, 'id'], message: `tool call id ${entry.id} appears twice` });
        seen.add(entry.id);
      }
    });
  }
  return { errors: [], warnings };
}

/** Reply checks; with the request's ids known, every result must answer one of them. */
export function checkReply(value: unknown, d: Dialect, ids?: readonly string[]): Lint {
  const form = replyForm(value);
  const warnings: Finding[] = [];
  if (asObject(value) === undefined) {
    return {
      errors: [],
      warnings: [{ path: [], message: 'not a JSON object: the platform passes the whole body to the assistant as the result' }],
    };
  }
  const idKey = keyIn(d, 'tool_call_id');
  const misspelt = caseOnlyKeys(asObject(value)!, ['results', 'result', 'error'], []);
  warnings.push(...misspelt);
  if (form !== 'results') {
    if (misspelt.length > 0)
      warnings.push({ path: [], message: 'so this reply is read as a direct result: the assistant is handed the whole object' });
    if (ids !== undefined && ids.length > 1) {
      warnings.push({
        path: [],
        message: `one ${form} for ${ids.length} tool calls: answer each id in results[] so every call gets its own`,
      });
    }
    return { errors: [], warnings };
  }
  const parsed = safeParseQuickly(resultsForm(d), value);
  if (!parsed.success) {
    // The likeliest cause of a missing key: the same key in another case.
    const entries = asObject(value)?.results;
    if (Array.isArray(entries))
      entries.forEach((entry, index) => {
        const raw = asObject(entry);
        if (raw !== undefined) warnings.push(...caseOnlyKeys(raw, [idKey, 'result', 'error'], ['results', index]));
      });
    return { errors: findingsOf(parsed.error), warnings };
  }
  const errors: Finding[] = [];
  const answered = new Set<string>();
  parsed.data.results.forEach((entry, index) => {
    const raw = entry as Record<string, unknown>;
    warnings.push(...foreignKeys(raw, d, ['results', index]), ...caseOnlyKeys(raw, [idKey, 'result', 'error'], ['results', index]));
    const id = raw[idKey] as string;
    if (!('result' in raw) && !('error' in raw)) {
      errors.push({ path: ['results', index], message: 'neither result nor error: the assistant gets nothing for this call' });
    }
    if (ids !== undefined && !ids.includes(id)) {
      errors.push({
        path: ['results', index, idKey],
        message: `${JSON.stringify(id)} is not a tool call id of the request (${ids.join(', ')}); the platform ignores this result`,
      });
    } else if (answered.has(id)) {
      warnings.push({ path: ['results', index, idKey], message: `a second result for ${id}` });
    }
    answered.add(id);
  });
  // A request always has a tool call: a reply that answers none of them gives the assistant nothing.
  const answeredAny = ids === undefined ? parsed.data.results.length > 0 : ids.some((id) => answered.has(id));
  if (!answeredAny) {
    errors.push({
      path: ['results'],
      message:
        parsed.data.results.length === 0
          ? 'results is empty: the assistant gets no result for any tool call'
          : `no result answers a tool call of the request (${ids?.join(', ')}): the assistant gets nothing`,
    });
  } else {
    for (const id of ids ?? []) {
      if (!answered.has(id)) warnings.push({ path: ['results'], message: `no result for tool call ${id}` });
    }
  }
  return { errors, warnings };
}
