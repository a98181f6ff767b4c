import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { temporaryFolder, jsonLines, runCli } from '../helpers.js';
import { correctReplies, startReceiver, type Received, type Responder } from '../receiver.js';

const SECRET = 'call-secret-8d1e';
const dir = temporaryFolder('hms-call-');
type Message = Record<string, any>;
const messageOf = (request: Received): Message => (JSON.parse(request.body.toString('utf8')) as { message: Message }).message;

/** Replies like a receiver that configures its own assistant, with metadata the platform must echo. */
const transientWithMetadata: Responder = (request) => {
  if (messageOf(request).type === 'assistant-request') {
    return { body: JSON.stringify({ assistant: { name: 'Echo', first_message: 'Hoi!', metadata: { crm_id: 'crm-77', tier: 'gold' } } }) };
  }
  return correctReplies(request);
};

async function playAgainst(responder: Responder, args: string[] = []) {
  const receiver = await startReceiver(SECRET, responder);
  try {
    const result = await runCli(['send', 'call', '--to', receiver.url, '--secret', SECRET, '--json', ...args]);
    return { result, received: receiver.received, steps: jsonLines(result.stdout) };
  } finally {
    await receiver.close();
  }
}

describe('send call: a whole call as the platform sends it', () => {
  it('plays every event with one call id, signed, with the assistant and metadata of the reply echoed', async () => {
    const { result, received, steps } = await playAgainst(transientWithMetadata);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const events = received.map((r) => messageOf(r).type);
    assert.deepEqual(events, ['assistant-request', 'status-update', 'tool-calls', 'tool-calls', 'status-update', 'end-of-call-report']);
    assert.ok(
      received.every((r) => r.signatureValid === true),
      'every step is validly signed',
    );
    assert.ok(received.every((r) => r.headers['x-webhook-event'] === messageOf(r).type));
    const messages = received.map(messageOf);
    const callIds = new Set(messages.map((m) => m.call.id));
    assert.equal(callIds.size, 1, 'one call id across the call');
    assert.equal(new Set(messages.map((m) => m.customer.number)).size, 1, 'one customer');
    assert.equal(new Set(messages.map((m) => m.phone_number.number)).size, 1, 'one phone number');
    assert.equal(messages[0]!.assistant, undefined, 'the assistant-request carries no assistant yet');
    for (const m of messages.slice(1))
      assert.deepEqual(m.assistant, { name: 'Echo', first_message: 'Hoi!', metadata: { crm_id: 'crm-77', tier: 'gold' } });
    assert.deepEqual(
      messages.map((m) => m.call.status),
      ['ringing', 'in-progress', 'in-progress', 'in-progress', 'ended', 'ended'],
    );
    const report = messages[5]!;
    assert.ok(Date.parse(report.started_at) < Date.parse(report.ended_at));
    assert.equal(report.duration_seconds, (Date.parse(report.ended_at) - Date.parse(report.started_at)) / 1000);
    assert.equal(report.end_reason, 'user_hangup');
    const times = messages.map((m) => Date.parse(m.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'event timestamps are in order',
    );
    assert.ok(times.at(-1)! <= Date.now(), 'no event is stamped in the future');
    const transcript = report.messages.map((m: { content: string }) => m.content).join('\n');
    assert.match(transcript, /lookup_contact returned \{"ok":true\}/, 'tool results are carried into the transcript');
    assert.equal(steps.length, 7);
    assert.deepEqual(steps.at(-1), { type: 'summary', call_id: messages[0]!.call.id, passed: 6, failed: 0 });
  });

  it('plays the flireo dialect: camelCase keys, and the reply read with them', async () => {
    const { result, received } = await playAgainst(transientWithMetadata, ['--dialect', 'flireo']);
    assert.equal(result.code, 0, result.stdout);
    const messages = received.map(messageOf);
    assert.ok(messages.every((m) => 'phoneNumber' in m && !('phone_number' in m)));
    assert.equal(messages[0]!.call.type, 'inboundPhoneCall');
    assert.ok(Array.isArray(messages[2]!.toolCallList));
    assert.equal(typeof messages[5]!.durationSeconds, 'number');
    assert.equal(messages[5]!.assistant.metadata.crm_id, 'crm-77');
  });

  it('ends the call at an {"error"} reply: status-update ended with that reason, nothing after', async () => {
    const { result, received } = await playAgainst((request) =>
      messageOf(request).type === 'assistant-request' ? { body: '{"error":"Sorry, we are closed"}' } : {},
    );
    assert.equal(result.code, 0, result.stdout);
    const messages = received.map(messageOf);
    assert.deepEqual(
      messages.map((m) => m.type),
      ['assistant-request', 'status-update'],
    );
    assert.equal(messages[1]!.call.status, 'ended');
    assert.equal(messages[1]!.end_reason, 'rejected');
    assert.equal(messages[1]!.error, 'Sorry, we are closed');
  });

  it('uses a saved assistant with its override (hybrid reply)', async () => {
    const hybrid: Responder = (request) =>
      messageOf(request).type === 'assistant-request'
        ? {
            body: JSON.stringify({
              assistant_id: 'asst_hybrid',
              assistant_override: { first_message: 'Dag!', metadata: { source: 'override' } },
            }),
          }
        : correctReplies(request);
    const { result, received } = await playAgainst(hybrid);
    assert.equal(result.code, 0);
    const assistant = messageOf(received[1]!).assistant;
    assert.equal(assistant.id, 'asst_hybrid');
    assert.equal(assistant.first_message, 'Dag!');
    assert.deepEqual(assistant.metadata, { source: 'override' }, 'each override key replaces its whole block');
    assert.ok(assistant.llm_config, 'blocks not overridden come from the saved assistant');
  });

  it('a max_duration_seconds shorter than the call ends it there, as the platform does', async () => {
    const capped: Responder = (request) =>
      messageOf(request).type === 'assistant-request' ? { body: '{"max_duration_seconds": 20}' } : correctReplies(request);
    const { result, received } = await playAgainst(capped);
    assert.equal(result.code, 0, result.stdout);
    const messages = received.map(messageOf);
    // book-appointment: a turn every 9 s, the first tool call at 27 s, after the cap.
    assert.deepEqual(
      messages.map((m) => m.type),
      ['assistant-request', 'status-update', 'status-update', 'end-of-call-report'],
    );
    assert.equal(messages[2]!.end_reason, 'max_duration');
    const report = messages[3]!;
    assert.equal(report.duration_seconds, 20);
    assert.equal(report.end_reason, 'max_duration');
    assert.equal(report.messages.length, 2, 'only the turns within the 20 s');
    assert.equal(report.assistant.max_duration_seconds, 20);
  });

  it('--fail ends with status-update ended-with-error; --web has no phone numbers', async () => {
    const { result, received } = await playAgainst(correctReplies, ['--fail', '--web']);
    assert.equal(result.code, 0, result.stdout);
    const messages = received.map(messageOf);
    const ended = messages.find((m) => m.type === 'status-update' && m.call.status !== 'in-progress')!;
    assert.equal(ended.call.status, 'ended-with-error');
    assert.equal(ended.end_reason, 'error');
    assert.equal(typeof ended.error, 'string');
    assert.equal(messages.at(-1)!.end_reason, 'error');
    assert.ok(messages.every((m) => m.call.type === 'web_call' && m.phone_number.number === null && m.customer.number === null));
  });

  it('stops at the first failing step, exit 1', async () => {
    const failing: Responder = (request) =>
      messageOf(request).type === 'tool-calls' ? { status: 500, body: 'boom' } : correctReplies(request);
    const receiver = await startReceiver(SECRET, failing);
    const result = await runCli(['send', 'call', '--to', receiver.url, '--secret', SECRET]);
    await receiver.close();
    assert.equal(result.code, 1);
    assert.equal(receiver.received.length, 3, 'nothing is sent after the failed step');
    assert.match(result.stdout, /✗ {2}3 {2}tool-calls {2}lookup_contact {2}500/);
    assert.match(result.stdout, /2 passed, 1 failed \(the call stopped at the failed step\)/);
  });

  it('plays a built-in scenario by name, with no tool calls', async () => {
    const { result, received } = await playAgainst(correctReplies, []);
    assert.equal(result.code, 0);
    const receiver = await startReceiver(SECRET, correctReplies);
    const short = await runCli(['send', 'call/opening-hours', '--to', receiver.url, '--secret', SECRET]);
    await receiver.close();
    assert.equal(short.code, 0, short.stdout);
    assert.deepEqual(
      receiver.received.map((r) => messageOf(r).type),
      ['assistant-request', 'status-update', 'status-update', 'end-of-call-report'],
    );
    assert.ok(received.length > receiver.received.length);
  });

  it('plays the user scenario file, with --set applied to every step', async () => {
    const file = join(dir, 'mine.json');
    writeFileSync(
      file,
      JSON.stringify({
        description: 'mine',
        phone_number: { number: '+3110' },
        customer: { number: '+3120' },
        summary: 'kort',
        turns: [{ role: 'user', content: 'hallo' }, { tools: [{ name: 'ping' }] }],
      }),
    );
    const { result, received } = await playAgainst(correctReplies, ['--scenario', file, '--set', 'message.env=test']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(received.length, 5);
    assert.ok(received.every((r) => messageOf(r).env === 'test'));
    assert.equal(messageOf(received[0]!).customer.number, '+3120');
  });

  it('a scenario file with a schema error is exit 2, naming the path and its line:column', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(
      file,
      '{\n  "description": "x",\n  "phone_number": {"number": "+31"},\n  "customer": {"number": "+32"},\n  "summary": "s",\n  "turns": [\n    {"role": "caller", "content": "hi"}\n  ]\n}\n',
    );
    const result = await runCli(['send', 'call', '--scenario', file, '--to', '1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: scenario .*broken\.json:7:\d+ {2}turns\[0\]/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
  });

  it('refuses single-event flags with call, exit 2', async () => {
    const result = await runCli(['send', 'call', '--tamper', '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "hms-webhook: unknown option '--tamper'\n");
  });
});

/** A receiver that does everything right: signature, both-way age check (a stricter 120 s), JSON, and a duplicate answered as the first without the work done again. */
async function startCarefulReceiver(secret: string) {
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const timestamp = req.headers['x-webhook-timestamp'];
      const signature = String(req.headers['x-webhook-signature'] ?? '').replace(/^sha256=/, '');
      const reply = (status: number) => res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp) || Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > 120)
        return reply(401);
      const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
      if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return reply(401);
      if (seen.has(signature)) return reply(200);
      seen.add(signature);
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return reply(400);
      }
      return reply(200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('probe: is the receiver safe?', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => Promise.all(closers.map((close) => close())));

  it('a careful receiver passes every case, exit 0', async () => {
    const receiver = await startCarefulReceiver(SECRET);
    closers.push(receiver.close);
    const result = await runCli(['probe', '--to', receiver.url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = jsonLines(result.stdout) as { type: string; case: string; verdict: string; status: number }[];
    const cases = lines.filter((l) => l.type === 'probe');
    assert.ok(cases.length >= 20, `${cases.length} cases`);
    assert.ok(
      cases.every((c) => c.verdict === 'pass'),
      JSON.stringify(cases.filter((c) => c.verdict !== 'pass')),
    );
    for (const form of ['valid, pretty-printed', 'valid, with Python json.dumps spacing', 'valid, with its keys in another order']) {
      assert.ok(
        cases.some((c) => c.case === form && c.status === 200),
        form,
      );
    }
    assert.equal(cases.find((c) => c.case === 'non-JSON body (signed)')!.status, 400);
    assert.deepEqual(lines.at(-1), { type: 'summary', url: receiver.url, warnings: 0, inconclusive: 0, passed: cases.length, failed: 0 });
  });

  it('a naive receiver that never checks has every forgery flagged, exit 1', async () => {
    const receiver = await startReceiver(undefined, () => ({ status: 200 }));
    closers.push(receiver.close);
    const result = await runCli(['probe', '--to', receiver.url, '--secret', SECRET]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /your receiver accepted a malformed signature and accepted 7 forged requests/);
    const table = result.stdout.split('\n');
    for (const name of [
      'tampered body',
      'wrong secret',
      'missing signature',
      'short signature',
      'timestamp 301 s old',
      'timestamp 330 s in the future',
      'timestamp in milliseconds',
      'signature without its timestamp',
    ]) {
      assert.match(table.find((line) => line.startsWith(name)) ?? '', /refused \(non-2xx\) +200 +FAIL/, name);
    }
    for (const name of ['non-JSON body (signed)', 'timestamp with a plus sign']) {
      assert.match(table.find((line) => line.startsWith(name)) ?? '', /200 +warn/, name);
    }
    assert.match(table.find((line) => line.startsWith('the valid request delivered again')) ?? '', /200 +pass/);
  });

  it('a receiver that refuses the valid request fails, and an unreachable one is exit 2', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    closers.push(receiver.close);
    const wrong = await runCli(['probe', '--to', receiver.url, '--secret', 'another-secret']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /refused the valid request/);
    const port = receiver.port;
    await receiver.close();
    const gone = await runCli(['probe', '--to', String(port), '--secret', SECRET]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /connection refused/);
  });
});

describe('demo', () => {
  it('plays a call against the built-in listener and verifies every saved event, exit 0', async () => {
    const result = await runCli(['demo', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = jsonLines(result.stdout) as {
      type: string;
      passed?: boolean;
      call?: { passed: number };
      verify?: { passed: number; failed: number };
    }[];
    const steps = lines.filter((l) => l.type === 'step');
    const heard = lines.filter((l) => l.type === 'event');
    const verified = lines.filter((l) => l.type === 'request');
    assert.equal(steps.length, 6);
    assert.equal(heard.length, 6, 'the listener saw every step');
    assert.equal(verified.length, 6);
    const summary = lines.at(-1)!;
    assert.deepEqual(summary.call, { passed: 6, failed: 0 });
    assert.deepEqual(summary.verify, { passed: 6, failed: 0 }, 'the verify summary counts every event');
  });

  it('shows both sides in text, and never the secret', async () => {
    const result = await runCli(['demo', '--dialect', 'flireo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^sent {5}✓ {2}1 {2}assistant-request/m);
    assert.match(result.stdout, /^listener ✓ .*assistant-request · flireo/m);
    assert.match(result.stdout, /call: 6 passed, 0 failed · verify: 6 passed, 0 failed/);
    assert.doesNotMatch(result.stdout, /[0-9a-f]{48}/, 'the random secret is not printed');
  });

  it('removes its temporary captures unless --keep, which keeps them private', async () => {
    const removed = await runCli(['demo']);
    const [, file] = /saving to (\S+captures\.jsonl)/.exec(removed.stdout) ?? [];
    assert.ok(file, removed.stdout);
    assert.equal(existsSync(file), false, 'removed');
    const kept = jsonLines((await runCli(['demo', '--json', '--keep'])).stdout).at(-1) as { captures: string };
    assert.equal(statSync(kept.captures).mode & 0o777, 0o600);
    rmSync(dirname(kept.captures), { recursive: true });
  });
});

describe('send call: a receiver that routes events apart', () => {
  it('a 404 for tool-calls at the URL where assistant-request got 200 says the receiver does not route that event', async () => {
    const receiver = await startReceiver(SECRET, (request) =>
      request.headers['x-webhook-event'] === 'tool-calls' ? { status: 404, body: '{"error":"not found"}' } : correctReplies(request),
    );
    try {
      const result = await runCli(['send', 'call', 'book-appointment', '--to', receiver.url], { env: { HMS_WEBHOOK_SECRET: SECRET } });
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        /404 for tool-calls at the URL where assistant-request got a 2xx: the receiver is there but does not route tool-calls to its handler/,
      );
    } finally {
      await receiver.close();
    }
  });
});
