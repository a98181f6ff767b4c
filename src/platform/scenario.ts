import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { asyncToolLine, type ToolRoute, toolsOf, withoutSecrets } from './assistant-tools.js';
import { FAULT_VARIANTS, FAULTS } from './delivery-faults.js';
import { convertDialect, keyIn, type Dialect } from './dialect.js';
import type { EventType } from './events.js';
import { InputError } from '../errors.js';
import { listScenarios, loadFixture, scenarioPath } from './fixtures.js';
import { applySet } from './json-path.js';
import { readInput } from '../input.js';
import { locate, splitDocuments } from './json-source.js';
import { asObject, described, findingsOf, formatPath, nonEmptyString, optionalString } from './schemas/common.js';
import { toolOutcomes, type ToolOutcome } from './schemas/index.js';

const record = () => z.record(z.string(), z.unknown());

const turn = z.union([
  z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: nonEmptyString() }),
  z.strictObject({
    tools: z.array(z.strictObject({ name: nonEmptyString(), arguments: z._default(record(), {}) })).check(z.minLength(1)),
  }),
]);

/** A call scenario file (fixtures/scenarios/*.json, or the user's own), always in the hms dialect. */
export const scenarioSchema = described(
  z.strictObject({
    $schema: optionalString(),
    description: z.string(),
    call_type: z._default(z.enum(['inbound_phone_call', 'outbound_phone_call', 'web_call']), 'inbound_phone_call'),
    phone_number: z.strictObject({
      id: z.optional(z.nullable(z.string())),
      number: z.nullable(z.string()),
      name: z.optional(z.nullable(z.string())),
    }),
    customer: z.strictObject({ number: z.nullable(z.string()) }),
    seconds_per_turn: z._default(z.number().check(z.positive()), 8),
    turns: z.array(turn).check(z.minLength(1)),
    end_reason: z._default(nonEmptyString(), 'user_hangup'),
    summary: z.string(),
    analysis: z.optional(record()),
    recording_url: optionalString(),
    /** The saved assistant the call is for (its tools, their routes, webhook_events); the receiver's reply may replace it. */
    assistant: z.optional(record()),
    /** What a receiver might answer per tool name: `demo` lets the built-in listener answer with these. */
    tool_results: z.optional(record()),
    /** Faults of delivery to play on named steps (what `send call --save-plan` writes), without --chaos. */
    faults: z.optional(
      z.array(
        z.strictObject({
          step: nonEmptyString(),
          fault: z.enum(FAULTS),
          variant: z.enum(Object.values(FAULT_VARIANTS).flat() as [string, ...string[]]),
        }),
      ),
    ),
  }),
  {
    title: 'hms-webhook call scenario',
    description: 'One whole call: the turns of its transcript, with tool calls between them (hms dialect).',
  },
);

export type Scenario = z.output<typeof scenarioSchema>;

/**
 * A built-in scenario by name (the first one when none is named), or the user's file; a file that
 * does not fit the schema is a InputError naming the place: `call.json:7:5  turns[2].role: …`.
 */
export async function loadScenario(source: { name?: string; file?: string }): Promise<{ label: string; scenario: Scenario }> {
  const file = source.file ?? fileURLToPath(scenarioPath(source.name ?? listScenarios()[0]!.name));
  const label = source.file ?? source.name ?? listScenarios()[0]!.name;
  const text = (await readInput(file)).toString('utf8');
  const { documents, syntaxErrors } = await splitDocuments(text, label.replace(/\.jsonl$/i, '.json'));
  const problem = syntaxErrors[0];
  if (problem !== undefined) throw new InputError(`scenario ${label}:${problem.line}:${problem.column}: not JSON: ${problem.message}`);
  const document = documents[0];
  if (document === undefined || documents.length > 1) throw new InputError(`scenario ${label}: expected one JSON object`);
  const parsed = scenarioSchema.safeParse(document.value);
  if (!parsed.success) {
    const [first, ...rest] = findingsOf(parsed.error);
    const at = await locate(document, first!.path);
    throw new InputError(
      `scenario ${label}:${at.line}:${at.column}  ${formatPath(first!.path)}: ${first!.message}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}; see \`hms-webhook schema scenario\``,
    );
  }
  return { label, scenario: parsed.data };
}

export interface CallScriptOptions {
  dialect: Dialect;
  /** A web call: no phone numbers. */
  web?: boolean;
  /** The call fails: status-update ended-with-error. */
  fail?: boolean;
  /** `--set path=value`, applied to every event. */
  set?: readonly string[];
  /** Unix seconds the call ends at (the report is sent then); defaults to now. */
  now?: number;
  /** The caller's number instead of the scenario's: each of many calls has its own. */
  customerNumber?: string | null;
  /** The saved assistant (`--assistant FILE`), in the call's dialect: before the scenario's and the built-in one. */
  assistant?: Record<string, unknown>;
}

