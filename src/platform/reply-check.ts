import { refusalHint } from './refusal-hints.js';
import { keyIn, type Dialect } from './dialect.js';
import { type EventType, isEvent } from './events.js';
import { asObject } from './schemas/common.js';
import { formatPath, replyDeadlineMs, replyForm, toolCallIds, validateReply } from './schemas/index.js';

/** Above this share of its deadline a reply passes with a warning: it leaves little room in production. */
export const DEADLINE_WARNING_SHARE = 0.8;

export type CheckSeverity = 'pass' | 'warning' | 'failure';

export interface Check {
  /** `idempotent`: a second delivery answered as the first; `check`: a side-effect check (send call --check). */
  name: 'status' | 'deadline' | 'json' | 'schema' | 'idempotent' | 'check';
  severity: CheckSeverity;
  message: string;
}

/** A reply as recorded in a capture: its latency may be unknown. */
export interface RecordedReply {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  latencyMs?: number;
}

export interface ReplyCheckInput {
  event: EventType;
  dialect: Dialect;
  /** The payload that was sent: its tool call ids are checked. */
  request: unknown;
  /** Without a latency, the deadline is not judged. */
  reply: RecordedReply;
  /** Overrides the platform's deadline for this event. */
  deadlineMs?: number;
  /** A status (200) or class (`4xx`) that counts as a pass instead of 2xx. */
  expectStatus?: string;
  /** The tool calls are of an `async: true` tool: only a prompt 2xx counts, the body is not read. */
  asyncTool?: boolean;
}

export interface ReplyVerdict {
  ok: boolean;
  checks: Check[];
  /** The reply body, parsed when it is JSON. */
  parsed: unknown;
  /** What the platform will do with this reply, in plain words. */
  outcome: string[];
}

/** The event whose rules judge a reply: a payload of no known event is judged as one whose reply the platform ignores. */
export function judgedAs(event: string | undefined): EventType {
  return isEvent(event) ? event : 'status-update';
}

/** An async tool's request is fire-and-forget: a reply slower than this holds the platform's request open for nothing. */
export const ASYNC_PROMPT_MS = 1000;

/** Whether `--expect-status` names a status (401) or a class (4xx). */
export function isStatusExpectation(text: string): boolean {
  return /^([1-5]xx|[1-5]\d\d)$/i.test(text);
}

