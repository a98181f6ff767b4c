import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { captureLine } from '../../src/captures/capture-file.js';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { jsonLines, runCli, steppingClock, temporaryFolder } from '../helpers.js';
import { correctReplies, type Received, type Responder, recordCalls, startReceiver } from '../receiver.js';

const CAPTURED_SECRET = 'captured-secret-4a1f';
const NEW_SECRET = 'replay-secret-77c2';
const dir = temporaryFolder('hms-replay-');
type Message = Record<string, any>;
const messageOf = (request: Received): Message => (JSON.parse(request.body.toString('utf8')) as { message: Message }).message;

/** A receiver whose booking tool answers with `slots` free slots: version 1 has 2, version 2 (a regression) 0. */
function bookingReceiver(slots: number): Responder {
  return (request) => {
    if (request.signatureValid === false) return { status: 401, body: '{"error":"invalid signature"}' };
    const message = messageOf(request);
    if (message.type !== 'tool-calls') return correctReplies(request);
    return {
      body: JSON.stringify({
        results: (message.tool_call_list as { id: string }[]).map((call) => ({
          tool_call_id: call.id,
          result: { slots, checked_at: new Date().toISOString() },
        })),
      }),
    };
  };
}

/** Real traffic: `send call` through a saving listener that forwards to receiver version 1. */
const recordTraffic = (file: string, calls = 1) =>
  recordCalls(
    file,
    CAPTURED_SECRET,
    bookingReceiver(2),
    Array.from({ length: calls }, () => []),
  );

async function replayTo(responder: Responder, secret: string, args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const receiver = await startReceiver(secret, responder);
  try {
    const result = await runCli(['replay', ...args, '--to', receiver.url, '--json'], options);
    return { result, received: receiver.received, lines: jsonLines(result.stdout) };
  } finally {
    await receiver.close();
  }
}

const capturesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);

