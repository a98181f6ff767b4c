import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { temporaryFolder, jsonLines, ROOT, runCli } from '../helpers.js';

const tmp = temporaryFolder('hms-webhook-cli-');
const write = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe('the CLI shell', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  });
  it('--help lists every command with examples and exit codes', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['validate', 'schema', 'fixtures']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match(result.stdout, /Examples:/);
    assert.match(result.stdout, /Exit codes: 0 all good, 1 a check failed, 2 could not run/);
  });
  it('`version` prints the version, as --version does', async () => {
    const [command, flag] = [await runCli(['version']), await runCli(['--version'])];
    assert.deepEqual([command.code, command.stdout], [0, flag.stdout]);
    assert.match(command.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('an unknown command or option is a one-line error with exit 2', async () => {
    for (const args of [
      ['frobnicate'],
      ['validate', '--frob'],
      ['schema', 'call-started'],
      ['schema', 'status-update', '--dialect', 'xml'],
      ['fixtures', 'shwo'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^hms-webhook: /);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.equal(result.stdout, '');
    }
  });
});

describe('validate', () => {
  it('passes the shipped fixtures, with a summary line', async () => {
    const result = await runCli(['validate', 'fixtures/status-update/ended.json', 'fixtures/tool-calls/several-tools.json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /✓ fixtures\/status-update\/ended\.json {2}status-update · hms/);
    assert.match(result.stdout, /^2 passed, 0 failed$/m);
    assert.equal(result.stderr, '');
  });

  it('reports a schema error with its JSON path and line:column, exit 1', async () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'fixtures/tool-calls/one-tool.json'), 'utf8'));
    doc.message.tool_call_list[0].function.arguments = 'query=Jan';
    const file = write('bad-args.json', JSON.stringify(doc, null, 2));
    const result = await runCli(['validate', file]);
    assert.equal(result.code, 1);
    const line =
      JSON.stringify(doc, null, 2)
        .split('\n')
        .findIndex((l) => l.includes('"arguments"')) + 1;
    assert.match(
      result.stdout,
      new RegExp(`bad-args\\.json:${line}:\\d+  message\\.tool_call_list\\[0\\]\\.function\\.arguments: expected record`),
    );
    assert.match(result.stdout, /^0 passed, 1 failed$/m);
  });

  it('marks warnings as such and still passes', async () => {
    const result = await runCli(['validate', 'fixtures/end-of-call-report/minimal.json']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /⚠ .*minimal\.json:2:3 {2}message\.messages: .* \(warning\)/);
  });

  it('not JSON: line and column, exit 2', async () => {
    const file = write('broken.json', '{\n  "message": {\n    "type": "status-update",\n  }\n}\n');
    const result = await runCli(['validate', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /broken\.json:4:3: not JSON: property name expected/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  it('a missing file: one line naming it, exit 2, and the other files still checked', async () => {
    const result = await runCli(['validate', join(tmp, 'nope.json'), 'fixtures/status-update/ended.json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: cannot read .*nope\.json: no such file\n$/);
    assert.match(result.stdout, /1 passed, 0 failed/);
  });

  it('empty input, from a file or stdin, exit 2', async () => {
    const file = await runCli(['validate', write('empty.json', '\n')]);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /empty\.json is empty: there is no JSON to validate/);
    const stdin = await runCli(['validate', '-'], { stdin: '' });
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /stdin is empty/);
  });

  it('the wrong type of document: not an object, an unknown event, the wrong event forced', async () => {
    const array = await runCli(['validate', '-'], { stdin: '[1,2]' });
    assert.equal(array.code, 1);
    assert.match(array.stdout, /expected a JSON object \{"message": \{\.\.\.\}\}, got an array/);
    const unknown = await runCli(['validate', '-'], { stdin: '{"message":{"type":"call-started"}}' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /unknown event "call-started"/);
    const forced = await runCli(['validate', '--event', 'tool-calls', 'fixtures/status-update/ended.json']);
    assert.equal(forced.code, 1);
    assert.match(forced.stdout, /message\.type: expected "tool-calls"/);
  });

  it('JSONL: one result per line, syntax errors by line, and --json output', async () => {
    const good = readFileSync(join(ROOT, 'fixtures/status-update/in-progress.json'), 'utf8');
    const lines = [JSON.stringify(JSON.parse(good)), '{"message":{"type":"status-update"}}', '{oops', ''].join('\n');
    const file = write('events.jsonl', lines);
    const result = await runCli(['validate', file, '--json']);
    assert.equal(result.code, 2, 'a line that is not JSON makes the input unusable');
    const objects = jsonLines(result.stdout);
    assert.deepEqual(
      objects.map((o) => [o.type, o.source, o.valid]),
      [
        ['unreadable', file, undefined],
        ['document', `${file}:1`, true],
        ['document', `${file}:2`, false],
        ['summary', undefined, undefined],
      ],
    );
    assert.equal(objects[0]!.line, 3);
    assert.match(String(objects[0]!.message), /events\.jsonl:3:2: not JSON/);
    assert.deepEqual(objects.at(-1), { type: 'summary', passed: 1, failed: 1, unreadable: 1 });
    const second = objects[2]!;
    assert.equal((second.errors as { line: number }[])[0]!.line, 2);
  });

  it('validates replies with --reply, from stdin', async () => {
    const ok = await runCli(['validate', '--reply', 'assistant-request', '-'], { stdin: '{"assistant":{"first_message":"Hoi"}}' });
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /assistant-request reply · hms/);
    const bad = await runCli(['validate', '--reply', 'tool-calls', '-'], { stdin: '{"results":[{"result":"x"}]}' });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /stdin:1:13 {2}results\[0\]\.tool_call_id: required string is missing/);
  });

  it('detects the flireo dialect, and --dialect overrides', async () => {
    const flireo = await runCli(['validate', 'test/seed-examples/seed004-1.json']);
    assert.match(flireo.stdout, /status-update · flireo/);
    const forced = await runCli(['validate', '--dialect', 'hms', 'test/seed-examples/seed004-1.json']);
    assert.equal(forced.code, 1);
    assert.match(forced.stdout, /message\.phone_number: required object is missing/);
  });
});

describe('schema', () => {
  it('prints JSON Schema of a payload and of a reply, in either dialect', async () => {
    const payload = await runCli(['schema', 'tool-calls']);
    assert.equal(payload.code, 0);
    const schema = JSON.parse(payload.stdout);
    assert.ok(schema.properties.message.required.includes('tool_call_list'));
    const reply = await runCli(['schema', 'assistant-request', '--reply', '--dialect', 'flireo']);
    assert.ok(Object.keys(JSON.parse(reply.stdout).properties).includes('maxDurationSeconds'));
  });
});

describe('fixtures', () => {
  it('lists every payload and reply with its description', async () => {
    const result = await runCli(['fixtures']);
    assert.equal(result.code, 0);
    for (const name of [
      'assistant-request/web-call',
      'status-update/ended-with-error',
      'end-of-call-report/full',
      'tool-calls/several-tools',
      'assistant-request/transient',
      'tool-calls/results',
    ]) {
      assert.match(result.stdout, new RegExp(`^  ${name} `, 'm'));
    }
  });
  it('shows one, converted to flireo on request', async () => {
    const result = await runCli(['fixtures', 'show', 'status-update/ended', '--dialect', 'flireo']);
    assert.equal(result.code, 0);
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.message.endReason, 'user_hangup');
    assert.equal(doc.message.phoneNumber.number, '+31850835037');
  });
  it('an unknown fixture names what exists, exit 2', async () => {
    const result = await runCli(['fixtures', 'show', 'status-update/paused']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /unknown fixture "status-update\/paused": status-update has status-update\/in-progress, status-update\/ended, status-update\/ended-with-error/,
    );
  });
});

describe('validate: capture files and JSONL places', () => {
  it('validates the bodies of a listen --save file, and prints each JSONL place once', async () => {
    const file = join(tmp, 'captured.jsonl');
    const body = JSON.stringify(JSON.parse(readFileSync(join(ROOT, 'fixtures/status-update/ended.json'), 'utf8')));
    const capture = (text: string) =>
      JSON.stringify({ received_at: '2026-11-23T10:00:00.000Z', method: 'POST', path: '/', headers: {}, body: text });
    writeFileSync(file, `${capture(body)}\n${capture('{"message":{"type":"status-update"}}')}\n`);
    const result = await runCli(['validate', file]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^✓ .*captured\.jsonl:1 {2}status-update \(the body of a capture line\)/m);
    assert.match(result.stdout, /^✗ .*captured\.jsonl:2 /m);
    const lines = join(tmp, 'places.jsonl');
    writeFileSync(lines, '{"message":{"type":"status-update","call":{"id":"x","status":5}}}\n');
    const placed = await runCli(['validate', lines]);
    assert.match(placed.stdout, /places\.jsonl:1:53 {2}message\.call\.status: /);
    assert.doesNotMatch(placed.stdout, /places\.jsonl:1:1:/);
  });
});

describe('environment defaults', () => {
  it('HMS_WEBHOOK_URL is where a sending command posts without --to; a bad one is one line naming it', async () => {
    const { startReceiver } = await import('../receiver.js');
    const receiver = await startReceiver('env-secret');
    try {
      const sent = await runCli(['send', 'status-update'], { env: { HMS_WEBHOOK_URL: receiver.url, HMS_WEBHOOK_SECRET: 'env-secret' } });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(receiver.received.length, 1);
      const bad = await runCli(['probe'], { env: { HMS_WEBHOOK_URL: 'ftp://x', HMS_WEBHOOK_SECRET: 'env-secret' } });
      assert.deepEqual(
        [bad.code, bad.stderr],
        [2, 'hms-webhook: HMS_WEBHOOK_URL "ftp://x": only http:// and https:// targets can receive webhooks\n'],
      );
    } finally {
      await receiver.close();
    }
  });

  it('HMS_WEBHOOK_PORT is the port listen takes without --port', async () => {
    const bad = await runCli(['listen'], { env: { HMS_WEBHOOK_PORT: 'eighty' } });
    assert.deepEqual([bad.code, bad.stderr], [2, 'hms-webhook: HMS_WEBHOOK_PORT eighty: use 0 to 65535\n']);
  });
});
