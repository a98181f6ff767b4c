import { captureBody, readCaptures } from '../../captures/capture-file.js';
import type { CommandContext } from '../../cli/command-context.js';
import { writeOutputFile } from '../../output-file.js';
import { InputError } from '../../errors.js';
import { Reporter } from '../../output/reporter.js';
import { callsIn, isComplete, type RecordedEvent, scenarioOfCall } from '../../platform/recorded-call.js';
import { redactScenario } from '../../platform/redaction.js';
import { scenarioSchema } from '../../platform/scenario.js';
import { callIdOf } from '../../platform/schemas/index.js';
import type { ScenarioFromOptions } from './command.js';

/** `scenario from`: the captured requests of one call, written as a scenario that `send call --scenario` plays. */
export async function runScenarioFrom(source: string, options: ScenarioFromOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: false, color: context.color() });
  const label = source === '-' ? 'stdin' : source;
  const events: RecordedEvent[] = [];
  for await (const { capture } of readCaptures(source, io.stdin, (problem) => reporter.note(`skipped: ${problem.message}`))) {
    let document: unknown;
    try {
      document = JSON.parse(captureBody(capture).toString('utf8'));
    } catch {
      continue;
    }
    if (options.call !== undefined && callIdOf(document) !== options.call) continue;
    events.push({ document, reply: capture.reply !== undefined ? parseReply(capture.reply.body) : undefined });
  }
  const calls = callsIn(events);
  const [callId, callEvents] = chooseCall(calls, options.call, label);
  if (!isComplete(callEvents)) reporter.note(`call ${callId} has no end-of-call-report in ${label}: the transcript and summary are empty`);
  let scenario = scenarioOfCall(callId, callEvents);
  if (scenario.turns.length === 0) throw new InputError(`call ${callId} in ${label} has no transcript and no tool calls: nothing to play`);
  if (options.redact) {
    const redaction = redactScenario(scenario);
    scenario = redaction.scenario;
    const { phoneNumbers, names, texts } = redaction.replaced;
    reporter.note(
      `redacted: ${phoneNumbers} phone number${phoneNumbers === 1 ? '' : 's'}, ${names} name${names === 1 ? '' : 's'}, ${texts} text${texts === 1 ? '' : 's'} (transcript, summary, tool values)`,
    );
  }
  // What this writes is what `send call --scenario` reads: checked against the same schema.
  const checked = scenarioSchema.safeParse(scenario);
  if (!checked.success) throw new Error(`the scenario of call ${callId} does not fit the scenario schema: ${checked.error.message}`);
  const text = `${JSON.stringify(scenario, null, 2)}\n`;
  const tools = scenario.turns.filter((turn) => 'tools' in turn).length;
  if (options.out === undefined) {
    io.stdout.write(text);
  } else {
    // The scenario holds a caller's words and numbers unless redacted: readable by its owner only.
    writeOutputFile('--out', options.out, text, { replace: options.force === true, createFolder: true });
  }
  reporter.note(
    `scenario of call ${callId}: ${scenario.turns.length} turns, ${tools} with tool calls, from ${callEvents.length} requests${options.out !== undefined ? ` → ${options.out}` : ''}`,
  );
}

function parseReply(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** --call, else the only call, else the latest complete one (the last to start). */
function chooseCall(calls: Map<string, RecordedEvent[]>, wanted: string | undefined, label: string): [string, RecordedEvent[]] {
  if (wanted !== undefined) {
    const events = calls.get(wanted);
    if (events === undefined) throw new InputError(`no requests of call ${wanted} in ${label}`);
    return [wanted, events];
  }
  const all = [...calls];
  if (all.length === 0) throw new InputError(`no calls in ${label}: no request with a message.call.id`);
  if (all.length === 1) return all[0]!;
  const complete = all.filter(([, events]) => isComplete(events));
  const latest = complete.at(-1);
  if (latest === undefined)
    throw new InputError(
      `${all.length} calls in ${label} and none complete (no end-of-call-report): choose one with --call ${all
        .map(([id]) => id)
        .slice(0, 3)
        .join(', ')}…`,
    );
  return latest;
}