/** Checks a receiver's reply the way the platform would use it. */
export function checkReceivedReply(input: ReplyCheckInput): ReplyVerdict {
  const { event, dialect, reply } = input;
  const checks: Check[] = [];
  const expected = input.expectStatus ?? '2xx';
  const statusOk = statusMatches(reply.status, expected);
  checks.push({
    name: 'status',
    severity: statusOk ? 'pass' : 'failure',
    message: statusOk ? `${reply.status} as expected (${expected})` : statusFailure(reply, expected),
  });

  if (input.asyncTool === true) return asyncToolVerdict(reply, checks, statusOk);
  const platformDeadline = replyDeadlineMs(event);
  const deadline = input.deadlineMs ?? platformDeadline;
  // Late for the platform: it has gone on without the reply, so the reply's content no longer matters.
  const lateForPlatform = platformDeadline !== undefined && reply.latencyMs !== undefined && reply.latencyMs > platformDeadline;
  if (deadline !== undefined && reply.latencyMs !== undefined) {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 1000 ? 3 : 2)} s`;
    if (reply.latencyMs > deadline) {
      checks.push({
        name: 'deadline',
        severity: 'failure',
        message:
          input.deadlineMs !== undefined
            ? `late: ${seconds(reply.latencyMs)}, over your --deadline of ${seconds(deadline)}`
            : `late: ${seconds(reply.latencyMs)}, the platform waits ${seconds(deadline)} and then ${event === 'assistant-request' ? 'uses the default assistant' : 'goes on without the result'}`,
      });
    } else if (reply.latencyMs > deadline * DEADLINE_WARNING_SHARE) {
      checks.push({
        name: 'deadline',
        severity: 'warning',
        message: `${seconds(reply.latencyMs)} is over ${DEADLINE_WARNING_SHARE * 100} % of the ${seconds(deadline)} deadline`,
      });
    } else {
      checks.push({ name: 'deadline', severity: 'pass', message: `${seconds(reply.latencyMs)} of ${seconds(deadline)}` });
    }
  }

  const text = reply.body.toString('utf8');
  // The platform reads the body only of a 2xx reply to assistant-request or tool-calls.
  const readsBody = (event === 'assistant-request' || event === 'tool-calls') && statusOk && expected === '2xx';
  let parsed: unknown;
  let notJson = false;
  try {
    parsed = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    notJson = true;
  }
  if (readsBody) {
    if (notJson) {
      checks.push({ name: 'json', severity: 'failure', message: `the reply is not JSON: ${JSON.stringify(text.slice(0, 60))}` });
    } else if (parsed === undefined) {
      checks.push({ name: 'json', severity: 'failure', message: 'the reply body is empty: reply with JSON (at least {})' });
    } else {
      if (reply.contentType !== undefined && !/json/i.test(reply.contentType)) {
        checks.push({ name: 'json', severity: 'warning', message: `Content-Type is ${reply.contentType}; send application/json` });
      }
      const validation = validateReply(event, parsed, { dialect, request: input.request });
      for (const error of validation.errors)
        checks.push({ name: 'schema', severity: 'failure', message: `${formatPath(error.path)}: ${error.message}` });
      for (const warning of validation.warnings)
        checks.push({ name: 'schema', severity: 'warning', message: `${formatPath(warning.path)}: ${warning.message}` });
      if (validation.errors.length === 0 && validation.warnings.length === 0)
        checks.push({ name: 'schema', severity: 'pass', message: `valid ${event} reply` });
    }
  }

  const ok = checks.every((check) => check.severity !== 'failure');
  return {
    ok,
    checks,
    parsed,
    outcome: lateForPlatform
      ? [lateOutcome(event)]
      : readsBody
        ? describeOutcome(event, dialect, parsed, input.request, text)
        : describeStatusOutcome(event, reply.status),
  };
}

/** An async tool's reply: the platform does not wait for it, so a 2xx is all it needs, and it needs it at once. */
function asyncToolVerdict(reply: RecordedReply, checks: Check[], statusOk: boolean): ReplyVerdict {
  if (reply.latencyMs !== undefined) {
    const seconds = `${(reply.latencyMs / 1000).toFixed(reply.latencyMs < 1000 ? 3 : 2)} s`;
    checks.push(
      reply.latencyMs > ASYNC_PROMPT_MS
        ? {
            name: 'deadline',
            severity: 'warning',
            message: `async: ${seconds}; the platform does not wait: answer 200 first, then do the work`,
          }
        : { name: 'deadline', severity: 'pass', message: `${seconds} (async: answered at once)` },
    );
  }
  return {
    ok: checks.every((check) => check.severity !== 'failure'),
    checks,
    parsed: undefined,
    outcome: [
      statusOk
        ? 'async tool: the platform does not read the reply; the assistant says the tool’s message meanwhile'
        : `async tool: on a ${reply.status} the work may not have started; the assistant has already said the tool’s message`,
    ],
  };
}

/** What the platform does when a reply comes after its deadline: it never reads it. */
function lateOutcome(event: EventType): string {
  return event === 'assistant-request'
    ? 'the reply came after the 5 s deadline: the platform has already answered the call with the default assistant'
    : 'the reply came after the 10 s deadline: the assistant got no result for these tool calls';
}

/** A status that is not the one expected, with what the receiver's framework did when a 2xx was expected. */
function statusFailure(reply: RecordedReply & { location?: string }, expected: string): string {
  const hint = expected === '2xx' ? refusalHint(reply) : undefined;
  return `${reply.status}, expected ${expected}${hint !== undefined ? ` — ${hint}` : ''}`;
}

export function statusMatches(status: number, expected: string): boolean {
  if (/^[1-5]xx$/i.test(expected)) return Math.floor(status / 100) === Number(expected[0]);
  return status === Number(expected);
}

function describeStatusOutcome(event: EventType, status: number): string[] {
  if (status >= 200 && status < 300) {
    return event === 'status-update' || event === 'end-of-call-report' ? ['the platform ignores the reply body: any 2xx acknowledges'] : [];
  }
  if (event === 'assistant-request') return [`on a ${status} the platform proceeds with the default assistant`];
  if (event === 'tool-calls') return [`on a ${status} the assistant gets no result for the tool call`];
  return [`the platform records a failed delivery (${status}); no retry is documented`];
}

const clip = (value: unknown, max = 100): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** "the call is answered by …", "the assistant is given for tool_9f8e: {…}" */
export function describeOutcome(event: EventType, dialect: Dialect, reply: unknown, request: unknown, text: string): string[] {
  if (reply === undefined) {
    return event === 'assistant-request'
      ? ['the platform cannot read this reply: the call proceeds with the default assistant']
      : ['the platform cannot read this reply: the assistant gets no usable result'];
  }
  return event === 'assistant-request' ? describeAssistantReply(dialect, reply) : describeToolReply(dialect, reply, request, text);
}

function describeAssistantReply(d: Dialect, reply: unknown): string[] {
  const body = asObject(reply);
  if (body === undefined)
    return [`a ${Array.isArray(reply) ? 'list' : typeof reply} where an object is expected: the call proceeds with the default assistant`];
  if (typeof body.error === 'string') return [`the call is rejected; the caller hears: “${body.error}”`];
  const lines: string[] = [];
  const k = (key: string) => keyIn(d, key);
  const assistant = asObject(body.assistant);
  const id = body[k('assistant_id')];
  const override = asObject(body[k('assistant_override')]);
  if (body.assistant !== undefined && assistant === undefined) {
    lines.push(`assistant is a ${typeof body.assistant} where an object is expected: the call proceeds with the default assistant`);
  } else if (assistant !== undefined) {
    const name = typeof assistant.name === 'string' ? ` '${assistant.name}'` : '';
    const greeting = assistant[k('first_message')];
    lines.push(`the call is answered by the transient assistant${name}${typeof greeting === 'string' ? ` (greeting: “${greeting}”)` : ''}`);
  } else if (typeof id === 'string') {
    const replaced = override ? Object.keys(override) : [];
    lines.push(
      replaced.length > 0
        ? `saved assistant ${id} with ${replaced.join(' and ')} replaced`
        : `the call is answered by saved assistant ${id}`,
    );
  } else if (override !== undefined) {
    lines.push(`${k('assistant_override')} without ${k('assistant_id')} is ignored: the call proceeds with the default assistant`);
  }
  const cap = body[k('max_duration_seconds')];
  if (typeof cap === 'number') lines.push(`the call is capped at ${cap} s`);
  const other = d === 'hms' ? 'flireo' : 'hms';
  for (const hmsKey of ['assistant_id', 'assistant_override', 'max_duration_seconds']) {
    const foreign = keyIn(other, hmsKey);
    if (foreign !== k(hmsKey) && foreign in body)
      lines.push(`${foreign} is not read in ${d} (it is ${k(hmsKey)}): the platform ignores it`);
  }
  if (lines.length === 0) lines.push('the call is answered by the assistant as configured (default mode)');
  return lines;
}

function describeToolReply(d: Dialect, reply: unknown, request: unknown, text: string): string[] {
  const ids = toolCallIds(request, d) ?? [];
  const form = replyForm(reply);
  const body = asObject(reply);
  const forAll = ids.length > 0 ? ids.join(', ') : 'the tool call';
  if (body === undefined) return [`the whole body is passed as the result for ${forAll}: ${clip(text)}`];
  if (form === 'error') return [`the assistant is told the tool failed: “${String(body.error)}”`];
  if (form === 'result') return [`the assistant is given for ${forAll}: ${clip(body.result)}`];
  if (form === 'direct') return [`the assistant is given the whole reply as the result for ${forAll}: ${clip(body)}`];
  if (!Array.isArray(body.results)) return ['results is not a list: the assistant gets no usable result'];
  const idKey = keyIn(d, 'tool_call_id');
  const foreignKey = keyIn(d === 'hms' ? 'flireo' : 'hms', 'tool_call_id');
  const lines = body.results.map((entry) => {
    const result = asObject(entry) ?? {};
    const id = result[idKey];
    if (typeof id !== 'string') {
      return typeof result[foreignKey] === 'string'
        ? `a result keyed ${foreignKey} is not read in ${d} (it is ${idKey}): the platform ignores it`
        : `a result without ${idKey} is ignored`;
    }
    if (ids.length > 0 && !ids.includes(id)) return `the result for ${id} is ignored: the request has no such tool call id`;
    if (typeof result.error === 'string') return `the assistant is told ${id} failed: “${result.error}”`;
    return `the assistant is given for ${id}: ${clip(result.result)}`;
  });
  return lines.length > 0 ? lines : ['results is empty: the assistant gets no result'];
}

/** Why a step (a sent request) failed, in one line: the checks that failed, or why no reply came. */
export function stepFailure(report: { failure?: string; verdict?: ReplyVerdict }): string {
  if (report.verdict === undefined) return report.failure ?? 'no reply';
  return report.verdict.checks
    .filter((check) => check.severity === 'failure')
    .map((check) => `${check.name}: ${check.message}`)
    .join('; ');
}