describe('replay: real traffic sent again', () => {
  const file = join(dir, 'traffic.jsonl');
  before(() => recordTraffic(file));

  it('re-signs each request now with the secret given, with the captured body bytes and headers', async () => {
    const now = Date.parse('2031-05-01T12:00:00Z');
    const { result, received, lines } = await replayTo(bookingReceiver(2), NEW_SECRET, [file, '--secret', NEW_SECRET], {
      clock: steppingClock(now),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const captures = capturesOf(file);
    assert.equal(received.length, captures.length);
    received.forEach((request, index) => {
      assert.equal(request.signatureValid, true, `request ${index + 1} verifies with the new secret`);
      assert.equal(request.headers['x-webhook-timestamp'], String(now / 1000), 'timestamped now');
      assert.equal(request.body.toString('utf8'), captures[index]!.body, 'the captured bytes');
      assert.equal(request.headers['x-webhook-event'], captures[index]!.headers['x-webhook-event']);
      assert.equal(request.headers['user-agent'], captures[index]!.headers['user-agent']);
      assert.equal(request.headers['x-hms-webhook-forwarded'], undefined, "the listener's forwarding mark is not replayed");
    });
    assert.deepEqual(
      lines.slice(0, -1).map((line) => line.location),
      captures.map((_, index) => `${file}:${index + 1}`),
    );
    assert.deepEqual(lines.at(-1), { type: 'summary', passed: captures.length, failed: 0 });
  });

  it('--compare passes against the same receiver, ignoring the ids and a volatile value given with --ignore', async () => {
    const { result, lines } = await replayTo(bookingReceiver(2), NEW_SECRET, [
      file,
      '--secret',
      NEW_SECRET,
      '--compare',
      '--ignore',
      'results[*].result.checked_at',
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(lines.slice(0, -1).every((line) => Array.isArray((line.compare as { differences: unknown[] }).differences)));
  });

  it('--compare catches a receiver that changed its tool result since the capture: exit 1 with a readable diff', async () => {
    const receiver = await startReceiver(NEW_SECRET, bookingReceiver(0));
    try {
      const args = ['replay', file, '--to', receiver.url, '--secret', NEW_SECRET, '--compare', '--ignore', 'results[*].result.checked_at'];
      const result = await runCli(args);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stdout, /✗ .*traffic\.jsonl:3 {2}tool-calls/);
      assert.match(result.stdout, /compare: results\[0\]\.result\.slots: 2 → 0/);
      assert.match(result.stdout, /4 passed, 2 failed/);
      const volatile = await runCli(args.slice(0, -2));
      assert.match(volatile.stdout, /compare: results\[0\]\.result\.checked_at: "/, 'without --ignore the volatile value differs too');
    } finally {
      await receiver.close();
    }
  });

  it('--as-captured sends the captured timestamp and signature unchanged; --unsigned sends no signature', async () => {
    const captures = capturesOf(file);
    // A minute after the capture, by the clock: inside the window whatever the machine's pace.
    const minuteLater = steppingClock(Number(captures[0]!.headers['x-webhook-timestamp']) * 1000 + 60_000);
    const asCaptured = await replayTo(correctReplies, CAPTURED_SECRET, [file, '--as-captured', '--line', '1'], { clock: minuteLater });
    assert.equal(asCaptured.received.length, 1);
    assert.equal(asCaptured.received[0]!.headers['x-webhook-signature'], captures[0]!.headers['x-webhook-signature']);
    assert.equal(asCaptured.received[0]!.headers['x-webhook-timestamp'], captures[0]!.headers['x-webhook-timestamp']);
    // Minutes old, the capture is a fresh delivery: the receiver's age check was not what judged it.
    assert.match(
      asCaptured.result.stderr,
      /the capture sent as captured was still inside the 300 s window \(the newest 60 s old\): the receiver saw fresh deliveries, so this did not test its age check/,
    );
    const unsigned = await replayTo(correctReplies, CAPTURED_SECRET, [file, '--unsigned', '--line', '1']);
    assert.equal(unsigned.received[0]!.headers['x-webhook-signature'], undefined);
    assert.match(String(unsigned.received[0]!.headers['x-webhook-timestamp']), /^\d+$/);
  });

  it('a stale replay as captured is refused by a receiver that checks the age: --expect-status 401 makes that the pass', async () => {
    const later = Date.parse(capturesOf(file)[0]!.received_at) + 3_600_000;
    const strict: Responder = (request) =>
      Number(request.headers['x-webhook-timestamp']) < later / 1000 - 300
        ? { status: 401, body: '{"error":"stale"}' }
        : correctReplies(request);
    const { result, lines } = await replayTo(strict, CAPTURED_SECRET, [file, '--as-captured', '--line', '2', '--expect-status', '401'], {
      clock: steppingClock(later),
    });
    assert.equal(result.code, 0, result.stdout);
    assert.equal(lines[0]!.status, 401);
    assert.doesNotMatch(result.stderr, /inside the 300 s window/, 'an hour old: the age check is what refused it');
  });

  it('selects by --line ranges, --filter and --last, in file order', async () => {
    const captures = capturesOf(file);
    const callId = JSON.parse(captures[0]!.body).message.call.id as string;
    const pick = async (...args: string[]) =>
      (await replayTo(correctReplies, NEW_SECRET, [file, '--secret', NEW_SECRET, ...args])).lines.slice(0, -1).map((line) => line.location);
    assert.deepEqual(await pick('--line', '2-3', '--line', '6'), [`${file}:2`, `${file}:3`, `${file}:6`]);
    assert.deepEqual(await pick('--filter', 'event:tool-calls'), [`${file}:3`, `${file}:4`]);
    assert.deepEqual(await pick('--filter', `call:${callId}`, '--last', '2'), [`${file}:5`, `${file}:6`]);
    const none = await runCli(['replay', file, '--filter', 'call:no-such-call', '--unsigned', '--to', '127.0.0.1:9']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `hms-webhook: no requests to replay in ${file} with --filter "call:no-such-call"\n`);
    for (const [old, now] of [
      [['--event', 'tool-calls'], '--filter event:tool-calls'],
      [['--call', callId], `--filter call:${callId}`],
      [['--failed'], '--filter verdict:failed'],
    ] as const) {
      const refused = await runCli(['replay', file, ...old, '--unsigned', '--to', '127.0.0.1:9']);
      assert.equal(refused.code, 2);
      assert.equal(refused.stderr, `hms-webhook: ${old[0]} is ${now} now\n`);
    }
    const unknown = await runCli(['replay', file, '--filter', 'colour:red', '--unsigned', '--to', '127.0.0.1:9']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /colour:red: no field colour; filter by event:, call:, verdict:, status:, path:, tool: or free text/);
  });

  it('--set edits the body before signing, so the edited request still verifies', async () => {
    const { result, received } = await replayTo(correctReplies, NEW_SECRET, [
      file,
      '--secret',
      NEW_SECRET,
      '--line',
      '5',
      '--set',
      'message.end_reason=customer_ended_call',
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(received[0]!.signatureValid, true);
    assert.equal(messageOf(received[0]!).end_reason, 'customer_ended_call');
  });
});

describe('replay: --failed, HAR input and pacing by call', () => {
  it('--filter verdict:failed takes the requests whose recorded verdict failed', async () => {
    const file = join(dir, 'verdicts.jsonl');
    const line = (status: string, passed: boolean) => {
      const body = JSON.stringify({ message: { type: 'status-update', call: { id: `call-${status}`, status } } });
      return JSON.stringify({ method: 'POST', path: '/', headers: sign({ body, secret: NEW_SECRET }), body, verdict: { passed } });
    };
    writeFileSync(file, `${line('in-progress', true)}\n${line('ended', false)}\n`);
    const { lines } = await replayTo(correctReplies, NEW_SECRET, [file, '--secret', NEW_SECRET, '--filter', 'verdict:failed']);
    assert.deepEqual(
      lines.slice(0, -1).map((l) => [l.location, l.call_id]),
      [[`${file}:2`, 'call-ended']],
    );
  });

  it('replays the webhook entries of a HAR file, numbered as verify numbers them', async () => {
    const file = join(dir, 'session.har');
    const body = JSON.stringify({ message: { type: 'status-update', call: { id: 'har-call', status: 'ended' } } });
    const headers = Object.entries(sign({ body, secret: CAPTURED_SECRET })).map(([name, value]) => ({ name, value }));
    const entry = (method: string) => ({
      startedDateTime: '2026-11-30T10:00:00.000Z',
      request: { method, url: 'https://example.test/hooks', headers, postData: { mimeType: 'application/json', text: body } },
      response: { status: 200, content: { text: '{}', mimeType: 'application/json' } },
    });
    writeFileSync(file, JSON.stringify({ log: { version: '1.2', entries: [entry('GET'), entry('POST')] } }));
    const { result, received, lines } = await replayTo(correctReplies, NEW_SECRET, [file, '--secret', NEW_SECRET, '--compare']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.body.toString('utf8'), body);
    assert.equal(lines[0]!.location, `${file}#2`);
  });

  it('--concurrency keeps the order of the requests of each call', async () => {
    const file = join(dir, 'two-calls.jsonl');
    await recordTraffic(file, 2);
    const { result, received } = await replayTo(correctReplies, NEW_SECRET, [file, '--secret', NEW_SECRET, '--concurrency', '4']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const byCall = new Map<string, string[]>();
    for (const request of received) {
      const message = messageOf(request);
      byCall.set(message.call.id, [...(byCall.get(message.call.id) ?? []), `${message.type}/${message.call.status}`]);
    }
    assert.equal(byCall.size, 2);
    for (const order of byCall.values())
      assert.deepEqual(order, [
        'assistant-request/ringing',
        'status-update/in-progress',
        'tool-calls/in-progress',
        'tool-calls/in-progress',
        'status-update/ended',
        'end-of-call-report/ended',
      ]);
  });
});

describe('replay: 10 000 captures stream through', () => {
  it('reads only as far ahead as the requests in flight, so memory stays flat', { timeout: 120_000 }, async () => {
    const total = 10_000;
    // Every capture has a call id of its own, so that all 20 lanes are used.
    const line = (n: number) => {
      const body = JSON.stringify({ message: { type: 'status-update', call: { id: `call-${n}`, status: 'in-progress' } } });
      return `${JSON.stringify({ method: 'POST', path: '/', headers: { 'x-webhook-event': 'status-update' }, body })}\n`;
    };
    let produced = 0;
    let furthestAhead = 0;
    // Lines are made only when the command reads them: how far ahead of the receiver it reads is its memory.
    const stdin = Readable.from(
      (function* () {
        for (let chunk = 0; chunk < total / 10; chunk++) {
          const lines = Array.from({ length: 10 }, (_, i) => line(produced + i)).join('');
          produced += 10;
          yield Buffer.from(lines);
        }
      })(),
      { highWaterMark: 1 },
    );
    const receiver = await startReceiver(undefined, () => ({ body: '{}' }));
    const originalPush = receiver.received.push.bind(receiver.received);
    receiver.received.push = (...items: Received[]) => {
      furthestAhead = Math.max(furthestAhead, produced - receiver.received.length);
      return originalPush(...items);
    };
    try {
      const result = await runCli(['replay', '-', '--to', receiver.url, '--unsigned', '--concurrency', '20', '--json'], { stdin });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(receiver.received.length, total);
      assert.ok(furthestAhead < 200, `read ${furthestAhead} captures ahead of the receiver`);
    } finally {
      await receiver.close();
    }
  });
});

describe('replay: bad input is one line and exit 2', () => {
  const file = join(dir, 'one.jsonl');
  before(() => {
    const body = JSON.stringify({ message: { type: 'status-update', call: { id: 'x', status: 'ended' } } });
    writeFileSync(file, `${JSON.stringify({ method: 'POST', path: '/', headers: {}, body })}\n`);
  });
  for (const [args, message] of [
    [['--as-captured', '--unsigned'], /--as-captured and --unsigned cannot be combined/],
    [['--as-captured', '--set', 'message.x=1'], /the captured signature would no longer match/],
    [['--ignore', 'results[0].x'], /--ignore applies to --compare/],
    [['--compare', '--ignore', 'results..x'], /--ignore "results\.\.x": give a reply path/],
    [['--line', '0'], /--line.*give a line number/],
    [['--line', '5-2'], /--line.*give a line number/],
    [['--expect-status', 'ok'], /--expect-status ok/],
  ] as const) {
    it(`${args.join(' ')}`, async () => {
      const result = await runCli(['replay', file, '--to', '127.0.0.1:9', ...args]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
    });
  }
  it('a file that is not there, and a receiver that is not there', async () => {
    const missing = await runCli(['replay', join(dir, 'nope.jsonl'), '--to', '127.0.0.1:9']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.jsonl/);
    const refused = await runCli(['replay', file, '--to', '127.0.0.1:9']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /connection refused/);
  });
});

describe('replay: a capture that cannot be sent again', () => {
  it('a header value with a line break skips that line with its reason; the others are replayed; the run fails', async () => {
    const body = Buffer.from(JSON.stringify(loadFixture('status-update/ended').document));
    const ok = captureLine(new Date(), 'POST', '/', { 'x-webhook-event': 'status-update' }, body);
    const injected = captureLine(new Date(), 'POST', '/', { 'x-webhook-event': 'status-update', 'x-extra': 'a\r\nInjected: 1' }, body);
    const file = join(temporaryFolder('hms-replay-crlf-'), 'captures.jsonl');
    writeFileSync(file, ok + injected + ok);
    const receiver = await startReceiver(undefined, correctReplies);
    try {
      const result = await runCli(['replay', file, '--to', receiver.url, '--unsigned']);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `hms-webhook: skipped ${file}:2: its x-extra header holds a line break or NUL, which no HTTP client sends\n`,
      );
      assert.match(result.stdout, new RegExp(`${file}:1 .*\\n.*${file}:3 `));
      assert.match(result.stdout, /2 passed, 1 failed\n$/);
      assert.equal(receiver.received.length, 2);
    } finally {
      await receiver.close();
    }
  });
});
