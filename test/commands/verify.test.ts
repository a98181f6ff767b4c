import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startListener } from '../../src/receiving/listener.js';
import { jsonLines, ROOT, runCli, spawnCli, steppingClock, temporaryFolder } from '../helpers.js';

const SECRET = 'verify-secret-4f2a9c';
const dir = temporaryFolder('hms-verify-');
const fixture = (name: string) => readFileSync(join(ROOT, 'fixtures', `${name}.json`), 'utf8');
/** The body as the platform would send it: compact JSON. */
const BODY = JSON.stringify(JSON.parse(fixture('status-update/in-progress')));
const NOW = Math.floor(Date.now() / 1000);

/** HMAC written out here, independent of the signing core under test. */
function hmac(key: string | Buffer, message: string | Buffer, algorithm = 'sha256'): Buffer {
  return createHmac(algorithm, key).update(message).digest();
}
const signed = (timestamp: number | string, body: string | Buffer, secret: string | Buffer = SECRET) =>
  `sha256=${hmac(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)])).toString('hex')}`;

interface CaptureInput {
  body: string | Buffer;
  headers: Record<string, string>;
  receivedAt?: Date;
  reply?: Record<string, unknown>;
}

/** A capture line in the documented format, written without our capture module. */
function captureLine({ body, headers, receivedAt = new Date(NOW * 1000), reply }: CaptureInput): string {
  const bytes = Buffer.from(body);
  const text = bytes.toString('utf8');
  const bodyField = Buffer.from(text, 'utf8').equals(bytes) ? { body: text } : { body_base64: bytes.toString('base64') };
  return JSON.stringify({
    received_at: receivedAt.toISOString(),
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', 'x-webhook-event': 'status-update', ...headers },
    ...bodyField,
    ...(reply ? { reply } : {}),
  });
}

function writeCaptures(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

const headersFor = (timestamp: number | string, signature: string) => ({
  'x-webhook-timestamp': String(timestamp),
  'x-webhook-signature': signature,
});

describe('verify: captures written by listen --save', () => {
  let file: string;
  before(async () => {
    file = join(dir, 'listen.jsonl');
    const listener = await startListener({
      host: '127.0.0.1',
      port: 0,
      path: '/',
      secrets: [SECRET],
      toleranceSeconds: 300,
      enforce: true,
      maxBodyBytes: 1 << 20,
      replies: {},
      delayMs: 0,
      save: file,
      onEvent: () => {},
    });
    for (const name of [
      'assistant-request/inbound-phone-call',
      'status-update/in-progress',
      'tool-calls/several-tools',
      'end-of-call-report/full',
    ]) {
      const body = JSON.stringify(JSON.parse(fixture(name)));
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(listener.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-webhook-event': name.split('/')[0]!,
          ...headersFor(timestamp, signed(timestamp, body)),
        },
      });
      assert.equal(response.status, 200);
    }
    await listener.close();
  });

  it('passes every request, with one line each and the summary, exit 0', async () => {
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^✓ .*listen\.jsonl:1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}assistant-request {2}call 5c4d030f/);
    assert.equal(lines[4], '4 passed, 0 failed');
    assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET));
  });

  it('--json gives one object per request with the recorded reply judged, then a summary', async () => {
    const result = await runCli(['verify', file, '--secret', SECRET, '--json']);
    assert.equal(result.code, 0);
    const objects = jsonLines(result.stdout);
    assert.equal(objects.length, 5);
    assert.deepEqual(objects.at(-1), { type: 'summary', passed: 4, failed: 0 });
    const tools = objects[2] as { event: string; line: number; reply: { ok: boolean; checks: { name: string }[] } };
    assert.equal(tools.event, 'tool-calls');
    assert.equal(tools.line, 3);
    assert.ok(
      tools.reply.ok && tools.reply.checks.some((c) => c.name === 'schema'),
      'the recorded tool-calls reply was checked against its schema',
    );
  });

  it('reads the capture from stdin with -', async () => {
    const result = await runCli(['verify', '-', '--secret', SECRET, '--quiet'], { stdin: readFileSync(file) });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '4 passed, 0 failed\n');
  });

  it('fails with the wrong secret (exit 1) and never prints a secret', async () => {
    const result = await runCli(['verify', file, '--secret', 'not-the-secret']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /0 passed, 4 failed/);
    assert.ok(!result.stdout.includes('not-the-secret'));
  });
});

