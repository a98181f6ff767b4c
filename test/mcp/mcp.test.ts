import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { probeReceiver } from '../../src/engine/probe-receiver.js';
import { probeJson } from '../../src/commands/probe/render.js';
import { documentJson } from '../../src/commands/validate/render.js';
import { validateText } from '../../src/engine/validate-documents.js';
import type { Listener } from '../../src/receiving/listener.js';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { nodeFirstOnPath, ROOT, temporaryFolder } from '../helpers.js';
import { type InstalledPackage, installPacked } from '../installed/packed.js';
import { correctReplies, startBuiltInListener, startReceiver } from '../receiver.js';

// `hms-webhook mcp` from the installed package, driven by the MCP SDK's own client over stdio, as a
// coding agent drives it: each tool against real receivers on 127.0.0.1, a correct one and one with a
// planted bug, and the refusals the server owes its user.

const SECRET = 'mcp-secret-5c1e';
const dir = temporaryFolder('hms-mcp-');
const root = join(dir, 'root');
let installed: InstalledPackage;
let client: Client;
let correct: Listener;
let buggy: Awaited<ReturnType<typeof startReceiver>>;
let recording: Listener;

interface ToolResult {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: { ok: boolean; records: Record<string, any>[]; cursor?: number };
}

const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolResult;

/**
 * A receiver with two planted bugs: it verifies the signature over JSON.stringify of the parsed body
 * (the commonest mistake: only a body written otherwise shows it), and it answers tool-calls with an empty results list.
 */
function buggyReceiver() {
  return startReceiver(SECRET, (request) => {
    const timestamp = String(request.headers['x-webhook-timestamp']);
    let body: string;
    try {
      body = JSON.stringify(JSON.parse(request.body.toString('utf8')));
    } catch {
      return { status: 400, body: '{"error":"not JSON"}' };
    }
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
    if (request.headers['x-webhook-signature'] !== expected) return { status: 401, body: '{"error":"bad signature"}' };
    return request.headers['x-webhook-event'] === 'tool-calls' ? { status: 200, body: '{"results":[]}' } : correctReplies(request);
  });
}

before(async () => {
  installed = await installPacked(dir);
  mkdirSync(root, { recursive: true });
  correct = await startBuiltInListener(SECRET);
  recording = await startBuiltInListener(SECRET, { save: join(root, 'captures.jsonl') });
  buggy = await buggyReceiver();
  const transport = new StdioClientTransport({
    command: installed.bin,
    args: ['mcp', '--root', root],
    env: { PATH: nodeFirstOnPath(), HMS_WEBHOOK_SECRET: SECRET },
    stderr: 'pipe',
  });
  client = new Client({ name: 'hms-webhook-test', version: '1' });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  await correct?.close();
  await buggy?.close();
  await recording?.close();
});

