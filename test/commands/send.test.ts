import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listFixtures } from '../../src/platform/fixtures.js';
import { correctReplies, startReceiver, type Received } from '../receiver.js';
import { BIN, type CliOptions, jsonLines, runCli, startCli, steppingClock, temporaryFolder } from '../helpers.js';

const SECRET = 'whsec_send_test_7f3a';
const message = (request: Received) => (JSON.parse(request.body.toString('utf8')) as { message: Record<string, any> }).message;

describe('send: every event and variant, in both dialects, accepted by an independent receiver', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => (receiver = await startReceiver(SECRET, correctReplies)));
  after(() => receiver.close());

  for (const entry of listFixtures('payload')) {
    for (const dialect of ['hms', 'flireo']) {
      it(`${entry.event}/${entry.variant} (${dialect})`, async () => {
        const clock = steppingClock(Date.now());
        const result = await runCli(
          ['send', `${entry.event}/${entry.variant}`, '--to', receiver.url, '--secret', SECRET, '--dialect', dialect],
          { clock },
        );
        assert.equal(result.code, 0, result.stdout + result.stderr);
        const request = receiver.received.at(-1)!;
        assert.equal(request.method, 'POST');
        assert.equal(request.url, '/hooks');
        assert.equal(request.signatureValid, true);
        assert.equal(request.headers['user-agent'], 'HMS-Sovereign/1.0');
        assert.equal(request.headers['user-assistant'], undefined);
        assert.equal(request.headers['content-type'], 'application/json');
        assert.equal(request.headers['x-webhook-event'], entry.event);
        assert.equal(message(request).type, entry.event);
        assert.match(String(request.headers['x-webhook-signature']), /^sha256=[0-9a-f]{64}$/);
        const timestamp = Number(request.headers['x-webhook-timestamp']);
        assert.equal(timestamp, Math.floor(clock.now() / 1000), 'unix seconds, now');
        assert.equal(message(request).timestamp, new Date(clock.now()).toISOString(), 'message.timestamp is the moment of sending');
        assert.equal(dialect === 'flireo', 'phoneNumber' in message(request));
        assert.match(result.stdout, /✓ reply ok/);
        assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET), 'the secret is never printed');
      });
    }
  }
});

