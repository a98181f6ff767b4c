import { convertDialect, detectDialect } from './dialect.js';
import { asObject } from './schemas/common.js';
import { callIdOf, toolOutcomes } from './schemas/index.js';
import { isOutcomeLine, type Scenario } from './scenario.js';

/** One captured delivery of a call, with the receiver's recorded reply when there is one. */
export interface RecordedEvent {
  document: unknown;
  /** The recorded reply body, parsed when JSON. */
  reply?: unknown;
}

/** The calls in a set of captured deliveries, by call id, in the order they first appear. */
export function callsIn(events: readonly RecordedEvent[]): Map<string, RecordedEvent[]> {
  const calls = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const callId = callIdOf(event.document);
    if (callId === undefined || callId === '') continue;
    const list = calls.get(callId) ?? [];
    list.push(event);
    calls.set(callId, list);
  }
  return calls;
}

/** A call is complete when its end-of-call-report was captured. */
export function isComplete(events: readonly RecordedEvent[]): boolean {
  return events.some((event) => messageOf(event.document)?.type === 'end-of-call-report');
}

/**
 * The scenario that plays this call again: its numbers, call type, transcript with the tool calls at
 * their time in the call, end reason, summary and analysis, and the receiver's recorded tool results.
 * Every event is read in the hms dialect whatever it was captured in.
 */
export function scenarioOfCall(callId: string, events: readonly RecordedEvent[]): Scenario {
  const messages = events.map((event) => {
    const hms = convertDialect(event.document, detectDialect(event.document), 'hms');
    return { message: messageOf(hms) ?? {}, reply: event.reply, dialect: detectDialect(event.document) };
  });
  const first = messages[0]?.message ?? {};
  const report = messages.find((m) => m.message.type === 'end-of-call-report')?.message;
  const ended = messages.find((m) => m.message.type === 'status-update' && asObject(m.message.call)?.status !== 'in-progress')?.message;
  const call = asObject(first.call) ?? {};
  const phone = asObject(first.phone_number) ?? {};
  const customer = asObject(first.customer) ?? {};

  const toolTurns: { at: number; tools: { name: string; arguments: Record<string, unknown> }[] }[] = [];
  // A Map: a tool named __proto__ or toString is a name like any other.
  const toolResults = new Map<string, unknown>();
  const toolNames = new Set<string>();
  for (const { message, reply, dialect } of messages) {
    if (message.type !== 'tool-calls' || !Array.isArray(message.tool_call_list)) continue;
    const calls = message.tool_call_list.map((entry) => {
      const fn = asObject(asObject(entry)?.function) ?? {};
      const name = typeof fn.name === 'string' && fn.name !== '' ? fn.name : 'tool';
      toolNames.add(name);
      return { id: asObject(entry)?.id, name, arguments: argumentsOf(fn.arguments) };
    });
    if (calls.length === 0) continue;
    toolTurns.push({ at: timeOf(message), tools: calls.map(({ name, arguments: args }) => ({ name, arguments: args })) });
    if (reply === undefined) continue;
    const ids = calls.map((c) => c.id).filter((id): id is string => typeof id === 'string');
    // The reply as the receiver wrote it, read in the dialect the request came in.
    const outcomes = toolOutcomes(reply, dialect, ids);
    for (const c of calls) {
      const outcome = typeof c.id === 'string' ? outcomes.get(c.id) : undefined;
      if (outcome !== undefined && 'result' in outcome && !toolResults.has(c.name)) toolResults.set(c.name, outcome.result);
    }
  }

  // The transcript of the report, without the lines a played call adds for each tool outcome (the scenario plays those again).
  const transcript = (Array.isArray(report?.messages) ? report.messages : [])
    .map((entry) => asObject(entry))
    .filter(
      (entry): entry is { role: 'system' | 'user' | 'assistant'; content: string } =>
        entry !== undefined &&
        (entry.role === 'system' || entry.role === 'user' || entry.role === 'assistant') &&
        typeof entry.content === 'string' &&
        entry.content !== '' &&
        ![...toolNames].some((name) => isOutcomeLine(entry.content as string, name)),
    )
    .map(({ role, content }) => ({ role, content }));

  const start = timeOf(messages.find((m) => m.message.type === 'status-update')?.message ?? first);
  const end = report !== undefined ? timeOf(report) : Math.max(start, ...toolTurns.map((t) => t.at));
  const duration = typeof report?.duration_seconds === 'number' && report.duration_seconds > 0 ? report.duration_seconds : end - start;
  const turns: Scenario['turns'] = [];
  // Each tool call goes where its time falls in the call, between the transcript's turns.
  let placed = 0;
  transcript.forEach((turn, index) => {
    while (placed < toolTurns.length && positionOf(toolTurns[placed]!.at, start, duration, transcript.length) <= index)
      turns.push({ tools: toolTurns[placed++]!.tools });
    turns.push(turn);
  });
  while (placed < toolTurns.length) turns.push({ tools: toolTurns[placed++]!.tools });

  const endReason = report?.end_reason ?? ended?.end_reason;
  const callType = call.type === 'outbound_phone_call' || call.type === 'web_call' ? call.type : 'inbound_phone_call';
  return {
    description: `Recorded call ${callId}${first.timestamp !== undefined ? ` of ${String(first.timestamp)}` : ''}`,
    call_type: callType,
    phone_number: {
      ...(typeof phone.id === 'string' ? { id: phone.id } : {}),
      number: typeof phone.number === 'string' ? phone.number : null,
      ...(typeof phone.name === 'string' ? { name: phone.name } : {}),
    },
    customer: { number: typeof customer.number === 'string' ? customer.number : null },
    seconds_per_turn: turns.length > 0 && duration > 0 ? Math.max(1, Math.round(duration / turns.length)) : 8,
    turns,
    end_reason: typeof endReason === 'string' && endReason !== '' ? endReason : 'user_hangup',
    summary: typeof report?.summary === 'string' ? report.summary : '',
    ...(asObject(report?.analysis) !== undefined ? { analysis: asObject(report?.analysis)! } : {}),
    ...(typeof report?.recording_url === 'string' ? { recording_url: report.recording_url } : {}),
    ...(toolResults.size > 0 ? { tool_results: Object.fromEntries(toolResults) } : {}),
  };
}

function messageOf(document: unknown): Record<string, unknown> | undefined {
  return asObject(asObject(document)?.message);
}

/** The event's time in unix seconds, from message.timestamp (0 when it has none). */
function timeOf(message: Record<string, unknown>): number {
  const parsed = typeof message.timestamp === 'string' ? Date.parse(message.timestamp) : NaN;
  return Number.isFinite(parsed) ? parsed / 1000 : 0;
}

/** Where in a transcript of `count` turns a moment of the call falls. */
function positionOf(at: number, start: number, duration: number, count: number): number {
  if (duration <= 0) return count;
  return Math.round(((at - start) / duration) * count);
}

/** Tool arguments as an object: some senders give them as a JSON string. */
function argumentsOf(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value)) ?? {};
    } catch {
      return {};
    }
  }
  return asObject(value) ?? {};
}
