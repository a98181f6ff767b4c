import type { CommandContext } from '../../cli/command-context.js';
import { scenarioFromCaptures } from '../../engine/scenario-from-captures.js';
import { writeOutputFile } from '../../output-file.js';
import { Reporter } from '../../output/reporter.js';
import type { ScenarioFromOptions } from './command.js';

/** `scenario from`: the captured requests of one call, written as a scenario that `send call --scenario` plays. */
export async function runScenarioFrom(source: string, options: ScenarioFromOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const made = await scenarioFromCaptures({
    source,
    stdin: io.stdin,
    ...(options.call !== undefined ? { callId: options.call } : {}),
    redact: options.redact === true,
    onNote: (text) => reporter.note(text),
  });
  const { scenario, redacted } = made;
  const text = `${JSON.stringify(scenario, null, 2)}\n`;
  // The scenario holds a caller's words and numbers unless redacted: readable by its owner only.
  if (options.out !== undefined) writeOutputFile('--out', options.out, text, { replace: options.force === true, createFolder: true });
  const toolTurns = scenario.turns.filter((turn) => 'tools' in turn).length;
  if (reporter.json) {
    reporter.record({
      type: 'written_scenario',
      call_id: made.callId,
      turns: scenario.turns.length,
      tool_turns: toolTurns,
      requests: made.requests,
      complete: made.complete,
      out: options.out ?? null,
      redacted: redacted === undefined ? null : { phone_numbers: redacted.phoneNumbers, names: redacted.names, texts: redacted.texts },
      // Without --out the scenario itself is the result.
      ...(options.out === undefined ? { scenario } : {}),
    });
    return;
  }
  if (options.out === undefined) io.stdout.write(text);
  if (redacted !== undefined) {
    const { phoneNumbers, names, texts } = redacted;
    reporter.note(
      `redacted: ${phoneNumbers} phone number${phoneNumbers === 1 ? '' : 's'}, ${names} name${names === 1 ? '' : 's'}, ${texts} text${texts === 1 ? '' : 's'} (transcript, summary, tool values)`,
    );
  }
  reporter.note(
    `scenario of call ${made.callId}: ${scenario.turns.length} turns, ${toolTurns} with tool calls, from ${made.requests} requests${options.out !== undefined ? ` → ${options.out}` : ''}`,
  );
}