describe('send: what it says about the reply', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let reply: { status?: number; body?: string; delayMs?: number; contentType?: string } = {};
  before(async () => (receiver = await startReceiver(SECRET, () => reply)));
  after(() => receiver.close());
  const send = (...args: string[]) => sendWith({}, ...args);
  const sendWith = (options: CliOptions, ...args: string[]) => runCli(['send', ...args, '--to', receiver.url, '--secret', SECRET], options);

  it('a transient assistant, a hybrid one, a rejection', async () => {
    reply = { body: JSON.stringify({ assistant: { name: 'Receptie', first_message: 'Goedemiddag!' } }) };
    assert.match(
      (await send('assistant-request')).stdout,
      /the call is answered by the transient assistant 'Receptie' \(greeting: “Goedemiddag!”\)/,
    );
    reply = { body: JSON.stringify({ assistant_id: 'asst_42', assistant_override: { llm_config: {}, tts_config: {} } }) };
    assert.match((await send('assistant-request')).stdout, /saved assistant asst_42 with llm_config and tts_config replaced/);
    reply = { body: JSON.stringify({ error: 'We zijn gesloten.' }) };
    assert.match((await send('assistant-request')).stdout, /the call is rejected; the caller hears: “We zijn gesloten\.”/);
  });

  it('a snake_case id in a flireo reply is named as ignored, and fails', async () => {
    reply = { body: JSON.stringify({ results: [{ tool_call_id: 'tool_abc123def456', result: 'x' }] }) };
    const result = await send('tool-calls', '--dialect', 'flireo');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /a result keyed tool_call_id is not read in flireo \(it is toolCallId\)/);
  });

  it('a result for an unknown tool call id fails', async () => {
    reply = { body: JSON.stringify({ results: [{ tool_call_id: 'tool_other', result: 'x' }] }) };
    const result = await send('tool-calls');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /"tool_other" is not a tool call id of the request \(tool_abc123def456\)/);
    assert.match(result.stdout, /the result for tool_other is ignored/);
  });

  it('a reply that is not JSON fails', async () => {
    reply = { body: 'OK', contentType: 'text/plain' };
    const result = await send('tool-calls');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /json: the reply is not JSON: "OK"/);
  });

  it('a 500 fails, and says what the platform does', async () => {
    reply = { status: 500, body: 'boom' };
    const result = await send('assistant-request');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /status: 500, expected 2xx/);
    assert.match(result.stdout, /proceeds with the default assistant/);
  });

  it('a late reply fails with its latency; one near the deadline passes with a warning', async () => {
    // The clock states each latency: the reply takes exactly as long as one step of it.
    reply = { body: '{}' };
    const late = await sendWith({ clock: steppingClock(Date.now(), 412) }, 'assistant-request', '--deadline', '0.2');
    assert.equal(late.code, 1);
    assert.match(late.stdout, /deadline: late: 0\.412 s, over your --deadline of 0\.200 s/);
    const platformLate = await sendWith({ clock: steppingClock(Date.now(), 5200) }, 'assistant-request');
    assert.equal(platformLate.code, 1);
    assert.match(platformLate.stdout, /late: 5\.20 s, the platform waits 5\.00 s and then uses the default assistant/);
    assert.match(
      platformLate.stdout,
      /platform: the reply came after the 5 s deadline: the platform has already answered the call with the default assistant/,
    );
    assert.doesNotMatch(platformLate.stdout, /transient assistant/);
    const close = await sendWith({ clock: steppingClock(Date.now(), 850) }, 'assistant-request', '--deadline', '1');
    assert.equal(close.code, 0, close.stdout);
    assert.match(close.stdout, /⚠ deadline: 0\.850 s is over 80 % of the 1\.00 s deadline/);
    const inTime = await sendWith({ clock: steppingClock(Date.now(), 799) }, 'assistant-request', '--deadline', '1');
    assert.equal(inTime.code, 0, inTime.stdout);
    assert.doesNotMatch(inTime.stdout, /deadline/);
  });

  it('no reply within --timeout fails, exit 1', async () => {
    reply = { delayMs: 1500, body: '{}' };
    const result = await send('status-update', '--timeout', '0.3');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /no reply from http:\/\/127\.0\.0\.1:\d+ within 0\.3 s/);
  });

  it('status-update needs only a 2xx, whatever the body', async () => {
    reply = { status: 204, body: '' };
    const result = await send('status-update/ended');
    assert.equal(result.code, 0, result.stdout);
  });

  it('--json prints one object with headers, status, latency, reply and checks, never the secret', async () => {
    reply = { body: JSON.stringify({ result: { name: 'Jan' } }) };
    const result = await send('tool-calls', '--json');
    assert.equal(result.code, 0);
    const [object] = jsonLines(result.stdout) as any[];
    assert.equal(object.status, 200);
    assert.equal(typeof object.latency_ms, 'number');
    assert.deepEqual(object.reply, { result: { name: 'Jan' } });
    assert.match(object.request.headers['X-Webhook-Signature'], /^sha256=/);
    assert.ok(object.checks.some((c: any) => c.name === 'schema' && c.severity === 'pass'));
    assert.deepEqual(object.outcome, ['the assistant is given for tool_abc123def456: {"name":"Jan"}']);
    assert.ok(!result.stdout.includes(SECRET));
  });
});

