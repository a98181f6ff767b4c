import { captureBody, readCaptures } from '../captures/capture-file.js';
import { InputError } from '../errors.js';
import { callsIn, isComplete, type RecordedEvent, scenarioOfCall } from '../platform/recorded-call.js';
import { redactScenario } from '../platform/redaction.js';
import { type Scenario, scenarioSchema } from '../platform/scenario.js';
import { callIdOf } from '../platform/schemas/index.js';

export interface ScenarioFromCapturesOptions {
  /** A capture file (JSONL), a HAR file, or `-` for `stdin`. */
  source: string;
  stdin?: NodeJS.ReadableStream;
  /** The call to take: by default the only call, else the latest complete one. */
  callId?: string;
  /** Phone numbers, names, transcript text and summaries replaced with stable stand-ins. */
  redact?: boolean;
  /** A line that was skipped, or a call without its end-of-call-report. */
  onNote?(text: string): void;
}

export interface ScenarioFromCaptures {
  callId: string;
  scenario: Scenario;
  /** How many captured requests of the call it was made from. */
  requests: number;
  /** Whether the call's end-of-call-report was captured (else the transcript and summary are empty). */
  complete: boolean;
  /** What --redact replaced, when asked. */
  redacted?: { phoneNumbers: number; names: number; texts: number };
}

/** The captured requests of one call as a scenario that `send call --scenario` plays. */
export async function scenarioFromCaptures(options: ScenarioFromCapturesOptions): Promise<ScenarioFromCaptures> {
  const label = options.source === '-' ? 'stdin' : options.source;
  const events: RecordedEvent[] = [];
  const captures = readCaptures(options.source, options.stdin, (problem) => options.onNote?.(`skipped: ${problem.message}`));
  for await (const { capture } of captures) {
    let document: unknown;
    try {
      document = JSON.parse(captureBody(capture).toString('utf8'));
    } catch {
      continue;
    }
    if (options.callId !== undefined && callIdOf(document) !== options.callId) continue;
    events.push({ document, reply: capture.reply !== undefined ? parseReply(capture.reply.body) : undefined });
  }
  const [callId, callEvents] = chooseCall(callsIn(events), options.callId, label);
  const complete = isComplete(callEvents);
  if (!complete) options.onNote?.(`call ${callId} has no end-of-call-report in ${label}: the transcript and summary are empty`);
  let scenario = scenarioOfCall(callId, callEvents);
  if (scenario.turns.length === 0) throw new InputError(`call ${callId} in ${label} has no transcript and no tool calls: nothing to play`);
  let redacted: ScenarioFromCaptures['redacted'];
  if (options.redact === true) {
    const redaction = redactScenario(scenario);
    scenario = redaction.scenario;
    redacted = redaction.replaced;
  }
  // What this makes is what `send call --scenario` reads: checked against the same schema.
  const checked = scenarioSchema.safeParse(scenario);
  if (!checked.success) throw new Error(`the scenario of call ${callId} does not fit the scenario schema: ${checked.error.message}`);
  return { callId, scenario, requests: callEvents.length, complete, ...(redacted !== undefined ? { redacted } : {}) };
}

function parseReply(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The wanted call, else the only call, else the latest complete one (the last to start). */
function chooseCall(calls: Map<string, RecordedEvent[]>, wanted: string | undefined, label: string): [string, RecordedEvent[]] {
  if (wanted !== undefined) {
    const events = calls.get(wanted);
    if (events === undefined) throw new InputError(`no requests of call ${wanted} in ${label}`);
    return [wanted, events];
  }
  const all = [...calls];
  if (all.length === 0) throw new InputError(`no calls in ${label}: no request with a message.call.id`);
  if (all.length === 1) return all[0]!;
  const latest = all.filter(([, events]) => isComplete(events)).at(-1);
  if (latest === undefined)
    throw new InputError(
      `${all.length} calls in ${label} and none complete (no end-of-call-report): choose one with --call ${all
        .map(([id]) => id)
        .slice(0, 3)
        .join(', ')}…`,
    );
  return latest;
}
