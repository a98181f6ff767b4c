import assert from 'node:assert/strict';
import { it } from 'node:test';

it('the package exports its library API by name, types included', async () => {
  const library = await import('hms-webhook');
  const body = JSON.stringify(library.loadFixture('status-update/ended').document);
  const headers = library.sign({ body, secret: 's3cret', timestamp: 1_765_627_200 });
  assert.deepEqual(library.verify({ body, headers, secrets: 's3cret', now: 1_765_627_200 }), { ok: true, secretIndex: 0 });
  assert.deepEqual(library.validatePayload(JSON.parse(body)).errors, []);
  assert.deepEqual([...library.EVENTS], ['assistant-request', 'status-update', 'tool-calls', 'end-of-call-report']);
});

it('throws library errors that carry their exit code, not CLI usage errors', async () => {
  const library = await import('hms-webhook');
  assert.throws(
    () => library.loadFixture('status-update/paused'),
    (error: unknown) =>
      error instanceof library.InputError && error instanceof library.HmsWebhookError && error.exitCode === library.EXIT.cannotRun,
  );
});

it('isPayloadOf narrows a verified payload by its message.type, and only by that', async () => {
  const { isPayloadOf, loadFixture } = await import('hms-webhook');
  const toolCalls: unknown = loadFixture('tool-calls').document;
  assert.equal(isPayloadOf(toolCalls, 'tool-calls'), true);
  if (isPayloadOf(toolCalls, 'tool-calls')) assert.ok(toolCalls.message.tool_call_list.length > 0);
  assert.equal(isPayloadOf(toolCalls, 'status-update'), false);
  for (const other of [null, 'tool-calls', { message: null }, { message: { type: 'Tool-Calls' } }, { type: 'tool-calls' }])
    assert.equal(isPayloadOf(other, 'tool-calls'), false, JSON.stringify(other));
});
