import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadScenario } from '../../src/platform/scenario.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { correctReplies, type Received, type Responder, recordCalls, startReceiver } from '../receiver.js';

const SECRET = 'scenario-secret-19be';
const dir = temporaryFolder('hms-scenario-');
type Message = Record<string, any>;
const messageOf = (request: Received): Message => (JSON.parse(request.body.toString('utf8')) as { message: Message }).message;

/** A receiver that looks the caller up by name and phone number: personal data in its tool results too. */
const crmReceiver: Responder = (request) => {
  const message = messageOf(request);
  if (message.type !== 'tool-calls') return correctReplies(request);
  const flireo = 'toolCallList' in message;
  const list = (flireo ? message.toolCallList : message.tool_call_list) as { id: string; function: { name: string } }[];
  return {
    body: JSON.stringify({
      results: list.map((call) => ({
        [flireo ? 'toolCallId' : 'tool_call_id']: call.id,
        result:
          call.function.name === 'lookup_contact'
            ? { found: true, name: 'Jan de Vries', phone: '+31612345678', patient_id: 'P-1042' }
            : { booked: true, date: '2025-12-18', time: '10:30' },
      })),
    }),
  };
};

const record = (file: string, calls: string[][]) => recordCalls(file, SECRET, crmReceiver, calls);

describe('scenario from: a captured call as a scenario', () => {
  const file = join(dir, 'call.jsonl');
  before(() => record(file, [[]]));

  it('gives back the call that was played: numbers, transcript with its tool calls, end, summary, and the recorded tool results', async () => {
    const result = await runCli(['scenario', 'from', file]);
    assert.equal(result.code, 0, result.stderr);
    const scenario = JSON.parse(result.stdout);
    const { scenario: original } = await loadScenario({ name: 'book-appointment' });
    assert.deepEqual(scenario.turns, original.turns);
    assert.deepEqual(scenario.phone_number, original.phone_number);
    assert.deepEqual(scenario.customer, original.customer);
    assert.equal(scenario.end_reason, original.end_reason);
    assert.equal(scenario.summary, original.summary);
    assert.deepEqual(scenario.tool_results, {
      lookup_contact: { found: true, name: 'Jan de Vries', phone: '+31612345678', patient_id: 'P-1042' },
      book_appointment: { booked: true, date: '2025-12-18', time: '10:30' },
    });
    assert.match(result.stderr, /scenario of call [\w-]+: 7 turns, 2 with tool calls, from 6 requests/);
  });

  it('--redact leaves none of the phone numbers or names, keeps country codes and lengths, and maps a value to one stand-in', async () => {
    const out = join(dir, 'redacted.json');
    const result = await runCli(['scenario', 'from', file, '--redact', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const text = readFileSync(out, 'utf8');
    const captured = readFileSync(file, 'utf8');
    for (const personal of [
      '+31850835037',
      '+31612345678',
      '31612345678',
      'Jan de Vries',
      'Jan',
      'Vries',
      'HMS Sovereign Demo',
      'Tandarts',
      'P-1042',
    ]) {
      assert.ok(captured.includes(personal), `the capture holds ${personal}`);
      assert.ok(!text.includes(personal), `the redacted scenario holds ${personal}`);
    }
    const scenario = JSON.parse(text);
    assert.match(scenario.customer.number, /^\+31\d{9}$/);
    assert.match(scenario.phone_number.number, /^\+31\d{9}$/);
    assert.notEqual(scenario.customer.number, scenario.phone_number.number);
    assert.equal(scenario.tool_results.lookup_contact.phone, scenario.customer.number, 'the same number, the same stand-in');
    assert.equal(scenario.turns[2].tools[0].arguments.query, scenario.tool_results.lookup_contact.name, 'the same name, the same stand-in');
    assert.equal(scenario.turns[5].tools[0].arguments.date, '2025-12-18', 'dates are kept');
    assert.match(result.stderr, /redacted: 2 phone numbers, 2 names, \d+ texts/);
    // What it writes is a scenario that plays.
    const played = await runCli(['demo', '--scenario', out, '--json']);
    assert.equal(played.code, 0, played.stdout + played.stderr);
  });

  it('plays against a receiver with send call --scenario', async () => {
    const out = join(dir, 'plain.json');
    assert.equal((await runCli(['scenario', 'from', file, '--out', out])).code, 0);
    const receiver = await startReceiver(SECRET, correctReplies);
    try {
      const played = await runCli(['send', 'call', '--scenario', out, '--to', receiver.url, '--secret', SECRET, '--json']);
      assert.equal(played.code, 0, played.stdout);
      assert.deepEqual(jsonLines(played.stdout).at(-1)?.passed, 6);
    } finally {
      await receiver.close();
    }
  });
});

describe('scenario from: choosing the call', () => {
  it('takes --call, else the latest complete call; a flireo call is written in the hms dialect', async () => {
    const file = join(dir, 'calls.jsonl');
    await record(file, [[], ['opening-hours', '--dialect', 'flireo']]);
    const ids = [
      ...new Set(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(JSON.parse(line).body).message.call.id as string),
      ),
    ];
    const latest = await runCli(['scenario', 'from', file]);
    assert.equal(latest.code, 0, latest.stderr);
    assert.ok(latest.stderr.includes(`call ${ids[1]}`));
    assert.ok(!latest.stdout.includes('phoneNumber'), 'hms keys');
    const first = await runCli(['scenario', 'from', file, '--call', ids[0]!]);
    assert.ok(first.stderr.includes(`call ${ids[0]}`));
    const missing = await runCli(['scenario', 'from', file, '--call', 'nope']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `hms-webhook: no requests of call nope in ${file}\n`);
  });

  it('several calls and none complete: exit 2, naming the calls', async () => {
    const file = join(dir, 'incomplete.jsonl');
    const line = (id: string) =>
      JSON.stringify({
        method: 'POST',
        path: '/',
        headers: {},
        body: JSON.stringify({ message: { type: 'status-update', call: { id, status: 'in-progress' } } }),
      });
    writeFileSync(file, `${line('a')}\n${line('b')}\n`);
    const result = await runCli(['scenario', 'from', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: 2 calls in .* and none complete .*: choose one with --call a, b…\n$/);
    const empty = await runCli(['scenario', 'from', file, '--call', 'a']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /has no transcript and no tool calls: nothing to play/);
  });
});