describe('verify -q on a terminal: a count that moves', () => {
  /** Back to the line's start, and the line erased: how the count is redrawn in place. */
  const REDRAW = '\r\u001b[K';
  const lines = [
    ...Array.from({ length: 4 }, () => captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY)) })),
    captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'another-secret')) }),
  ];

  it('redrawn in place on stderr, cleared before a failure is printed and before the summary', async () => {
    const file = writeCaptures('progress.jsonl', lines);
    // Each reading of the clock a redraw interval later: every request redraws the line.
    const result = await runCli(['verify', file, '--secret', SECRET, '--quiet'], { tty: true, clock: steppingClock(NOW * 1000, 250) });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`${REDRAW}verifying: 4 requests checked, 0 failed`), JSON.stringify(result.stderr));
    assert.ok(result.stderr.endsWith(`${REDRAW}verifying: 5 requests checked, 1 failed${REDRAW}`), 'the last count, then cleared');
    assert.match(result.stdout, /1 failed/);
  });

  it('a file large enough for the worker threads counts too, batch by batch', async () => {
    const line = captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY)) });
    const count = Math.ceil((9 * 1024 * 1024) / line.length);
    const file = writeCaptures(
      'progress-large.jsonl',
      Array.from({ length: count }, () => line),
    );
    const result = await runCli(['verify', file, '--secret', SECRET, '--quiet'], { tty: true, clock: steppingClock(NOW * 1000, 250) });
    assert.equal(result.code, 0, result.stderr.slice(-500));
    assert.ok(result.stderr.endsWith(`${REDRAW}verifying: ${count} requests checked, 0 failed${REDRAW}`), result.stderr.slice(-200));
  });

  it('not without -q, not with --json, not in a pipe, not in CI', async () => {
    const file = writeCaptures('no-progress.jsonl', lines);
    const clock = () => steppingClock(NOW * 1000, 250);
    for (const [args, options] of [
      [[], { tty: true }],
      [['--quiet', '--json'], { tty: true }],
      [['--quiet'], { tty: false }],
      [['--quiet'], { tty: true, env: { CI: 'true' } }],
    ] as const) {
      const result = await runCli(['verify', file, '--secret', SECRET, ...args], { ...options, clock: clock() });
      assert.doesNotMatch(result.stderr, /verifying:/, JSON.stringify([args, options]));
    }
  });
});