describe("send: testing a receiver's defences", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => (receiver = await startReceiver(SECRET, correctReplies)));
  after(() => receiver.close());
  const send = (...args: string[]) => sendWith({}, ...args);
  const sendWith = (options: CliOptions, ...args: string[]) => runCli(['send', 'status-update', '--to', receiver.url, ...args], options);

  it('--bad-signature: well-formed, wrong value', async () => {
    const result = await send('--secret', SECRET, '--bad-signature');
    assert.equal(result.code, 1);
    const request = receiver.received.at(-1)!;
    assert.match(String(request.headers['x-webhook-signature']), /^sha256=[0-9a-f]{64}$/);
    assert.equal(request.signatureValid, false);
    assert.match(result.stderr, /add --expect-status 4xx/);
  });

  it('--wrong-secret: a valid signature under another secret', async () => {
    await send('--secret', SECRET, '--wrong-secret');
    assert.equal(receiver.received.at(-1)!.signatureValid, false);
  });

  it('--unsigned: no signature header at all', async () => {
    await send('--secret', SECRET, '--unsigned');
    const request = receiver.received.at(-1)!;
    assert.equal(request.headers['x-webhook-signature'], undefined);
    assert.ok(request.headers['x-webhook-timestamp']);
  });

  it('without any secret: unsigned, said once on stderr', async () => {
    const result = await send();
    assert.equal(receiver.received.at(-1)!.headers['x-webhook-signature'], undefined);
    assert.equal(result.stderr.match(/sending unsigned/g)?.length, 1);
  });

  it('--tamper: the body changes after signing; --expect-status 4xx makes the refusal a pass', async () => {
    const result = await send('--secret', SECRET, '--tamper', '--expect-status', '4xx');
    assert.equal(result.code, 0, result.stdout);
    const request = receiver.received.at(-1)!;
    assert.equal(request.signatureValid, false);
    assert.equal(message(request).tampered, true);
    const exact = await send('--secret', SECRET, '--tamper', '--expect-status', '401');
    assert.equal(exact.code, 0);
    const wrong = await send('--secret', SECRET, '--expect-status', '401');
    assert.equal(wrong.code, 1, 'a receiver that accepts is a failure when a refusal is expected');
  });

  it('--timestamp and --skew sign with the given time', async () => {
    await send('--secret', SECRET, '--timestamp', '1700000000');
    let request = receiver.received.at(-1)!;
    assert.equal(request.headers['x-webhook-timestamp'], '1700000000');
    assert.equal(request.signatureValid, true, 'still a valid signature: only the time is off');
    await sendWith({ clock: steppingClock(1_763_900_000_500) }, '--secret', SECRET, '--skew', '-400');
    request = receiver.received.at(-1)!;
    assert.equal(request.headers['x-webhook-timestamp'], String(1_763_900_000 - 400));
  });

  it('--repeat sends the identical signed request', async () => {
    const start = receiver.received.length;
    const result = await send('--secret', SECRET, '--repeat', '3');
    assert.equal(result.code, 0);
    const copies = receiver.received.slice(start);
    assert.equal(copies.length, 3);
    assert.ok(
      copies.every((r) => r.body.equals(copies[0]!.body) && r.headers['x-webhook-signature'] === copies[0]!.headers['x-webhook-signature']),
    );
    assert.match(result.stdout, /3 passed, 0 failed/);
  });

  it('two forgeries at once is a usage error', async () => {
    const result = await send('--secret', SECRET, '--tamper', '--unsigned');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot be combined/);
  });
});