/** One event of the call, ready to sign and send. */
export interface CallStep {
  event: EventType;
  /** `in-progress`, `ended`, the tool names… */
  label: string;
  dialect: Dialect;
  document: Record<string, unknown>;
  toolCallIds: string[];
  /** A tool-calls request for one route of the turn's tools (see routeToolCalls); without one, the receiver's. */
  route?: ToolRoute;
  /** Its tools are `async: true`: the platform does not wait for the reply. */
  async?: boolean;
}

const ERROR_END_REASON = 'error';
/** The queue time of the steps that end the call, whenever it ends. */
const AT_THE_END = Infinity;
const FAILURE = 'STT connection failed';

/**
 * Plays a scenario the way the platform would, one event at a time: `next()` builds the next
 * event from what the receiver answered so far (`answer()`), and is undefined once the call is over.
 */
export class CallScript {
  readonly callId = randomUUID();
  /** What is still to come, each at its time in the call; the end of the call comes last whatever its time. */
  private queue: { at: number; run: () => CallStep | undefined }[] = [];
  private assistant: Record<string, unknown> | undefined;
  private saved: Record<string, unknown> | undefined;
  private readonly transcript: { role: string; content: string }[] = [];
  private readonly start: number;
  private end: number;
  private endReason: string;
  private error: string | undefined;
  private pending: { step: CallStep; calls: { id: string; name: string }[] } | undefined;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: CallScriptOptions,
  ) {
    const seconds = scenario.turns.length * scenario.seconds_per_turn;
    // The call ends now, so every time in it is in the past and started_at < ended_at.
    this.end = (options.now ?? Math.floor(Date.now() / 1000)) - 2;
    this.start = this.end - Math.round(seconds);
    this.endReason = options.fail ? ERROR_END_REASON : scenario.end_reason;
    this.error = options.fail ? FAILURE : undefined;
    this.queue.push({ at: this.start - 3, run: () => this.step('assistant-request', 'ringing', this.start - 3, {}) });
    this.queue.push({ at: this.start, run: () => this.step('status-update', 'in-progress', this.start, {}) });
    scenario.turns.forEach((entry, index) => {
      const at = this.start + Math.round((index + 1) * scenario.seconds_per_turn);
      if ('tools' in entry) {
        this.queue.push({ at, run: () => this.toolStep(entry.tools, at) });
      } else {
        this.queue.push({
          at,
          run: () => {
            this.transcript.push({ role: entry.role, content: entry.content });
            return undefined;
          },
        });
      }
    });
    this.queue.push({
      at: AT_THE_END,
      run: () => this.step('status-update', this.error !== undefined ? 'ended-with-error' : 'ended', this.end, this.endFields()),
    });
    this.queue.push({ at: AT_THE_END, run: () => this.report() });
  }

  /** The next event to send, or undefined when the call is over. */
  next(): CallStep | undefined {
    while (this.queue.length > 0) {
      const step = this.queue.shift()!.run();
      if (step !== undefined) return step;
    }
    return undefined;
  }

  /** The assistant of the call as the platform has it now: the receiver's, else the saved one. */
  assistantInPlay(): Record<string, unknown> {
    return this.assistant ?? this.savedAssistant();
  }

  /** The assistant before any reply: --assistant, the scenario's, or the platform's default. */
  private savedAssistant(): Record<string, unknown> {
    const d = this.options.dialect;
    this.saved ??=
      this.options.assistant ??
      (this.scenario.assistant !== undefined
        ? (convertDialect(this.scenario.assistant, 'hms', d) as Record<string, unknown>)
        : defaultAssistant(d));
    return this.saved;
  }

  /** What the receiver answered to a step, or to one route's share of its tool calls (parsed JSON, or undefined when unreadable). */
  answer(step: CallStep, reply: unknown): void {
    const d = this.options.dialect;
    if (step.event === 'assistant-request') {
      const body = asObject(reply);
      if (typeof body?.error === 'string') {
        // The platform rejects the call: it ends here.
        this.endReason = 'rejected';
        this.error = body.error;
        this.queue = [{ at: this.start, run: () => this.step('status-update', 'ended', this.start, this.endFields()) }];
        return;
      }
      this.assistant = assistantFrom(body, this.savedAssistant(), d);
      const cap = body?.[keyIn(d, 'max_duration_seconds')];
      if (typeof cap === 'number') {
        this.assistant[keyIn(d, 'max_duration_seconds')] = cap;
        // A cap shorter than the call ends it there, as the platform does; what would come later never happens.
        if (cap > 0 && this.start + cap < this.end && this.error === undefined) {
          this.end = this.start + Math.floor(cap);
          this.endReason = 'max_duration';
          this.queue = this.queue.filter((item) => item.at <= this.end || item.at === AT_THE_END);
        }
      }
      return;
    }
    if (step.event === 'tool-calls' && this.pending !== undefined) {
      const answered = this.pending.calls.filter((call) => step.toolCallIds.includes(call.id));
      const outcomes = toolOutcomes(
        reply,
        d,
        answered.map((c) => c.id),
      );
      const tools = toolsOf(this.assistantInPlay());
      for (const call of answered) {
        // An async tool's result never reaches the call: the assistant says its message instead.
        const content = step.async
          ? asyncToolLine(
              tools.find((tool) => tool.name === call.name),
              call.name,
            )
          : describeOutcome(call.name, outcomes.get(call.id));
        this.transcript.push({ role: 'assistant', content });
      }
      this.pending.calls = this.pending.calls.filter((call) => !answered.includes(call));
      if (this.pending.calls.length === 0) this.pending = undefined;
    }
  }

  private toolStep(tools: { name: string; arguments: Record<string, unknown> }[], at: number): CallStep {
    const calls = tools.map((tool) => ({ id: newToolCallId(), name: tool.name, arguments: tool.arguments }));
    const list = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: structuredClone(call.arguments) },
    }));
    const step = this.step('tool-calls', 'in-progress', at, { tool_call_list: list }, calls.map((c) => c.name).join(', '));
    step.toolCallIds = calls.map((c) => c.id);
    this.pending = { step, calls };
    return step;
  }

  private endFields(): Record<string, unknown> {
    return { end_reason: this.endReason, ...(this.error !== undefined ? { error: this.error } : {}) };
  }

  private report(): CallStep {
    const s = this.scenario;
    return this.step('end-of-call-report', 'ended', this.end + 1, {
      duration_seconds: this.end - this.start,
      end_reason: this.endReason,
      started_at: iso(this.start),
      ended_at: iso(this.end),
      summary: s.summary,
      messages: this.transcript.map((m) => ({ ...m })),
      ...(s.analysis !== undefined ? { analysis: structuredClone(s.analysis) } : {}),
      ...(s.recording_url !== undefined ? { recording_url: s.recording_url } : {}),
    });
  }

  private step(event: EventType, status: string, at: number, fields: Record<string, unknown>, label = status): CallStep {
    const s = this.scenario;
    const web = this.options.web === true || s.call_type === 'web_call';
    const hms = {
      message: {
        type: event,
        timestamp: iso(at),
        call: { id: this.callId, type: web ? 'web_call' : s.call_type, status },
        phone_number: web ? { id: null, number: null, name: null } : { ...s.phone_number },
        customer: web
          ? { number: null }
          : { ...s.customer, ...(this.options.customerNumber !== undefined ? { number: this.options.customerNumber } : {}) },
        ...fields,
      },
    };
    const document = convertDialect(hms, 'hms', this.options.dialect) as { message: Record<string, unknown> };
    // The assistant is echoed as the receiver returned it, in its own keys, but never its secrets.
    if (event !== 'assistant-request') document.message.assistant = withoutSecrets(this.assistantInPlay());
    for (const assignment of this.options.set ?? []) applySet(document, assignment);
    return { event, label, dialect: this.options.dialect, document, toolCallIds: [] };
  }
}

