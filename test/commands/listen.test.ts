import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCaptures, captureBody } from '../../src/captures/capture-file.js';
import { listFixtures, loadFixture } from '../../src/platform/fixtures.js';
import { startListener, type ListenEvent, type ListenerOptions } from '../../src/receiving/listener.js';
import { sign } from '../../src/signing/signature.js';
import { listenLines } from '../../src/commands/listen/render.js';
import { createStyle } from '../../src/output/style.js';
import { temporaryFolder, BIN, jsonLines, ROOT, runCli } from '../helpers.js';
import { startReceiver } from '../receiver.js';

const SECRET = 'whsec_listen_test_91b2';
const tmp = temporaryFolder('hms-webhook-listen-');

async function listener(overrides: Partial<ListenerOptions> = {}) {
  const events: ListenEvent[] = [];
  const server = await startListener({
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [SECRET],
    toleranceSeconds: 300,
    enforce: true,
    maxBodyBytes: 10 * 1024 * 1024,
    replies: {},
    delayMs: 0,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { ...server, events };
}

/** The listener's nth event, once it is out: a failed signature's event follows its answer (after its diagnosis). */
async function nthEvent(server: { events: ListenEvent[] }, n: number): Promise<ListenEvent> {
  while (server.events.length < n) await new Promise((resolve) => setImmediate(resolve));
  return server.events[n - 1]!;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') {
  const response = await fetch(url, { method, body: method === 'GET' ? undefined : body, headers });
  return { status: response.status, text: await response.text() };
}

const fixtureBody = (name: string, dialect: 'hms' | 'flireo' = 'hms') => JSON.stringify(loadFixture(name, { dialect }).document);

describe('listen: receiving', () => {
  let server: Awaited<ReturnType<typeof listener>>;
  before(async () => (server = await listener()));
  after(() => server.close());

  for (const entry of listFixtures('payload')) {
    for (const dialect of ['hms', 'flireo'] as const) {
      it(`accepts ${entry.event}/${entry.variant} (${dialect})`, async () => {
        const body = fixtureBody(`${entry.event}/${entry.variant}`, dialect);
        const response = await post(server.url, body, sign({ body, secret: SECRET }));
        assert.equal(response.status, 200);
        const event = server.events.at(-1)!;
        assert.equal(event.passed, true, JSON.stringify(event.errors));
        assert.equal(event.event, entry.event);
        assert.equal(event.dialect, dialect);
        assert.deepEqual(event.signature, { checked: true, ok: true, secretIndex: 0 });
      });
    }
  }

  it('answers each bad request class and never crashes', async () => {
    const small = await listener({ maxBodyBytes: 100 });
    try {
      assert.equal((await post(small.url, 'not json', { 'content-type': 'application/json' })).status, 400);
      assert.equal((await post(small.url, '', {}, 'GET')).status, 405);
      assert.equal((await post(small.url, 'x'.repeat(5000))).status, 413);
      assert.equal((await post(`${small.url}elsewhere`, '{}')).status, 404);
      assert.deepEqual(
        small.events.map((e) => [e.answer.status, e.passed, typeof e.badRequest]),
        [
          [400, false, 'string'],
          [405, false, 'string'],
          [413, false, 'string'],
          [404, false, 'string'],
        ],
      );
      const body = fixtureBody('status-update');
      assert.equal((await post(small.url.replace(/\/$/, '/'), body.slice(0, 90), {})).status, 400, 'still up after bad requests');
    } finally {
      await small.close();
    }
  });

  it('an X-Webhook-Event that differs from message.type fails the event', async () => {
    const body = fixtureBody('status-update');
    const headers = { ...sign({ body, secret: SECRET }), 'X-Webhook-Event': 'tool-calls' };
    assert.equal((await post(server.url, body, headers)).status, 200);
    const event = server.events.at(-1)!;
    assert.equal(event.passed, false);
    assert.match(event.errors[0]!.message, /X-Webhook-Event is "tool-calls" but message.type is "status-update"/);
  });
});

describe('listen: signatures', () => {
  let server: Awaited<ReturnType<typeof listener>>;
  before(async () => (server = await listener()));
  after(() => server.close());
  const body = fixtureBody('status-update');
  const now = Math.floor(Date.now() / 1000);
  const good = () => sign({ body, secret: SECRET });
  const cases: [string, () => Record<string, string>][] = [
    [
      'missing-signature',
      () => {
        const h: Record<string, string> = good();
        delete h['X-Webhook-Signature'];
        return h;
      },
    ],
    [
      'missing-timestamp',
      () => {
        const h: Record<string, string> = good();
        delete h['X-Webhook-Timestamp'];
        return h;
      },
    ],
    ['malformed-timestamp', () => ({ ...good(), 'X-Webhook-Timestamp': 'yesterday' })],
    ['timestamp-too-old', () => sign({ body, secret: SECRET, timestamp: now - 301 })],
    ['timestamp-in-future', () => sign({ body, secret: SECRET, timestamp: now + 400 })],
    ['malformed-signature', () => ({ ...good(), 'X-Webhook-Signature': 'sha256=abc' })],
    ['signature-mismatch', () => sign({ body, secret: 'another-secret' })],
  ];
  for (const [reason, headers] of cases) {
    it(`401 for ${reason}`, async () => {
      const before = server.events.length;
      const response = await post(server.url, body, headers());
      assert.equal(response.status, 401);
      assert.match(response.text, new RegExp(reason));
      const event = await nthEvent(server, before + 1);
      assert.equal(event.passed, false);
      assert.ok(event.signature.checked && !event.signature.ok && event.signature.reason === reason);
    });
  }

  it('rotation: either of two secrets passes, and says which', async () => {
    const rotating = await listener({ secrets: ['old-secret', SECRET] });
    try {
      assert.equal((await post(rotating.url, body, sign({ body, secret: SECRET }))).status, 200);
      assert.equal((await post(rotating.url, body, sign({ body, secret: 'old-secret' }))).status, 200);
      assert.deepEqual(
        rotating.events.map((e) => e.signature),
        [
          { checked: true, ok: true, secretIndex: 1 },
          { checked: true, ok: true, secretIndex: 0 },
        ],
      );
    } finally {
      await rotating.close();
    }
  });

  it('--no-enforce answers as if valid but still reports the failure', async () => {
    const lax = await listener({ enforce: false });
    try {
      assert.equal((await post(lax.url, body, sign({ body, secret: 'wrong' }))).status, 200);
      assert.equal((await nthEvent(lax, 1)).passed, false);
    } finally {
      await lax.close();
    }
  });

  it('without secrets, signatures are unchecked and the event passes', async () => {
    const open = await listener({ secrets: [] });
    try {
      assert.equal((await post(open.url, body, { 'X-Webhook-Event': 'status-update' })).status, 200);
      assert.deepEqual(open.events[0]!.signature, { checked: false });
      assert.equal(open.events[0]!.passed, true);
    } finally {
      await open.close();
    }
  });
});

describe('listen: answering', () => {
  it('built-in defaults: an assistant, and a result per tool call id', async () => {
    const server = await listener();
    try {
      const request = fixtureBody('assistant-request');
      assert.ok(JSON.parse((await post(server.url, request, sign({ body: request, secret: SECRET }))).text).assistant.first_message);
      const tools = fixtureBody('tool-calls/several-tools', 'flireo');
      const reply = JSON.parse((await post(server.url, tools, sign({ body: tools, secret: SECRET }))).text);
      assert.deepEqual(
        reply.results.map((r: { toolCallId: string }) => r.toolCallId),
        ['tool_abc123def456', 'tool_9f8e7d6c5b4a'],
      );
    } finally {
      await server.close();
    }
  });

  it('--reply: per event, and per tool name with the ids filled in', async () => {
    const server = await listener({
      replies: { 'assistant-request': { error: 'Gesloten' }, 'tool-calls': { book_appointment: { booked: true }, '*': 'fallback' } },
    });
    try {
      const request = fixtureBody('assistant-request');
      assert.deepEqual(JSON.parse((await post(server.url, request, sign({ body: request, secret: SECRET }))).text), { error: 'Gesloten' });
      const tools = fixtureBody('tool-calls/several-tools');
      assert.deepEqual(JSON.parse((await post(server.url, tools, sign({ body: tools, secret: SECRET }))).text), {
        results: [
          { tool_call_id: 'tool_abc123def456', result: 'fallback' },
          { tool_call_id: 'tool_9f8e7d6c5b4a', result: { booked: true } },
        ],
      });
    } finally {
      await server.close();
    }
  });

  it('--forward-to relays the exact bytes and headers, returns the reply and checks it', async () => {
    const upstream = await startReceiver(SECRET, () => ({
      body: JSON.stringify({ results: [{ tool_call_id: 'tool_wrong', result: 1 }] }),
    }));
    const server = await listener({ forwardTo: new URL(upstream.url) });
    try {
      const body = fixtureBody('tool-calls');
      const headers = sign({ body, secret: SECRET });
      const response = await post(server.url, body, headers);
      assert.equal(response.status, 200);
      assert.match(response.text, /tool_wrong/);
      const relayed = upstream.received[0]!;
      assert.equal(relayed.body.toString('utf8'), body);
      assert.equal(relayed.signatureValid, true);
      assert.equal(relayed.headers['x-webhook-signature'], headers['X-Webhook-Signature']);
      const event = server.events[0]!;
      assert.equal(event.forward?.status, 200);
      assert.equal(event.passed, false, 'a reply for an unknown tool id fails the check');
      assert.ok(event.forward?.verdict?.outcome.some((line) => /the result for tool_wrong is ignored/.test(line)));
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it('--forward-to an unreachable server answers 502 and says why', async () => {
    const gone = await startReceiver(undefined);
    await gone.close();
    const server = await listener({ forwardTo: new URL(gone.url) });
    try {
      const body = fixtureBody('status-update');
      assert.equal((await post(server.url, body, sign({ body, secret: SECRET }))).status, 502);
      assert.match(server.events[0]!.forward!.failure!, /connection refused/);
    } finally {
      await server.close();
    }
  });
});

describe('listen: recording', () => {
  it('--save writes every request, exact bytes, readable by the capture reader', async () => {
    const file = join(tmp, 'round-trip.jsonl');
    const server = await listener({ save: file });
    const sent: string[] = [];
    try {
      for (const entry of listFixtures('payload')) {
        const body = fixtureBody(`${entry.event}/${entry.variant}`);
        sent.push(body);
        await post(server.url, body, sign({ body, secret: SECRET }));
      }
      const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
      await post(server.url, bytes, {});
      await Promise.all(Array.from({ length: 50 }, () => post(server.url, sent[0]!, sign({ body: sent[0]!, secret: SECRET }))));
    } finally {
      await server.close();
    }
    const captures = [];
    for await (const { capture } of readCaptures(file)) captures.push(capture);
    assert.equal(captures.length, sent.length + 1 + 50);
    captures.slice(0, sent.length).forEach((capture, index) => {
      assert.equal(capture.body, sent[index]);
      assert.equal(capture.method, 'POST');
      assert.match(capture.received_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(capture.headers['x-webhook-event'], JSON.parse(sent[index]!).message.type);
    });
    assert.deepEqual(captureBody(captures[sent.length]!), Buffer.from([0x7b, 0xff, 0x7d]), 'bytes that are not UTF-8 come back exactly');
    assert.ok(!readFileSync(file, 'utf8').includes(SECRET), 'the secret is never saved');
  });
});

describe('listen: the command', () => {
  it('--count exits after n events with the verdict; JSONL when piped, listening line first', async () => {
    const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--count', '2'], { cwd: ROOT });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const url = await listeningUrl(child);
    const body = fixtureBody('status-update');
    await post(url, body, sign({ body, secret: SECRET }));
    await post(url, body, sign({ body, secret: 'wrong' }));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 1, 'one event failed its signature');
    const lines = jsonLines(stdout);
    assert.deepEqual(lines[0], { type: 'listening', url });
    assert.deepEqual(
      lines.map((l) => l.type),
      ['listening', 'event', 'event', 'summary'],
    );
    assert.deepEqual(lines.at(-1), { type: 'summary', passed: 1, failed: 1, stopped_by: 'count' });
    assert.ok(!stdout.includes('\u001b['), 'no colour codes when piped');
  });

  it('--timeout with no event exits 1', async () => {
    const result = await runCli(['listen', '--port', '0', '--timeout', '0.3']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no event came within 0\.3 s/);
  });

  it('a port in use is a one-line error, exit 2', async () => {
    const busy = await startReceiver(undefined);
    try {
      const result = await runCli(['listen', '--port', String(busy.port)]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`^hms-webhook: port ${busy.port} on 127\\.0\\.0\\.1 is in use`));
      assert.equal(result.stderr.trim().split('\n').length, 1);
    } finally {
      await busy.close();
    }
  });

  it('SIGINT flushes the capture file completely and exits 130', async () => {
    const file = join(tmp, 'sigint.jsonl');
    const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', file, '--json'], { cwd: ROOT });
    child.stdout.resume();
    const url = await listeningUrl(child);
    const body = fixtureBody('end-of-call-report');
    const answers = await Promise.all(Array.from({ length: 200 }, () => post(url, body, sign({ body, secret: SECRET }))));
    const ok = answers.filter((a) => a.status === 200).length;
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 130);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(ok, 200);
    assert.equal(lines.length, ok, 'every answered request is a saved line');
    assert.ok(
      lines.every((line) => JSON.parse(line).body === body),
      'no torn line',
    );
  });

  it('--reply with a bad file is a usage error', async () => {
    const file = join(tmp, 'replies.json');
    writeFileSync(file, '{"call-started": {}}');
    const result = await runCli(['listen', '--port', '0', '--reply', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown event "call-started"/);
  });
});

function listeningUrl(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /Listening on (\S+)/.exec(text);
      if (match) resolve(match[1]!);
    });
    child.on('close', (code) => reject(new Error(`listen exited ${code}: ${text}`)));
  });
}