/** The installed server spoken to in raw JSON-RPC lines: initialized, then messages sent and awaited by hand. */
function rawServer() {
  const child = spawn(installed.bin, ['mcp', '--root', root], {
    env: { PATH: nodeFirstOnPath(), HMS_WEBHOOK_SECRET: SECRET },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  const messages: Record<string, any>[] = [];
  const waiting: { test: (message: Record<string, any>) => boolean; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    stdout = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as Record<string, any>;
      messages.push(message);
      for (const waiter of waiting.filter((w) => w.test(message))) waiter.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const send = (value: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...value })}\n`);
  send({
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  send({ method: 'notifications/initialized' });
  return {
    messages,
    send,
    until: (test: (message: Record<string, any>) => boolean) =>
      messages.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ test, resolve })),
    end: () => {
      child.stdin.end();
      return exited;
    },
    unparsed: () => stdout,
  };
}

describe('hms-webhook mcp: the tools, called by the SDK client', () => {
  it('lists its tools, each with an input schema', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'check_tools',
      'explain_signature',
      'fuzz_tools',
      'list_fixtures',
      'play_call',
      'probe',
      'read_listener',
      'replay',
      'send_event',
      'start_listener',
      'stop_listener',
      'validate',
      'verify_captures',
    ]);
    for (const tool of tools) assert.equal(tool.inputSchema.type, 'object', tool.name);
  });

  it('list_fixtures: the names send_event and play_call take', async () => {
    const result = await call('list_fixtures', {});
    const names = result.structuredContent!.records.map((record) => record.name);
    assert.ok(names.includes('status-update/ended') && names.includes('book-appointment'), names.join(' '));
  });

  it('send_event: a signed event passes at a correct receiver; a tampered one is refused, which is its pass', async () => {
    const sent = await call('send_event', { to: correct.url, fixture: 'tool-calls' });
    assert.equal(sent.structuredContent!.ok, true, sent.content[0]!.text);
    assert.equal(sent.structuredContent!.records[0]!.status, 200);
    const forged = await call('send_event', { to: correct.url, fixture: 'status-update', forgery: 'tamper', expect_status: '401' });
    assert.equal(forged.structuredContent!.records[0]!.status, 401);
    assert.equal(forged.structuredContent!.ok, true);
  });

  it('play_call: six steps pass at a correct receiver; at the planted bug the call fails and says which step and why', async () => {
    const good = await call('play_call', { to: correct.url });
    assert.equal(good.structuredContent!.ok, true, good.content[0]!.text);
    assert.equal(good.structuredContent!.records.length, 6);
    const bad = await call('play_call', { to: buggy.url });
    assert.equal(bad.structuredContent!.ok, false);
    assert.match(bad.content[0]!.text, /^the call failed:\nstep 3 tool-calls lookup_contact: schema: results: results is empty/);
  });

  it('play_call with routes and a check URL: the routed tool called at the receiver, the check after each step and at the end', async () => {
    const checks = await startReceiver(undefined, () => ({ status: 200, body: 'ok' }));
    try {
      const args = { to: correct.url, scenario: 'confirm-by-sms', routes: { book_appointment: correct.url }, check_url: checks.url };
      const result = await call('play_call', args);
      assert.equal(result.structuredContent!.ok, true, result.content[0]!.text);
      assert.ok(checks.received.length > 0);
      assert.ok(checks.received.every((request) => request.method === 'GET' && /[?&]phase=(step|end)/.test(request.url)));
      assert.ok(checks.received.some((request) => /[?&]phase=end/.test(request.url)));
      const remote = await call('play_call', { ...args, routes: { book_appointment: 'https://agenda.example.com/tools' } });
      assert.equal(remote.isError, true);
      assert.match(remote.content[0]!.text, /agenda\.example\.com is off this machine/);
    } finally {
      await checks.close();
    }
  });

  it('play_call with calls: the tally; progress after each call, every one sent before the result', async () => {
    const many = await call('play_call', { to: correct.url, calls: 5 });
    assert.equal(many.content[0]!.text, '5 of 5 calls passed');
    assert.equal(many.structuredContent!.records[0]!.type, 'summary');
    // Seen on the wire, in order: the SDK's client may drop a notification that arrives just before the answer.
    const server = rawServer();
    server.send({
      id: 2,
      method: 'tools/call',
      params: { name: 'play_call', arguments: { to: correct.url, calls: 5 }, _meta: { progressToken: 7 } },
    });
    await server.until((message) => message.id === 2);
    assert.equal(await server.end(), 0);
    assert.deepEqual(
      server.messages
        .slice(1)
        .map((message) =>
          message.id === 2 ? 'result' : `${message.params.progressToken}:${message.params.progress}/${message.params.total}`,
        ),
      ['7:1/5', '7:2/5', '7:3/5', '7:4/5', '7:5/5', 'result'],
    );
  });

  it('play_call cancelled after its first call: no new call starts, and the server ends once those under way are done', async () => {
    let requests = 0;
    const counted = await startBuiltInListener(SECRET, { onEvent: () => requests++ });
    const server = rawServer();
    server.send({
      id: 2,
      method: 'tools/call',
      params: { name: 'play_call', arguments: { to: counted.url, calls: 500 }, _meta: { progressToken: 'p' } },
    });
    await server.until((message) => message.method === 'notifications/progress');
    server.send({ method: 'notifications/cancelled', params: { requestId: 2, reason: 'the agent moved on' } });
    // The agent goes: the server exits once the calls it had started are done, so every request is counted.
    assert.equal(await server.end(), 0);
    await counted.close();
    assert.ok(requests > 0 && requests < 100 * 6, `${requests} requests of 500 calls`);
  });

  it('probe: the same verdicts the library gives; the planted bug named, with the fix', async () => {
    const good = await call('probe', { to: correct.url });
    assert.equal(good.structuredContent!.ok, true, good.content[0]!.text);
    const library = await probeReceiver({ url: new URL(correct.url), secret: SECRET, timeoutMs: 10_000 });
    assert.deepEqual(
      good.structuredContent!.records.map((record) => [record.case, record.verdict]),
      library.results.map(probeJson).map((record) => [record.case, record.verdict]),
    );
    const bad = await call('probe', { to: buggy.url });
    assert.equal(bad.structuredContent!.ok, false);
    assert.match(bad.content[0]!.text, /^your receiver .*re-serialis/);
  });

  it('check_tools: the fixture assistant, its routed tool sent to the listener', async () => {
    const assistant = JSON.stringify(loadFixture('assistant-request/with-tools', { kind: 'reply' }).document);
    const result = await call('check_tools', { to: correct.url, assistant, routes: { book_appointment: correct.url } });
    assert.equal(result.structuredContent!.ok, true, result.content[0]!.text);
    assert.ok(result.structuredContent!.records.length >= 2);
  });

  it('verify_captures: a call a listener saved under the root verifies, request by request', async () => {
    assert.equal((await call('play_call', { to: recording.url })).structuredContent!.ok, true);
    const result = await call('verify_captures', { file: 'captures.jsonl' });
    assert.equal(result.structuredContent!.ok, true, result.content[0]!.text);
    assert.equal(result.content[0]!.text, '6 passed, 0 failed');
    assert.equal(result.structuredContent!.records.length, 6);
  });

  it('validate: the records the library gives; a broken payload named by its path', async () => {
    const payload = JSON.stringify(loadFixture('tool-calls').document);
    const valid = await call('validate', { json: payload });
    assert.equal(valid.structuredContent!.ok, true, valid.content[0]!.text);
    const library = await validateText(payload, 'json');
    assert.deepEqual(valid.structuredContent!.records, library.results.map(documentJson));
    const broken = JSON.parse(payload) as { message: Record<string, unknown> };
    delete broken.message.call;
    const invalid = await call('validate', { json: JSON.stringify(broken) });
    assert.equal(invalid.structuredContent!.ok, false);
    assert.match(invalid.content[0]!.text, /^message\.call: /m);
    const reply = await call('validate', { json: '{"results":[]}', reply: 'tool-calls' });
    assert.match(reply.content[0]!.text, /results is empty/);
  });

  it('start_listener, read_listener from a cursor, stop_listener: a call forwarded to the receiver, saved under the root', async () => {
    const started = await call('start_listener', { forward_to: correct.url, save: 'forwarded.jsonl' });
    assert.equal(started.structuredContent!.ok, true, started.content[0]!.text);
    const url = started.structuredContent!.records[0]!.url as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const again = await call('start_listener', {});
    assert.equal(again.isError, true);
    assert.match(again.content[0]!.text, /a listener is running at .*: stop_listener first/);
    assert.equal((await call('play_call', { to: url })).structuredContent!.ok, true);
    const first = await call('read_listener', {});
    assert.equal(first.structuredContent!.records.length, 6);
    assert.ok(first.structuredContent!.records.every((record) => record.passed && record.forward?.status === 200));
    assert.equal(first.structuredContent!.cursor, 6);
    // A forgery's event comes once its diagnosis is made, after the 401: stopping waits for it.
    await call('send_event', { to: url, fixture: 'status-update', forgery: 'wrong-secret', expect_status: '401' });
    const stopped = await call('stop_listener', {});
    assert.equal(stopped.content[0]!.text, 'stopped: 6 passed, 1 failed');
    assert.deepEqual(
      stopped.structuredContent!.records.map((record) => [record.type, record.event ?? null, record.failed ?? record.passed]),
      [
        ['event', 'status-update', false],
        ['summary', null, 1],
      ],
      'the request not read yet, then the summary',
    );
    assert.equal((await call('verify_captures', { file: 'forwarded.jsonl' })).content[0]!.text, '6 passed, 1 failed');
    const outside = await call('start_listener', { save: '../escaped.jsonl' });
    assert.match(outside.content[0]!.text, /is outside .*: the server writes files only under the folder it was started with/);
  });

  it('fuzz_tools: the fixture assistant passes at a correct receiver; the planted bug is found and shrunk', async () => {
    const assistant = JSON.stringify(loadFixture('assistant-request/with-tools', { kind: 'reply' }).document);
    const good = await call('fuzz_tools', { to: correct.url, assistant, routes: { book_appointment: correct.url }, runs: 5, seed: 3 });
    assert.equal(good.structuredContent!.ok, true, good.content[0]!.text);
    const bad = await call('fuzz_tools', { to: buggy.url, assistant, routes: { book_appointment: buggy.url }, runs: 5, seed: 3 });
    assert.equal(bad.structuredContent!.ok, false);
    assert.match(bad.content[0]!.text, /^lookup_contact: /);
  });

  it('replay: the saved call sent again, its replies compared with the recorded ones', async () => {
    const result = await call('replay', { file: 'captures.jsonl', to: correct.url, compare: true });
    assert.equal(result.structuredContent!.ok, true, result.content[0]!.text);
    assert.equal(result.content[0]!.text, '6 passed');
  });

  it('explain_signature: a body re-serialised after signing is named as such', async () => {
    const body = JSON.stringify(loadFixture('status-update/ended').document, null, 2);
    const headers = sign({ body, secret: SECRET });
    const result = await call('explain_signature', { body: JSON.stringify(JSON.parse(body)), headers });
    assert.equal(result.structuredContent!.ok, false);
    assert.match(result.content[0]!.text, /re-serialis/);
  });
});

describe('hms-webhook mcp: the resources', () => {
  const text = async (uri: string) => ((await client.readResource({ uri })).contents[0] as { text: string }).text;

  it('a fixture and a JSON Schema, as the CLI prints them; the reference names every event with its deadline', async () => {
    assert.deepEqual(
      JSON.parse(await text('hms-webhook://fixtures/reply/tool-calls/results')),
      loadFixture('tool-calls/results', { kind: 'reply' }).document,
    );
    const schema = JSON.parse(await text('hms-webhook://schemas/flireo/tool-calls/reply')) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const reference = await text('hms-webhook://reference');
    assert.match(reference, /## assistant-request\n\n.*\n\nThe reply must come within 5 s\./);
    assert.match(reference, /## tool-calls\n\n.*\n\nThe reply must come within 10 s\./);
    assert.match(reference, /- `assistant-request\/transient`: /);
  });

  it("the listener's events so far, one JSON line each, as listen --json prints them", async () => {
    const started = await call('start_listener', {});
    const url = started.structuredContent!.records[0]!.url as string;
    await call('send_event', { to: url, fixture: 'tool-calls' });
    const lines = (await text('hms-webhook://listener/events'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => [line.type, line.event, line.passed]),
      [['event', 'tool-calls', true]],
    );
    await call('stop_listener', {});
  });
});

describe('docs/mcp.md: its worked example quotes what the server returned', () => {
  it('the failed call, the probe of the planted bug, and both after the fix', async () => {
    const page = readFileSync(join(ROOT, 'docs/mcp.md'), 'utf8');
    const quoted = (text: string) => assert.ok(page.includes(text), `docs/mcp.md quotes:\n${text}`);
    quoted(`\`\`\`text\n${(await call('play_call', { to: buggy.url })).content[0]!.text}\n\`\`\``);
    quoted(`\`\`\`text\n${(await call('probe', { to: buggy.url })).content[0]!.text}\n\`\`\``);
    quoted(`\`probe\` then returns \`${(await call('probe', { to: correct.url })).content[0]!.text}\``);
    quoted(`\`play_call\` returns \`${(await call('play_call', { to: correct.url })).content[0]!.text}\``);
  });
});