describe('verify: diagnosis of signatures that do not match', () => {
  const doc = JSON.parse(BODY) as Record<string, unknown>;
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortKeys)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
          )
        : value;
  const pretty = JSON.stringify(doc, null, 2);
  const withAccent = BODY.replace('"in-progress"', '"in-progress","note":"café Zoë"');
  // Each case: what the sender did, and the words the diagnosis must say.
  const cases: { name: string; line: string; cause: string; text: RegExp; env?: Record<string, string> }[] = [
    {
      name: 'compact body, signed pretty (re-serialised)',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, pretty)) }),
      cause: 'reserialised-body',
      text: /re-serialised copy \(with 2-space indentation\) — these are the bytes as they arrived, so the sender changed them/,
    },
    {
      name: 'pretty body, signed compact',
      line: captureLine({ body: pretty, headers: headersFor(NOW, signed(NOW, BODY)) }),
      cause: 'reserialised-body',
      text: /compact, as JSON\.stringify writes it/,
    },
    {
      name: 'keys reordered',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, JSON.stringify(sortKeys(doc)))) }),
      cause: 'reserialised-body',
      text: /keys reordered/,
    },
    {
      name: 'timestamp in milliseconds in the signature',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW * 1000 + 417, BODY)) }),
      cause: 'timestamp-milliseconds',
      text: /timestamp in milliseconds/,
    },
    {
      name: 'timestamp in milliseconds in the header',
      line: captureLine({ body: BODY, headers: headersFor(NOW * 1000, signed(NOW * 1000, BODY)) }),
      cause: 'timestamp-milliseconds',
      text: /X-Webhook-Timestamp is in milliseconds: send unix seconds/,
    },
    {
      name: 'body alone',
      line: captureLine({ body: BODY, headers: headersFor(NOW, `sha256=${hmac(SECRET, BODY).toString('hex')}`) }),
      cause: 'body-only',
      text: /over the body alone: sign "<timestamp>\.<body>"/,
    },
    {
      name: 'body then timestamp',
      line: captureLine({ body: BODY, headers: headersFor(NOW, `sha256=${hmac(SECRET, `${BODY}.${NOW}`).toString('hex')}`) }),
      cause: 'body-then-timestamp',
      text: /over "<body>\.<timestamp>": put the timestamp first/,
    },
    {
      name: 'sha1',
      line: captureLine({ body: BODY, headers: headersFor(NOW, `sha1=${hmac(SECRET, `${NOW}.${BODY}`, 'sha1').toString('hex')}`) }),
      cause: 'sha1',
      text: /HMAC-SHA1: compute HMAC-SHA256/,
    },
    {
      name: 'upper-case hex',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY).toUpperCase().replace('SHA256=', 'sha256=')) }),
      cause: 'uppercase-hex',
      text: /upper case: send it in lower case/,
    },
    {
      name: 'base64',
      line: captureLine({ body: BODY, headers: headersFor(NOW, `sha256=${hmac(SECRET, `${NOW}.${BODY}`).toString('base64')}`) }),
      cause: 'base64',
      text: /base64-encoded: send sha256=<lowercase hex>/,
    },
    {
      name: 'trailing newline',
      line: captureLine({ body: `${BODY}\n`, headers: headersFor(NOW, signed(NOW, BODY)) }),
      cause: 'trailing-newline',
      text: /trailing newline was added/,
    },
    {
      name: 'trailing CRLF',
      line: captureLine({ body: `${BODY}\r\n`, headers: headersFor(NOW, signed(NOW, BODY)) }),
      cause: 'trailing-newline',
      text: /trailing CRLF was added/,
    },
    {
      name: 'line endings made CRLF',
      line: captureLine({ body: pretty.replaceAll('\n', '\r\n'), headers: headersFor(NOW, signed(NOW, pretty)) }),
      cause: 'crlf',
      text: /line endings of the body were changed to CRLF/,
    },
    {
      name: 'another charset',
      line: captureLine({
        body: Buffer.from(Buffer.from(withAccent, 'utf8').toString('latin1'), 'utf8'),
        headers: headersFor(NOW, signed(NOW, withAccent)),
      }),
      cause: 'charset',
      text: /another charset than UTF-8/,
    },
    {
      name: 'secret with a trailing newline',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, `${SECRET}\n`)) }),
      cause: 'secret-whitespace',
      text: /surrounding whitespace.*trim the webhook_secret/,
    },
    {
      name: 'secret with a whsec_ prefix',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, `whsec_${SECRET}`)) }),
      cause: 'secret-prefix',
      text: /whsec_ prefix added: this platform uses the whole webhook_secret/,
    },
    {
      name: 'another known secret',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'the-old-one')) }),
      cause: 'other-secret',
      text: /signed with the secret in HMS_WEBHOOK_SECRET, not with --secret/,
      env: { HMS_WEBHOOK_SECRET: 'the-old-one' },
    },
    {
      name: 'no known mistake',
      line: captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'a-stranger')) }),
      cause: 'unknown',
      text: /no known mistake explains it/,
    },
  ];

  for (const c of cases) {
    it(`names the mistake: ${c.name}`, async () => {
      const file = writeCaptures(`diagnosis-${c.cause}-${c.name.replace(/\W+/g, '-')}.jsonl`, [c.line]);
      const result = await runCli(['verify', file, '--secret', SECRET, '--json'], { env: c.env ?? {} });
      assert.equal(result.code, 1, result.stderr);
      const [request] = jsonLines(result.stdout) as { signature: { ok: boolean; diagnosis: { causes: string[]; message: string } } }[];
      assert.equal(request!.signature.ok, false);
      assert.deepEqual(request!.signature.diagnosis.causes, [c.cause]);
      assert.match(request!.signature.diagnosis.message, c.text);
      assert.ok(!result.stdout.includes(SECRET) && !result.stdout.includes('the-old-one'), 'no secret in the output');
    });
  }

  it('names the whsec_ secret decoded the Standard Webhooks way', async () => {
    const secret = `whsec_${Buffer.from('raw-key-bytes').toString('base64')}`;
    const file = writeCaptures('whsec-decoded.jsonl', [
      captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, Buffer.from('raw-key-bytes'))) }),
    ]);
    const result = await runCli(['verify', file, '--secret', secret]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /whsec_ prefix removed and the rest base64-decoded/);
  });

  it('combines mistakes: another --secret by position and upper-case hex', async () => {
    const file = writeCaptures('combined.jsonl', [
      captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'second').toUpperCase().replace('SHA256=', 'sha256=')) }),
    ]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--secret', 'second']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /signature-mismatch: .* — the hex digest is upper case/);
  });

  it('passes a request signed with the second --secret and says so (rotation)', async () => {
    const file = writeCaptures('rotation.jsonl', [captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'second')) })]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--secret', 'second']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /\(signed with --secret #2\)/);
  });

  for (const [platform, header, value] of [
    ['Vapi', 'x-vapi-signature', 'abc'],
    ['Retell', 'x-retell-signature', 'v=1,d=abc'],
    ['ElevenLabs', 'elevenlabs-signature', 't=1,v0=abc'],
    ['Stripe', 'stripe-signature', 't=1,v1=abc'],
    ['Standard Webhooks', 'webhook-signature', 'v1,abc='],
  ] as const) {
    it(`names another platform's signature headers: ${platform}`, async () => {
      const file = writeCaptures(`foreign-${header}.jsonl`, [
        captureLine({ body: BODY, headers: { 'x-webhook-timestamp': String(NOW), [header]: value } }),
      ]);
      const result = await runCli(['verify', file, '--secret', SECRET]);
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        new RegExp(
          `missing-signature: .* — the request carries ${platform}'s signature header \\(${header}\\), not this platform's: this platform signs with X-Webhook-Signature`,
        ),
      );
    });
  }
});