describe('send: payloads', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => (receiver = await startReceiver(SECRET, correctReplies)));
  after(() => receiver.close());
  const tmp = temporaryFolder('hms-webhook-send-');

  it('--set and --unset change the fixture before signing', async () => {
    const result = await runCli([
      'send',
      'status-update',
      '--to',
      receiver.url,
      '--secret',
      SECRET,
      '--set',
      'message.call.status=ended',
      '--set',
      'message.end_reason=silence_timeout',
      '--set',
      'message.extra={"a":[1,2]}',
      '--unset',
      'message.assistant',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const sent = message(receiver.received.at(-1)!);
    assert.equal(sent.call.status, 'ended');
    assert.equal(sent.end_reason, 'silence_timeout');
    assert.deepEqual(sent.extra, { a: [1, 2] });
    assert.equal(sent.assistant, undefined);
    assert.equal(receiver.received.at(-1)!.signatureValid, true);
  });

  it("--data sends the file's exact bytes, and the event header follows message.type", async () => {
    const text =
      '{ "message" : {"type":"status-update","timestamp":"2025-12-13T12:00:00.000Z","call":{"id":"c1","type":"web_call","status":"ended"},"phone_number":{"number":null},"customer":{"number":null}} }\n';
    const file = join(tmp, 'payload.json');
    writeFileSync(file, text);
    const result = await runCli(['send', '--data', file, '--to', receiver.url, '--secret', SECRET]);
    assert.equal(result.code, 0, result.stderr);
    const request = receiver.received.at(-1)!;
    assert.equal(request.body.toString('utf8'), text);
    assert.equal(request.headers['x-webhook-event'], 'status-update');
    assert.equal(request.signatureValid, true);
  });

  it('an unknown fixture names what exists, exit 2', async () => {
    const result = await runCli(['send', 'status-update/paused', '--to', receiver.url]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: unknown fixture "status-update\/paused": status-update has/);
  });

  it('send load: N requests, each re-signed, with throughput and latency', async () => {
    const start = receiver.received.length;
    const result = await runCli([
      'send',
      'load',
      'status-update',
      '--to',
      receiver.url,
      '--secret',
      SECRET,
      '--count',
      '300',
      '--concurrency',
      '8',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const [stats] = jsonLines(result.stdout) as any[];
    assert.equal(stats.sent, 300);
    assert.deepEqual(stats.statuses, { 200: 300 });
    assert.ok(stats.requests_per_second > 0);
    assert.ok(stats.latency_ms.p50 <= stats.latency_ms.p99 && stats.latency_ms.p99 <= stats.latency_ms.max);
    const got = receiver.received.slice(start);
    assert.equal(got.length, 300);
    assert.ok(got.every((r) => r.signatureValid === true));
  });

  it('send load against a receiver that refuses counts as failed, exit 1', async () => {
    const result = await runCli([
      'send',
      'load',
      'status-update',
      '--to',
      receiver.url,
      '--secret',
      SECRET,
      '--wrong-secret',
      '--count',
      '20',
      '--concurrency',
      '4',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /status {3}401: 20/);
    assert.match(result.stderr, /20 of 20 requests did not get 2xx/);
  });

  it('send load to a path nothing answers at: the refusal named as send and probe name it', async () => {
    const receiver = await startReceiver(SECRET, () => ({ status: 404, body: 'Cannot POST /' }));
    try {
      const result = await runCli(['send', 'load', 'status-update', '--to', receiver.url, '--secret', SECRET, '--count', '3']);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /3 of 3 requests did not get 2xx \(404: nothing answers at this path — is --to the webhook path\? \(an init receiver's is \/webhooks\)\)/,
      );
    } finally {
      await receiver.close();
    }
  });
});

describe('send: cannot send', () => {
  it('connection refused: one line naming the fix, exit 2', async () => {
    const receiver = await startReceiver(undefined);
    const port = receiver.port;
    await receiver.close();
    const result = await runCli(['send', 'status-update', '--to', String(port)]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`cannot connect to http://localhost:${port}: connection refused — is your receiver running\\?`));
    assert.equal(result.stdout, '');
  });

  it('a bad --to and a bad --expect-status are usage errors', async () => {
    const badUrl = await runCli(['send', 'status-update', '--to', 'http://[oops']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /is not a URL/);
    const badStatus = await runCli(['send', 'status-update', '--expect-status', 'nope']);
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /--expect-status nope/);
  });
});

describe('send load: interrupted', () => {
  it('Ctrl-C stops sending, prints the summary of what was sent, exit 130', async () => {
    let cli: ReturnType<typeof startCli> | undefined;
    const receiver = await startReceiver(undefined, (request) => {
      if (receiver.received.length === 20) cli?.signals.emit('SIGINT');
      return { body: '{}', delayMs: request ? 5 : 0 };
    });
    try {
      cli = startCli(['send', 'load', 'status-update', '--to', receiver.url, '--count', '100000', '--concurrency', '2']);
      const result = await cli.done;
      assert.equal(result.code, 130, result.stderr);
      const sent = Number(/load \S+ {2}(\d+) requests \(stopped by Ctrl-C, of 100000\)/.exec(result.stdout)?.[1]);
      assert.ok(sent >= 20 && sent < 100000, result.stdout);
      assert.equal(receiver.received.length, sent, 'every request sent was answered and counted');
    } finally {
      await receiver.close();
    }
  });
});

describe('send on a terminal that reports 0 columns', () => {
  it('draws no spinner and exits (a real pseudo-terminal, made by script)', { timeout: 60_000 }, async () => {
    const receiver = await startReceiver(undefined, () => ({ body: '{}', delayMs: 300 }));
    try {
      const command = `${process.execPath} ${BIN} send status-update --to ${receiver.url}`;
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TERM: 'xterm' };
      // Not even an empty CI variable: its mere presence turns spinners off.
      delete env.CI;
      const child = spawn('script', ['-qec', command, '/dev/null'], { env });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, output.slice(0, 500));
      assert.match(output, /reply ok/);
      assert.ok(output.length < 4000, `bounded output: ${output.length} bytes`);
      assert.doesNotMatch(output, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'no spinner frame');
    } finally {
      await receiver.close();
    }
  });
});

describe('send: an empty results list', () => {
  it('is a failed reply, not "reply ok"', async () => {
    const receiver = await startReceiver(undefined, () => ({ body: '{"results":[]}' }));
    try {
      const result = await runCli(['send', 'tool-calls', '--to', receiver.url]);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /results is empty: the assistant gets no result for any tool call/);
      assert.match(result.stdout, /✗ reply failed/);
    } finally {
      await receiver.close();
    }
  });
});

