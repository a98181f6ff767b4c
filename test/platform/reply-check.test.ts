import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { checkReceivedReply, type RecordedReply, statusMatches } from '../../src/platform/reply-check.js';

const request = loadFixture('tool-calls/one-tool').document;
const reply = (body: unknown, extra: Partial<RecordedReply> = {}): RecordedReply => ({
  status: 200,
  contentType: 'application/json',
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  ...extra,
});
const failures = (verdict: ReturnType<typeof checkReceivedReply>) =>
  verdict.checks.filter((c) => c.severity === 'failure').map((c) => c.name);

describe('reply check: a receiver reply as the platform uses it', () => {
  it('statusMatches: exact codes and classes', () => {
    assert.ok(statusMatches(204, '2xx'));
    assert.ok(statusMatches(401, '4xx'));
    assert.ok(statusMatches(401, '401'));
    assert.ok(!statusMatches(403, '401'));
    assert.ok(!statusMatches(500, '2xx'));
  });

  it('a result for each tool call id passes, and says what the assistant is given', () => {
    const verdict = checkReceivedReply({
      event: 'tool-calls',
      dialect: 'hms',
      request,
      reply: reply({ results: [{ tool_call_id: 'tool_abc123def456', result: { found: true } }] }, { latencyMs: 120 }),
    });
    assert.equal(verdict.ok, true, JSON.stringify(verdict.checks));
    assert.deepEqual(verdict.parsed, { results: [{ tool_call_id: 'tool_abc123def456', result: { found: true } }] });
    assert.ok(verdict.outcome.some((line) => line.includes('tool_abc123def456')));
  });

  it('the deadline: late fails and names what the platform does instead; over 80 % warns', () => {
    const late = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply({ result: 'x' }, { latencyMs: 10_001 }) });
    assert.deepEqual(failures(late), ['deadline']);
    assert.match(
      late.checks.find((c) => c.name === 'deadline')!.message,
      /late: 10\.00 s, the platform waits 10\.00 s and then goes on without the result/,
    );
    const close = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply({ result: 'x' }, { latencyMs: 8_500 }) });
    assert.equal(close.ok, true);
    assert.equal(close.checks.find((c) => c.name === 'deadline')!.severity, 'warning');
    const unknown = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply({ result: 'x' }) });
    assert.equal(
      unknown.checks.find((c) => c.name === 'deadline'),
      undefined,
      'no latency, no deadline verdict',
    );
  });

  it('a body that is not JSON, or empty, fails only where the platform reads it', () => {
    assert.deepEqual(failures(checkReceivedReply({ event: 'assistant-request', dialect: 'hms', request: {}, reply: reply('OK') })), [
      'json',
    ]);
    assert.deepEqual(failures(checkReceivedReply({ event: 'assistant-request', dialect: 'hms', request: {}, reply: reply('') })), ['json']);
    assert.equal(checkReceivedReply({ event: 'status-update', dialect: 'hms', request: {}, reply: reply('OK') }).ok, true);
  });

  it('a non-2xx fails unless it was expected, and the body is then not read', () => {
    const refused = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply('nope', { status: 401 }) });
    assert.deepEqual(failures(refused), ['status']);
    const expected = checkReceivedReply({
      event: 'tool-calls',
      dialect: 'hms',
      request,
      reply: reply('nope', { status: 401 }),
      expectStatus: '4xx',
    });
    assert.equal(expected.ok, true);
  });

  it('results that answer no tool call of the request fail: the assistant gets nothing', () => {
    for (const body of [{ results: [] }, { results: [{ tool_call_id: 'tool_other', result: 1 }] }]) {
      const verdict = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply(body) });
      assert.equal(verdict.ok, false, JSON.stringify(body));
      assert.ok(verdict.checks.some((c) => c.severity === 'failure' && /results is empty|no result answers a tool call/.test(c.message)));
    }
  });

  it('a wrong Content-Type warns; a schema error fails', () => {
    const text = checkReceivedReply({
      event: 'assistant-request',
      dialect: 'hms',
      request: {},
      reply: reply({ assistant_id: 'asst_1' }, { contentType: 'text/plain' }),
    });
    assert.equal(text.ok, true);
    assert.ok(text.checks.some((c) => c.name === 'json' && c.severity === 'warning'));
    const wrong = checkReceivedReply({ event: 'tool-calls', dialect: 'hms', request, reply: reply({ results: 'x' }) });
    assert.deepEqual(failures(wrong), ['schema']);
  });
});