describe('verify: time reference', () => {
  const twoDaysAgo = NOW - 2 * 86_400;
  const old = captureLine({
    body: BODY,
    headers: headersFor(twoDaysAgo, signed(twoDaysAgo, BODY)),
    receivedAt: new Date((twoDaysAgo + 1) * 1000),
  });

  it('judges each capture at its received_at, so old captures still verify', async () => {
    const result = await runCli(['verify', writeCaptures('old.jsonl', [old]), '--secret', SECRET]);
    assert.equal(result.code, 0, result.stdout);
  });

  it('--now judges against another time: the same capture is then too old', async () => {
    const file = writeCaptures('old-now.jsonl', [old]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--now', new Date(NOW * 1000).toISOString()]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /timestamp-too-old: the signature is valid, but the timestamp is 172800 s old/);
    const unix = await runCli(['verify', file, '--secret', SECRET, '--now', String(twoDaysAgo + 10)]);
    assert.equal(unix.code, 0, 'unix seconds work too');
  });

  it('--ignore-time skips the age check, and --tolerance widens it', async () => {
    const file = writeCaptures('old-ignore.jsonl', [old]);
    assert.equal(
      (await runCli(['verify', file, '--secret', SECRET, '--now', String(NOW), '--ignore-time'])).code,
      2,
      '--now with --ignore-time is a usage error',
    );
    const late = captureLine({ body: BODY, headers: headersFor(NOW - 400, signed(NOW - 400, BODY)) });
    const lateFile = writeCaptures('late.jsonl', [late]);
    assert.equal((await runCli(['verify', lateFile, '--secret', SECRET])).code, 1);
    assert.equal((await runCli(['verify', lateFile, '--secret', SECRET, '--ignore-time'])).code, 0);
    assert.equal((await runCli(['verify', lateFile, '--secret', SECRET, '--tolerance', '500'])).code, 0);
  });

  it('rejects a --now it cannot read, exit 2', async () => {
    const result = await runCli(['verify', writeCaptures('now-bad.jsonl', [old]), '--secret', SECRET, '--now', 'yesterday']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: --now yesterday: give unix seconds .* or an ISO 8601 date/);
  });
});

describe('verify: HAR files', () => {
  const toolBody = JSON.stringify(JSON.parse(fixture('tool-calls/one-tool')));
  const assistantBody = JSON.stringify(JSON.parse(fixture('assistant-request/inbound-phone-call')));
  const entry = (
    body: string,
    event: string,
    response: { status: number; text: string; time: number },
    method = 'POST',
    extra: { name: string; value: string }[] = [],
  ) => ({
    startedDateTime: new Date(NOW * 1000).toISOString(),
    time: response.time,
    request: {
      method,
      url: 'https://receiver.example/webhooks?x=1',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        ...(event
          ? [
              { name: 'X-Webhook-Event', value: event },
              { name: 'X-Webhook-Timestamp', value: String(NOW) },
              { name: 'X-Webhook-Signature', value: signed(NOW, body) },
            ]
          : []),
        ...extra,
      ],
      postData: { mimeType: 'application/json', text: body },
    },
    response: { status: response.status, content: { mimeType: 'application/json', text: response.text } },
  });
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'test', version: '1' },
      entries: [
        entry(toolBody, 'tool-calls', {
          status: 200,
          time: 120,
          text: JSON.stringify({ results: [{ tool_call_id: 'tool_abc123def456', result: { ok: true } }] }),
        }),
        entry('', '', { status: 200, time: 5, text: '<html>' }, 'GET'),
        entry('{"other":"api"}', '', { status: 200, time: 5, text: '{}' }),
        entry(assistantBody, 'assistant-request', { status: 200, time: 6200, text: JSON.stringify({ assistant: { name: 'Late' } }) }),
      ],
    },
  };

  it('checks every POST entry with X-Webhook-* headers, including its reply and deadline', async () => {
    const file = join(dir, 'session.har');
    writeFileSync(file, JSON.stringify(har, null, 2));
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 3, 'two webhook entries and the summary');
    assert.match(lines[0]!, /^✓ .*session\.har#1 .* tool-calls/);
    assert.match(lines[1]!, /^✗ .*session\.har#4 .* assistant-request .*reply deadline: late: 6\.20 s, the platform waits 5\.00 s/);
    assert.equal(lines[2], '1 passed, 1 failed');
  });

  it('a HAR file that is not valid JSON is exit 2', async () => {
    const file = join(dir, 'broken.har');
    writeFileSync(file, '{"log": {"entries": [');
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /broken\.har: not a valid HAR file/);
  });
});

