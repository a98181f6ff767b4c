import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { answerFor, parseReplyPlan } from '../../src/receiving/reply-plan.js';

const toolCalls = (dialect: 'hms' | 'flireo') => loadFixture('tool-calls/several-tools', { dialect }).document;

describe('reply plan: what listen answers', () => {
  it('refuses a plan that is not keyed by event, or tool results that are not per tool', () => {
    assert.throws(() => parseReplyPlan([], 'r.json'), /--reply r\.json: expected an object keyed by event/);
    assert.throws(() => parseReplyPlan({ 'tool-call': {} }, 'r.json'), /unknown event "tool-call"/);
    assert.throws(() => parseReplyPlan({ 'tool-calls': 'ok' }, 'r.json'), /"tool-calls" must map tool names to results/);
    assert.deepEqual(parseReplyPlan({ 'status-update': {} }, 'r.json'), { 'status-update': {} });
  });

  it('answers each tool call by its name, then "*", then a default, with the request ids', () => {
    const plan = parseReplyPlan({ 'tool-calls': { lookup_contact: { name: 'Jan' }, '*': 'done' } }, 'r.json');
    const reply = answerFor('tool-calls', toolCalls('hms'), 'hms', plan) as { results: Record<string, unknown>[] };
    assert.deepEqual(reply.results[0], { tool_call_id: 'tool_abc123def456', result: { name: 'Jan' } });
    assert.equal(reply.results[1]!.result, 'done');
    const fallback = answerFor('tool-calls', toolCalls('hms'), 'hms', {}) as { results: { result: { note: string } }[] };
    assert.match(fallback.results[0]!.result.note, /default reply of hms-webhook listen/);
  });

  it('a tool named like an Object.prototype property gets the "*" result, not that property', () => {
    const request = { message: { tool_call_list: [{ id: 'tool_1', function: { name: 'toString', arguments: {} } }] } };
    const reply = answerFor('tool-calls', request, 'hms', { 'tool-calls': { '*': 'done' } }) as { results: { result: unknown }[] };
    assert.equal(reply.results[0]!.result, 'done');
  });

  it('keys the ids the way the dialect reads them', () => {
    const reply = answerFor('tool-calls', toolCalls('flireo'), 'flireo', {}) as { results: Record<string, unknown>[] };
    assert.ok(reply.results.every((result) => 'toolCallId' in result && !('tool_call_id' in result)));
  });

  it('assistant-request: the plan, else the transient assistant fixture; other events: {}', () => {
    const assistant = { assistant: { name: 'Receptie' } };
    assert.deepEqual(answerFor('assistant-request', {}, 'hms', { 'assistant-request': assistant }), assistant);
    assert.deepEqual(
      answerFor('assistant-request', {}, 'hms', {}),
      loadFixture('assistant-request/transient', { kind: 'reply', dialect: 'hms' }).document,
    );
    assert.deepEqual(answerFor('status-update', {}, 'hms', {}), {});
    assert.deepEqual(answerFor(undefined, {}, 'hms', {}), {});
  });
});
