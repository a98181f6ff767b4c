import { keyIn, type Dialect } from '../platform/dialect.js';
import { InputError } from '../errors.js';
import { EVENTS, isEvent } from '../platform/events.js';
import { loadFixture } from '../platform/fixtures.js';
import { asObject } from '../platform/schemas/common.js';

/**
 * What `listen --reply FILE` holds: per event, the reply to send. For tool-calls, a result per tool
 * name (`"*"` for any other tool); the listener fills in the request's ids.
 */
export interface ReplyPlan {
  'assistant-request'?: unknown;
  'tool-calls'?: Record<string, unknown>;
}

export function parseReplyPlan(value: unknown, file: string): ReplyPlan {
  const plan = asObject(value);
  if (plan === undefined)
    throw new InputError(
      `--reply ${file}: expected an object keyed by event, e.g. {"assistant-request": {...}, "tool-calls": {"lookup_contact": {...}}}`,
    );
  for (const key of Object.keys(plan)) {
    if (!isEvent(key)) throw new InputError(`--reply ${file}: unknown event ${JSON.stringify(key)}; use ${EVENTS.join(', ')}`);
  }
  if (plan['tool-calls'] !== undefined && asObject(plan['tool-calls']) === undefined) {
    throw new InputError(
      `--reply ${file}: "tool-calls" must map tool names to results, e.g. {"lookup_contact": {"name": "Jan"}, "*": "ok"}`,
    );
  }
  return plan as ReplyPlan;
}

/** The reply the listener sends for an event: from the plan, else a built-in default. */
export function answerFor(event: string | undefined, document: unknown, dialect: Dialect, plan: ReplyPlan): unknown {
  if (event === 'assistant-request') {
    return plan['assistant-request'] ?? loadFixture('assistant-request/transient', { kind: 'reply', dialect }).document;
  }
  if (event === 'tool-calls') {
    const message = asObject(asObject(document)?.message);
    const list = message?.[keyIn(dialect, 'tool_call_list')];
    const calls = Array.isArray(list) ? list.map((call) => asObject(call) ?? {}) : [];
    const results = plan['tool-calls'] ?? {};
    return {
      results: calls.map((call) => {
        const name = String(asObject(call.function)?.name ?? '');
        const result = Object.hasOwn(results, name)
          ? results[name]
          : Object.hasOwn(results, '*')
            ? results['*']
            : { ok: true, tool: name, note: 'default reply of hms-webhook listen; set one with --reply' };
        return { [keyIn(dialect, 'tool_call_id')]: call.id, result };
      }),
    };
  }
  return {};
}