describe('send: a connection closed before the reply', () => {
  it('is a failed reply (exit 1) with a JSON object, like a timeout', async () => {
    const server = await resettingServer();
    try {
      const result = await runCli(['send', 'status-update', '--to', String(server.port), '--json']);
      assert.equal(result.code, 1, result.stderr);
      const [object] = jsonLines(result.stdout) as { ok: boolean; checks: { message: string }[] }[];
      assert.equal(object?.ok, false);
      assert.match(object!.checks[0]!.message, /closed the connection before replying/);
    } finally {
      await server.close();
    }
  });
});

describe('send: a reply that starts and does not finish', () => {
  it('a body that stalls is a timeout; a body cut off is a closed connection', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      // The first bytes of the body go out; then /cut drops the connection and /stall says nothing more.
      if (req.url === '/cut') res.socket?.end(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const stalled = await runCli(['send', 'status-update', '--to', `http://127.0.0.1:${port}/stall`, '--timeout', '0.3', '--json']);
      assert.equal(stalled.code, 1, stalled.stderr);
      const [timedOut] = jsonLines(stalled.stdout) as { checks: { message: string }[] }[];
      assert.match(timedOut!.checks[0]!.message, /no reply from http:\/\/127\.0\.0\.1:\d+ within 0\.3 s/);
      const cut = await runCli(['send', 'status-update', '--to', `http://127.0.0.1:${port}/cut`, '--json']);
      assert.equal(cut.code, 1, cut.stderr);
      const [closed] = jsonLines(cut.stdout) as { checks: { message: string }[] }[];
      assert.match(closed!.checks[0]!.message, /closed the connection before replying/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** A server that closes every connection as soon as a request comes: no reply at all. */
async function resettingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req) => req.socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('send load: every reply judged', () => {
  it('replies that fail their checks are counted per reason and fail the run; resets are not throughput', async () => {
    const receiver = await startReceiver(undefined, () => ({ body: '{"results":[]}' }));
    try {
      const result = await runCli(['send', 'load', 'tool-calls', '--to', receiver.url, '--count', '20', '--concurrency', '2', '--json']);
      assert.equal(result.code, 1);
      const [stats] = jsonLines(result.stdout) as { answered: number; failures: Record<string, number> }[];
      assert.equal(stats!.answered, 20);
      assert.deepEqual(stats!.failures, { schema: 20 });
      assert.match(result.stderr, /20 of 20 requests failed: schema ×20/);
    } finally {
      await receiver.close();
    }
    const resetting = await resettingServer();
    try {
      const result = await runCli([
        'send',
        'load',
        'status-update',
        '--to',
        String(resetting.port),
        '--count',
        '10',
        '--concurrency',
        '2',
        '--json',
      ]);
      assert.equal(result.code, 1);
      const [stats] = jsonLines(result.stdout) as { answered: number; requests_per_second: number; errors: Record<string, number> }[];
      assert.equal(stats!.answered, 0);
      assert.equal(stats!.requests_per_second, 0);
      assert.ok((stats!.errors.reset ?? 0) > 0, JSON.stringify(stats!.errors));
    } finally {
      await resetting.close();
    }
  });
});

describe('send: payloads the platform never sends', () => {
  it('--set and --unset edits that no platform payload has are said as warnings, and still sent', async () => {
    const receiver = await startReceiver(undefined, () => ({ body: '{}' }));
    try {
      const edits = ['--set', 'message.call.id=5', '--unset', 'message.customer', '--set', 'message.durationSeconds=3'];
      const result = await runCli(['send', 'end-of-call-report', '--to', receiver.url, ...edits]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /warning: the platform never sends this: message\.call\.id: expected string, received number/);
      assert.match(result.stderr, /warning: the platform never sends this: message\.customer: /);
      assert.match(
        result.stderr,
        /warning: the platform never sends this: durationSeconds \(the other dialect's spelling\) next to duration_seconds/,
      );
      const unknown = await runCli(['send', 'status-update', '--to', receiver.url, '--set', 'message.type=paused']);
      assert.match(unknown.stderr, /message\.type: unknown event "paused"/);
      assert.equal(receiver.received.length, 2, 'both were sent');
    } finally {
      await receiver.close();
    }
  });
});