/** The saved assistant the platform uses when the reply configures none. */
function defaultAssistant(d: Dialect): Record<string, unknown> {
  const { document } = loadFixture('tool-calls/one-tool', { dialect: d });
  return asObject(asObject(asObject(document)?.message)?.assistant) ?? {};
}

/** The assistant a reply puts on the call: transient, saved with an override (shallow merge), or the saved one. */
function assistantFrom(reply: Record<string, unknown> | undefined, saved: Record<string, unknown>, d: Dialect): Record<string, unknown> {
  const transient = asObject(reply?.assistant);
  if (transient !== undefined) return structuredClone(transient);
  const assistant = structuredClone(saved);
  const id = reply?.[keyIn(d, 'assistant_id')];
  if (typeof id === 'string') {
    assistant.id = id;
    Object.assign(assistant, structuredClone(asObject(reply?.[keyIn(d, 'assistant_override')]) ?? {}));
  }
  return assistant;
}

/** A tool call id as the platform makes them: `tool_` and 12 hex digits, new for every call. */
export function newToolCallId(): string {
  return `tool_${randomBytes(6).toString('hex')}`;
}

/** Whether a transcript line is one that a played call adds for a tool's outcome (describeOutcome). */
export function isOutcomeLine(content: string, tool: string): boolean {
  return content.startsWith(`${tool} returned `) || content.startsWith(`${tool} failed: `) || content === `${tool}: no result`;
}

function describeOutcome(tool: string, outcome: ToolOutcome | undefined): string {
  if (outcome === undefined) return `${tool}: no result`;
  if ('error' in outcome) return `${tool} failed: ${outcome.error}`;
  return `${tool} returned ${JSON.stringify(outcome.result) ?? 'nothing'}`;
}

function iso(unix: number): string {
  return new Date(unix * 1000).toISOString();
}