describe('verify: one request given by hand', () => {
  const bodyFile = join(dir, 'body.json');
  before(() => writeFileSync(bodyFile, BODY));

  it('reads headers copied from a log (--headers), request line and all', async () => {
    const headers = join(dir, 'headers.txt');
    writeFileSync(
      headers,
      `POST /webhooks HTTP/1.1\nHost: example.com\nX-Webhook-Event: status-update\nx-webhook-timestamp: ${NOW}\nX-Webhook-Signature: ${signed(NOW, BODY)}\n`,
    );
    const result = await runCli(['verify', '--body', bodyFile, '--headers', headers, '--secret', SECRET]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^✓ request {2}- {2}status-update {2}call 5c4d030f/);
  });

  it('takes --signature and --timestamp, the event from the body, and the body from stdin', async () => {
    const result = await runCli(
      ['verify', '--body', '-', '--signature', signed(NOW, BODY), '--timestamp', String(NOW), '--secret', SECRET],
      { stdin: BODY },
    );
    assert.equal(result.code, 0, result.stdout);
  });

  it('is judged at the current time unless --now says otherwise', async () => {
    const then = NOW - 3600;
    const args = ['verify', '--body', bodyFile, '--signature', signed(then, BODY), '--timestamp', String(then), '--secret', SECRET];
    // The current time is the injected clock's: the age is exact.
    assert.match(
      (await runCli(args, { clock: steppingClock((NOW + 333) * 1000) })).stdout,
      /timestamp-too-old: the signature is valid, but the timestamp is 3933 s old, .* — use --ignore-time or --now for a request copied from a log/,
    );
    assert.equal((await runCli([...args, '--now', String(then + 5)])).code, 0);
  });

  it('diagnoses the hand-given request too: the body was pretty-printed from a log', async () => {
    const pretty = join(dir, 'pretty.json');
    writeFileSync(pretty, JSON.stringify(JSON.parse(BODY), null, 2));
    const result = await runCli([
      'verify',
      '--body',
      pretty,
      '--signature',
      signed(NOW, BODY),
      '--timestamp',
      String(NOW),
      '--secret',
      SECRET,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /the body was changed after signing: the signature matches a re-serialised copy \(compact/);
  });

  it('refuses a header line it cannot read, with its line number, exit 2', async () => {
    const headers = join(dir, 'bad-headers.txt');
    writeFileSync(headers, 'X-Webhook-Event: status-update\nthis is not a header\n');
    const result = await runCli(['verify', '--body', bodyFile, '--headers', headers, '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: --headers .*bad-headers\.txt:2: expected "Name: value"/);
  });

  it('refuses files and --body together, and --signature without --body', async () => {
    assert.equal((await runCli(['verify', 'x.jsonl', '--body', bodyFile, '--secret', SECRET])).code, 2);
    const result = await runCli(['verify', '--signature', 'sha256=00', '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs its body: --body FILE/);
  });
});

describe('verify: bad input and CI behaviour', () => {
  const good = captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY)) });
  const bad = captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY, 'nope')) });

  it('a line that is not JSON (torn by a full disk) is skipped with one line naming it; the rest is checked, exit 1', async () => {
    const file = writeCaptures('malformed.jsonl', [good, good, '{"received_at": "2026', good]);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^hms-webhook: .*malformed\.jsonl:3: not JSON \(a line cut short\?\): .* — skipped; the other lines are checked\n$/,
    );
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
    assert.match(result.stdout, /malformed\.jsonl:4 /, 'the line after it was checked');
    assert.match(result.stdout, /3 passed, 0 failed, 1 unreadable line skipped\n$/);
    const json = await runCli(['verify', file, '--secret', SECRET, '--json']);
    assert.deepEqual(jsonLines(json.stdout).at(-1), { type: 'summary', unreadable: 1, passed: 3, failed: 0 });
    assert.ok(jsonLines(json.stdout).some((o) => o.type === 'unreadable' && o.line === 3));
  });

  it('a JSON line that is not a capture is skipped naming the line; a file of nothing else is exit 2', async () => {
    const file = writeCaptures('not-capture.jsonl', [good, '{"hello": "world"}']);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not-capture\.jsonl:2: not a capture: expected/);
    const only = writeCaptures('only-bad.jsonl', ['{"hello": "world"}', 'torn']);
    const nothing = await runCli(['verify', only, '--secret', SECRET]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /only-bad\.jsonl:2: not JSON/);
  });

  it('CRLF line ends and blank lines are read; unknown keys are ignored', async () => {
    const extra = JSON.stringify({ ...JSON.parse(good), from_the_future: [1, 2] });
    const file = join(dir, 'crlf.jsonl');
    writeFileSync(file, `${good}\r\n\r\n${extra}\r\n`);
    const result = await runCli(['verify', file, '--secret', SECRET, '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '2 passed, 0 failed\n');
  });

  it('an empty capture is exit 2, unless --allow-empty', async () => {
    const file = writeCaptures('empty.jsonl', []);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no requests found in .*empty\.jsonl: .*--allow-empty/);
    const allowed = await runCli(['verify', file, '--secret', SECRET, '--allow-empty', '--json']);
    assert.equal(allowed.code, 0);
    assert.deepEqual(jsonLines(allowed.stdout), [{ type: 'summary', passed: 0, failed: 0 }]);
  });

  it('a missing file is exit 2', async () => {
    const result = await runCli(['verify', join(dir, 'nope.jsonl'), '--secret', SECRET]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hms-webhook: cannot read .*nope\.jsonl: no such file\n$/);
  });

  it('needs a secret, or --unsigned to check schemas only', async () => {
    const file = writeCaptures('unsigned.jsonl', [captureLine({ body: BODY, headers: {} })]);
    const result = await runCli(['verify', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /verify needs the webhook secret: --secret, HMS_WEBHOOK_SECRET or --secret-file \(or --unsigned/);
    // --unsigned reads no secret: an empty HMS_WEBHOOK_SECRET is then no mistake.
    assert.equal((await runCli(['verify', file, '--unsigned'], { env: { HMS_WEBHOOK_SECRET: '' } })).code, 0);
  });

  it('fails schema errors and a wrong event header too', async () => {
    const broken = JSON.stringify({ message: { type: 'status-update', call: { id: 'x' } } });
    const file = writeCaptures('schema.jsonl', [
      captureLine({ body: broken, headers: headersFor(NOW, signed(NOW, broken)) }),
      captureLine({ body: BODY, headers: { ...headersFor(NOW, signed(NOW, BODY)), 'x-webhook-event': 'tool-calls' } }),
    ]);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1);
    const [first, second] = result.stdout.split('\n');
    assert.match(first!, /✗ .*schema: message\./);
    assert.match(second!, /X-Webhook-Event is "tool-calls" but message\.type is "status-update"/);
  });

  it('with GITHUB_ACTIONS=true, writes ::error annotations for failures to stderr', async () => {
    const file = writeCaptures('actions.jsonl', [good, bad]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--json'], { env: { GITHUB_ACTIONS: 'true' } });
    assert.equal(result.code, 1);
    const annotations = result.stderr.split('\n').filter((line) => line.startsWith('::error'));
    assert.equal(annotations.length, 1);
    assert.match(
      annotations[0]!,
      /^::error file=.*actions\.jsonl,line=2::status-update \(call 5c4d030f-43e3-4e65-899e-8148521e660f\): signature-mismatch/,
    );
    assert.equal(jsonLines(result.stdout).length, 3, 'stdout stays JSONL');
    const local = await runCli(['verify', file, '--secret', SECRET], { env: { GITHUB_ACTIONS: '' } });
    assert.ok(!local.stderr.includes('::error'));
  });
});

describe('verify: large files, checked on several threads', () => {
  it('keeps the order of the file and the line numbers, and skips a malformed line naming it', async () => {
    const body = JSON.stringify(JSON.parse(fixture('end-of-call-report/full')));
    const good = captureLine({ body, headers: { ...headersFor(NOW, signed(NOW, body)), 'x-webhook-event': 'end-of-call-report' } });
    const bad = captureLine({ body, headers: { ...headersFor(NOW, signed(NOW, body, 'wrong')), 'x-webhook-event': 'end-of-call-report' } });
    const lines: string[] = [];
    // Over the 8 MB from which verify uses worker threads, with a failure and a broken line deep inside.
    while (lines.length * good.length < 9 * 1024 * 1024) lines.push(good);
    const failAt = lines.length - 300;
    const brokenAt = lines.length - 100;
    lines[failAt - 1] = bad;
    lines[brokenAt - 1] = '{"received_at": ';
    const file = writeCaptures('threads.jsonl', lines);
    const result = await runCli(['verify', file, '--secret', SECRET, '--json'], { env: { GITHUB_ACTIONS: 'true' } });
    assert.equal(result.code, 1, result.stderr.slice(0, 300));
    assert.match(result.stderr, new RegExp(`threads\\.jsonl:${brokenAt}: not JSON`));
    const objects = jsonLines(result.stdout) as { type: string; line: number; passed: boolean }[];
    const requests = objects.filter((o) => o.type === 'request');
    assert.equal(requests.length, lines.length - 1, 'every line but the broken one');
    assert.deepEqual(
      objects.filter((o) => o.type !== 'summary').map((o) => o.line),
      Array.from({ length: lines.length }, (_, i) => i + 1),
      'in the order of the file, the broken line in its place',
    );
    assert.equal(objects.find((o) => o.type === 'unreadable')?.line, brokenAt);
    assert.deepEqual(
      requests.filter((o) => !o.passed).map((o) => o.line),
      [failAt],
    );
    assert.match(result.stderr, new RegExp(`::error file=.*threads\\.jsonl,line=${failAt}::end-of-call-report`));
  });
});

describe('verify: a capture of any size', () => {
  it('checks a 28 MB capture line on the worker path like any other', async () => {
    const doc = JSON.parse(fixture('end-of-call-report/full')) as { message: { messages: { role: string; content: string }[] } };
    doc.message.messages = Array.from({ length: 250_000 }, (_, i) => ({
      role: i % 2 ? 'user' : 'assistant',
      content: `Een vrij lange zin over een afspraak bij de tandarts, nummer ${i}.`,
    }));
    const body = JSON.stringify(doc);
    const headers = { ...headersFor(NOW, signed(NOW, body)), 'x-webhook-event': 'end-of-call-report' };
    const file = writeCaptures('huge-line.jsonl', [
      captureLine({ body, headers }),
      captureLine({ body: BODY, headers: headersFor(NOW, signed(NOW, BODY)) }),
    ]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--quiet']);
    assert.equal(result.code, 0, result.stderr.slice(0, 300));
    assert.equal(result.stdout, '2 passed, 0 failed\n');
  });
});

describe('verify: flat memory', () => {
  let file: string;
  let count = 0;
  after(() => writeFileSync(file, ''));

  it('verifies a capture file larger than its heap limit', async () => {
    file = join(dir, 'large.jsonl');
    const bodies = ['status-update/in-progress', 'end-of-call-report/full', 'tool-calls/several-tools'].map((name) =>
      JSON.stringify(JSON.parse(fixture(name))),
    );
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const body = bodies[i % bodies.length]!;
      lines.push(
        captureLine({ body, headers: { ...headersFor(NOW, signed(NOW, body)), 'x-webhook-event': JSON.parse(body).message.type } }),
      );
    }
    count = lines.length;
    writeFileSync(file, `${lines.join('\n')}\n`);
    const size = readFileSync(file).length;
    const heapMb = 24;
    assert.ok(size > 2 * heapMb * 1024 * 1024, `the file (${size} bytes) is larger than twice the heap limit`);
    // A process of its own, so that the heap limit applies to the command alone.
    const result = await spawnCli(['verify', file, '--secret', SECRET, '--quiet'], {
      env: { NODE_OPTIONS: `--max-old-space-size=${heapMb}` },
    });
    assert.equal(result.code, 0, result.stderr.slice(0, 500));
    assert.equal(result.stdout, `${count} passed, 0 failed\n`);
  });
});

describe('verify: text from a capture file never reaches the terminal raw', () => {
  it('escape sequences in received_at, call.id, the status and a body that is not JSON are shown escaped', async () => {
    const payload = JSON.parse(fixture('status-update/ended')) as { message: { call: { id: string; status: string } } };
    payload.message.call.id = '\u001b]0;owned\u0007c-1';
    payload.message.call.status = '\u001b[2J';
    const body = JSON.stringify(payload);
    const raw = '\u001b[31mnot json\u009b';
    const file = writeCaptures('escapes.jsonl', [
      JSON.stringify({ ...JSON.parse(captureLine({ body, headers: headersFor(NOW, signed(NOW, body)) })), received_at: '\u001b[2J2026' }),
      captureLine({ body: raw, headers: headersFor(NOW, signed(NOW, raw)) }),
    ]);
    const result = await runCli(['verify', file, '--secret', SECRET, '--ignore-time']);
    assert.equal(result.code, 1);
    assert.equal(controlCharacters(result.stdout + result.stderr), 0, JSON.stringify(result.stdout));
    assert.ok(result.stdout.includes('\\u001b]0;'), result.stdout);
    assert.ok(result.stdout.includes('\\u001b[2J2026'), result.stdout);
  });
});

/** Control characters other than newline and tab: what a terminal would act on. */
function controlCharacters(text: string): number {
  return [...text].filter((ch) => ch !== '\n' && ch !== '\t' && /\p{Cc}/u.test(ch)).length;
}

describe('verify: lines a person can act on', () => {
  it('names the full call id (a UUID is shortened only on a terminal) and every schema error with its path', async () => {
    const payload = JSON.parse(fixture('status-update/ended')) as { message: Record<string, any> };
    payload.message.call.id = 'c-valid-1';
    payload.message.call.status = 42;
    payload.message.timestamp = 7;
    const body = JSON.stringify(payload);
    const file = writeCaptures('ids.jsonl', [captureLine({ body, headers: headersFor(NOW, signed(NOW, body)) })]);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /call c-valid-1 /);
    assert.match(result.stdout, /schema: message\.timestamp: [^;]+; schema: message\.call\.status: /);
    const uuid = JSON.parse(fixture('status-update/ended')).message.call.id as string;
    const plain = writeCaptures('uuid.jsonl', [
      captureLine({
        body: fixture('status-update/ended').trim(),
        headers: headersFor(NOW, signed(NOW, fixture('status-update/ended').trim())),
      }),
    ]);
    const whole = await runCli(['verify', plain, '--secret', SECRET]);
    assert.ok(whole.stdout.includes(`call ${uuid}\n`), whole.stdout);
    const short = await runCli(['verify', plain, '--secret', SECRET], { tty: true });
    assert.ok(short.stdout.includes(`call ${uuid.slice(0, 8)}\n`), short.stdout);
  });
});

