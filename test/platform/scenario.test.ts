import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallScript, type CallStep, loadScenario } from '../../src/platform/scenario.js';

const NOW = 1_763_900_000;
type Message = Record<string, any>;
const message = (step: CallStep) => step.document.message as Message;

/** Plays a script to its end, answering each step with `reply(step)`. */
function play(script: CallScript, reply: (step: CallStep) => unknown = () => ({})): CallStep[] {
  const steps: CallStep[] = [];
  for (let step = script.next(); step !== undefined; step = script.next()) {
    steps.push(step);
    script.answer(step, reply(step));
  }
  return steps;
}

describe('scenario: a call as the platform plays it, with no network', () => {
  it('book-appointment: the events in order, one call id, times that fit together, ending now', async () => {
    const { scenario } = await loadScenario({ name: 'book-appointment' });
    const script = new CallScript(scenario, { dialect: 'hms', now: NOW });
    const steps = play(script);
    assert.deepEqual(
      steps.map((s) => s.event),
      ['assistant-request', 'status-update', 'tool-calls', 'tool-calls', 'status-update', 'end-of-call-report'],
    );
    assert.ok(steps.every((s) => message(s).call.id === script.callId));
    const times = steps.map((s) => Date.parse(message(s).timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'in order',
    );
    assert.ok(times.at(-1)! <= NOW * 1000, 'none in the future');
    const report = message(steps.at(-1)!);
    assert.equal(report.duration_seconds, (Date.parse(report.ended_at) - Date.parse(report.started_at)) / 1000);
  });

  it('the assistant of the reply is echoed in every later event, tool results go into the transcript', async () => {
    const { scenario } = await loadScenario({ name: 'book-appointment' });
    const script = new CallScript(scenario, { dialect: 'hms', now: NOW });
    const steps = play(script, (step) =>
      step.event === 'assistant-request'
        ? { assistant: { name: 'Receptie', metadata: { env: 'test' } } }
        : step.event === 'tool-calls'
          ? { results: step.toolCallIds.map((id) => ({ tool_call_id: id, result: { ok: id } })) }
          : {},
    );
    assert.ok(steps.slice(1).every((s) => message(s).assistant?.name === 'Receptie' && message(s).assistant.metadata.env === 'test'));
    const transcript = message(steps.at(-1)!).messages as { role: string; content: string }[];
    assert.ok(transcript.some((turn) => turn.role === 'assistant' && turn.content.includes(steps[2]!.toolCallIds[0]!)));
  });

  it('an {"error"} reply ends the call at once with end_reason rejected', async () => {
    const { scenario } = await loadScenario({ name: 'book-appointment' });
    const steps = play(new CallScript(scenario, { dialect: 'hms', now: NOW }), (step) =>
      step.event === 'assistant-request' ? { error: 'Gesloten.' } : {},
    );
    assert.deepEqual(
      steps.map((s) => s.event),
      ['assistant-request', 'status-update'],
    );
    assert.equal(message(steps[1]!).end_reason, 'rejected');
    assert.equal(message(steps[1]!).error, 'Gesloten.');
  });

  it('--fail and flireo: ended-with-error, camelCase keys', async () => {
    const { scenario } = await loadScenario({ name: 'opening-hours' });
    const steps = play(new CallScript(scenario, { dialect: 'flireo', fail: true, now: NOW }));
    const ended = steps.find((s) => s.event === 'status-update' && s.label === 'ended-with-error');
    assert.ok(ended, 'a status-update ended-with-error');
    assert.ok('phoneNumber' in message(steps[0]!) && !('phone_number' in message(steps[0]!)));
  });

  it('an unknown scenario name is an input error naming the ones there are', async () => {
    await assert.rejects(loadScenario({ name: 'nope' }), /book-appointment/);
  });
});