describe('listen: delay and the human view', () => {
  it('--delay holds the answer back', async () => {
    const server = await listener({ delayMs: 300 });
    try {
      const body = fixtureBody('assistant-request');
      // The listener runs in this event loop, so a shorter timer started first always fires first:
      // an order, not a duration, and it holds however busy the machine is.
      const order: string[] = [];
      setTimeout(() => order.push('250 ms timer'), 250);
      assert.equal((await post(server.url, body, sign({ body, secret: SECRET }))).status, 200);
      order.push('reply');
      assert.deepEqual(order, ['250 ms timer', 'reply'], 'answered after the delay');
      assert.ok(server.events[0]!.latencyMs >= 295);
    } finally {
      await server.close();
    }
  });

  it('one readable block per event with its essentials; one line with -q', async () => {
    const server = await listener();
    try {
      for (const name of ['status-update/ended-with-error', 'tool-calls/several-tools']) {
        const body = fixtureBody(name);
        await post(server.url, body, sign({ body, secret: 'wrong' }));
      }
    } finally {
      await server.close();
    }
    const style = createStyle(false);
    const [statusEvent, toolEvent] = server.events;
    const block = listenLines(statusEvent!, style, 'normal').join('\n');
    assert.match(block, /✗ \d\d:\d\d:\d\d\.\d{3} {2}status-update · hms {2}call 5c4d030f {2}→ 401/);
    assert.match(block, /status ended-with-error \(error\) — error: STT connection failed/);
    assert.match(block, /signature signature-mismatch: the signature does not match/);
    const tools = listenLines(toolEvent!, style, 'normal').join('\n');
    assert.match(tools, /lookup_contact\(\{"query":"Jan de Vries"\}\) {2}tool_abc123def456/);
    assert.match(tools, /book_appointment\(/);
    assert.equal(listenLines(toolEvent!, style, 'quiet').length, 1);
    assert.ok(listenLines(toolEvent!, style, 'verbose').some((line) => line.includes('x-webhook-signature')));
  });
});

describe('listen: text from the wire never reaches the terminal raw', () => {
  it('escape sequences in call.status, call.id and a header are shown escaped, in every view', async () => {
    const server = await listener();
    const payload = JSON.parse(fixtureBody('status-update/ended')) as { message: { call: { id: string; status: string } } };
    payload.message.call.status = '\u001b[2J';
    payload.message.call.id = '\u001b]0;x\u0007';
    const body = JSON.stringify(payload);
    try {
      await post(server.url, body, { ...sign({ body, secret: SECRET }), 'x-note': 'a\u009bb' });
      await post(server.url, '\u001b[31mnot json', {});
    } finally {
      await server.close();
    }
    const style = createStyle(false);
    for (const detail of ['quiet', 'normal', 'verbose'] as const) {
      const text = server.events.flatMap((event) => listenLines(event, style, detail)).join('\n');
      const raw = [...text].filter((ch) => ch !== '\n' && /\p{Cc}/u.test(ch));
      assert.deepEqual(raw, [], `${detail}: ${JSON.stringify(text)}`);
    }
    const normal = listenLines(server.events[0]!, style, 'normal').join('\n');
    assert.ok(normal.includes('status \\u001b[2J'), normal);
  });
});

describe('listen: a fault of ours while answering', () => {
  it('is answered 500, and is still one event and one capture line with its reason', async () => {
    const file = join(temporaryFolder('hms-webhook-fault-'), 'captures.jsonl');
    const server = await listener({
      save: file,
      replies: {
        get 'assistant-request'(): unknown {
          throw new Error('the reply plan broke');
        },
      },
    });
    try {
      const body = fixtureBody('assistant-request');
      const response = await post(server.url, body, sign({ body, secret: SECRET }));
      assert.equal(response.status, 500);
      const event = await nthEvent(server, 1);
      assert.equal(event.badRequest, 'internal error while answering: the reply plan broke');
      assert.equal(event.passed, false);
    } finally {
      await server.close();
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as { reply: { status: number }; verdict: { bad_request: string } };
    assert.deepEqual([line.reply.status, line.verdict.bad_request], [500, 'internal error while answering: the reply plan broke']);
  });
});