describe('hms-webhook mcp: what a tool call cannot do', () => {
  it('send to a host off this machine, read a file outside the root, or carry the secret', async () => {
    const remote = await call('send_event', { to: 'https://receiver.example.com/webhooks', fixture: 'status-update' });
    assert.equal(remote.isError, true);
    assert.match(remote.content[0]!.text, /receiver\.example\.com is off this machine: .*--allow-remote/);
    writeFileSync(join(dir, 'outside.jsonl'), '');
    const outside = await call('verify_captures', { file: '../outside.jsonl' });
    assert.equal(outside.isError, true);
    assert.match(outside.content[0]!.text, /is outside .*root: the server reads files only under the folder it was started with/);
    const secret = await call('send_event', { to: correct.url, fixture: 'status-update', set: [`message.note=${SECRET}`] });
    assert.equal(secret.isError, true);
    assert.match(secret.content[0]!.text, /an argument holds the webhook secret/);
    for (const result of [remote, outside, secret]) assert.ok(!JSON.stringify(result).includes(SECRET.slice(4)), 'never the secret');
  });

  it('writes nothing to stdout but protocol messages, and exits 0 when the agent closes stdin', async () => {
    const server = rawServer();
    server.send({ id: 2, method: 'tools/call', params: { name: 'send_event', arguments: { to: correct.url, fixture: 'status-update' } } });
    await server.until((message) => message.id === 2);
    assert.equal(await server.end(), 0);
    // Every line parsed as JSON-RPC (a stray line would have thrown in the reader), and none is left over.
    assert.deepEqual(
      server.messages.map((message) => [message.jsonrpc, message.id]),
      [
        ['2.0', 1],
        ['2.0', 2],
      ],
    );
    assert.equal(server.unparsed(), '');
  });
});