describe('verify: what a capture of a refused request is, and warnings in full', () => {
  it('a 404 capture names the path; -v prints each warning with its path', async () => {
    const notFound = JSON.stringify({
      received_at: new Date(NOW * 1000).toISOString(),
      method: 'POST',
      path: '/wrong',
      headers: {},
      body: '',
      reply: { status: 404, body: '{}' },
    });
    const payload = JSON.parse(fixture('status-update/ended')) as { message: Record<string, unknown> };
    payload.message.call = { ...(payload.message.call as object), status: 'paused' };
    const body = JSON.stringify(payload);
    const file = writeCaptures('refused.jsonl', [notFound, captureLine({ body, headers: headersFor(NOW, signed(NOW, body)) })]);
    const result = await runCli(['verify', file, '--secret', SECRET, '-v']);
    assert.match(result.stdout, /refused\.jsonl:1 .*path \/wrong is not the webhook path \(the listener answered 404\)/);
    assert.doesNotMatch(result.stdout, /not JSON/);
    assert.match(result.stdout, /\n {4}⚠ message\.call\.status: .*paused/);
  });
});

describe('verify: a request pasted as headers and body in one file', () => {
  it('reads the body after the blank line, and verifies it', async () => {
    const file = join(dir, 'pasted.txt');
    writeFileSync(file, `> POST / HTTP/1.1\n> X-Webhook-Signature: ${signed(NOW, BODY)}\n> X-Webhook-Timestamp: ${NOW}\n\n${BODY}\n`);
    const result = await runCli(['verify', '--headers', file, '--secret', SECRET, '--now', String(NOW)]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});

describe('verify: the advice points at whoever changed the bytes', () => {
  it('a body file with one newline the signed body did not have says so; a capture never says "verify the raw bytes"', async () => {
    const file = join(dir, 'with-newline.json');
    writeFileSync(file, `${BODY}\n`);
    const byHand = await runCli([
      'verify',
      '--body',
      file,
      '--signature',
      signed(NOW, BODY),
      '--timestamp',
      String(NOW),
      '--secret',
      SECRET,
      '--now',
      String(NOW),
    ]);
    assert.equal(byHand.code, 1);
    assert.match(byHand.stdout, /the body file ends with one newline that the signed body did not have \(editors add one\): remove it/);
    const captured = writeCaptures('newline.jsonl', [captureLine({ body: `${BODY}\n`, headers: headersFor(NOW, signed(NOW, BODY)) })]);
    const result = await runCli(['verify', captured, '--secret', SECRET]);
    assert.match(
      result.stdout,
      /a trailing newline was added to the body after signing: these are the bytes as they arrived, so the sender changed them/,
    );
    assert.doesNotMatch(result.stdout, /verify the raw/);
  });
});
