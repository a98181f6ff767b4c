import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateReply } from '../../src/platform/schemas/index.js';
import { correctReplies, startReceiver } from '../receiver.js';
import { runCli } from '../helpers.js';

// Replies that look right to their author and that the platform reads otherwise: each passes the
// schema, so each is a warning that names what the platform does with it.

const warningsOf = (event: 'tool-calls' | 'assistant-request', reply: unknown) =>
  validateReply(event, reply, { dialect: 'hms' }).warnings.map((w) => w.message);

describe('replies the platform reads otherwise', () => {
  it('an assistant at the top level, without the assistant wrapper: ignored, the saved assistant is used', () => {
    const warnings = warningsOf('assistant-request', { name: 'Lisa', first_message: 'Hallo' });
    assert.deepEqual(warnings, [
      'name, first_message at the top level: the platform reads an assistant only inside "assistant", so it ignores them and uses the saved assistant — wrap them: {"assistant": {…}}',
    ]);
    assert.deepEqual(warningsOf('assistant-request', { assistant: { name: 'Lisa', first_message: 'Hallo' } }), []);
  });

  it('Go structs without json tags: {"Results":[{"ToolCallID", "Result"}]} is read as a direct result', () => {
    const warnings = warningsOf('tool-calls', { Results: [{ ToolCallID: 'call_1', Result: 'ok' }] });
    assert.deepEqual(warnings, [
      'Results is not results: keys are read as written, so the platform does not read this one (in Go, tag the field `json:"results"`)',
      'so this reply is read as a direct result: the assistant is handed the whole object',
    ]);
    const entry = validateReply('tool-calls', { results: [{ ToolCallId: 'call_1', result: 'ok' }] }, { dialect: 'hms' });
    assert.ok(entry.warnings.some((w) => /^ToolCallId is not tool_call_id/.test(w.message)));
  });

  it('send shows the warning under the reply of a receiver that answers so', async () => {
    const receiver = await startReceiver('s', (request) =>
      request.headers['x-webhook-event'] === 'assistant-request'
        ? { body: '{"name":"Lisa","first_message":"Hallo"}' }
        : correctReplies(request),
    );
    try {
      const result = await runCli(['send', 'assistant-request', '--to', receiver.url, '--secret', 's']);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /name, first_message at the top level: the platform reads an assistant only inside "assistant"/);
    } finally {
      await receiver.close();
    }
  });
});
