import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { closeSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { startListener } from '../../src/receiving/listener.js';
import { jsonLines, runCli, spawnCli, temporaryFolder } from '../helpers.js';

// Bad input from users and from the wire: one clear line, the right exit code, nothing crashes.

const SECRET = 'hostile-secret-8e1f';
const dir = temporaryFolder('hms-webhook-hostile-');
const NOW = 1_763_900_000;
const sign = (timestamp: number, body: string | Buffer) =>
  `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.`).update(body).digest('hex')}`;
const captureOf = (body: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    received_at: new Date(NOW * 1000).toISOString(),
    method: 'POST',
    path: '/',
    headers: { 'x-webhook-event': 'status-update', 'x-webhook-timestamp': String(NOW), 'x-webhook-signature': sign(NOW, body) },
    body,
    ...extra,
  });
const statusUpdate = JSON.stringify(loadFixture('status-update/ended').document);

describe('a UTF-8 byte order mark: one policy everywhere, and named', () => {
  const bomBody = `\ufeff${statusUpdate}`;

  it('validate reads past it with a warning that names it', async () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, bomBody);
    const result = await runCli(['validate', file, '--json']);
    assert.equal(result.code, 0, result.stdout);
    const [document] = jsonLines(result.stdout) as { warnings: { message: string }[] }[];
    assert.match(document!.warnings[0]!.message, /^the file starts with a UTF-8 byte order mark \(EF BB BF\)/);
  });

  it('verify reads past it with the same warning, and the signature over the bytes still checks', async () => {
    const file = join(dir, 'bom.jsonl');
    writeFileSync(file, `${captureOf(bomBody)}\n`);
    const result = await runCli(['verify', file, '--secret', SECRET, '--ignore-time', '--json']);
    assert.equal(result.code, 0, result.stdout);
    const [request] = jsonLines(result.stdout) as { warnings: { message: string }[] }[];
    assert.match(request!.warnings[0]!.message, /^the body starts with a UTF-8 byte order mark/);
  });

  it('listen answers it as the platform payload it is, with the warning', async () => {
    const events: { warnings: { message: string }[]; answer: { status: number } }[] = [];
    const listener = await startListener({
      host: '127.0.0.1',
      port: 0,
      path: '/',
      secrets: [],
      toleranceSeconds: 300,
      enforce: true,
      maxBodyBytes: 1 << 20,
      replies: {},
      delayMs: 0,
      onEvent: (event) => events.push(event),
    });
    try {
      const response = await fetch(listener.url, { method: 'POST', body: bomBody, headers: { 'x-webhook-event': 'status-update' } });
      assert.equal(response.status, 200);
    } finally {
      await listener.close();
    }
    assert.match(events[0]!.warnings[0]!.message, /byte order mark/);
  });
});

describe('files that cannot be read: one line', () => {
  it('a symlink loop', async () => {
    const loop = join(dir, 'loop.json');
    symlinkSync(loop, loop);
    for (const args of [
      ['validate', loop],
      ['verify', loop, '--secret', SECRET],
      ['send', '--data', loop],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^hms-webhook: cannot read .*loop\.json: too many symbolic links\n$/, args.join(' '));
    }
  });
});

describe('requests the platform never sends', () => {
  it('verify: a received_at that is not a date is reported, not judged against the current clock', async () => {
    const file = join(dir, 'bad-time.jsonl');
    writeFileSync(file, `${captureOf(statusUpdate, { received_at: 'yesterday' })}\n`);
    const result = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /received_at: "yesterday" is not a date, so the timestamp cannot be judged: give --now or --ignore-time/);
    assert.equal((await runCli(['verify', file, '--secret', SECRET, '--ignore-time'])).code, 0);
  });

  it('a Content-Encoding body is named as such, in verify and in listen', async () => {
    const file = join(dir, 'gzip.jsonl');
    const capture = JSON.parse(captureOf(statusUpdate)) as { headers: Record<string, string> };
    capture.headers['content-encoding'] = 'gzip';
    writeFileSync(file, `${JSON.stringify(capture)}\n`);
    const verified = await runCli(['verify', file, '--secret', SECRET]);
    assert.equal(verified.code, 1);
    assert.match(verified.stdout, /the body is encoded \(Content-Encoding: gzip\): the platform sends plain JSON/);
    const listener = await startListener({ ...listenerOptions(), onEvent: () => {} });
    try {
      const response = await fetch(listener.url, { method: 'POST', body: statusUpdate, headers: { 'content-encoding': 'gzip' } });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /Content-Encoding: gzip/);
    } finally {
      await listener.close();
    }
  });

  it('listen: more than 1000 headers is a 431 that says so, not a silent cut', async () => {
    const events: { badRequest?: string }[] = [];
    const listener = await startListener({ ...listenerOptions(), onEvent: (event) => events.push(event) });
    try {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 1001; i++) headers[`x-h${i}`] = '1';
      const response = await fetch(listener.url, { method: 'POST', body: statusUpdate, headers });
      assert.equal(response.status, 431);
    } finally {
      await listener.close();
    }
    assert.match(events[0]!.badRequest ?? '', /^10\d\d headers, more than 1000: the platform sends a handful$/);
  });
});

function listenerOptions() {
  return {
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [] as string[],
    toleranceSeconds: 300,
    enforce: true,
    maxBodyBytes: 1 << 20,
    replies: {},
    delayMs: 0,
  };
}

describe('verify: malformed HAR entries and lines without end', () => {
  it('a null header or a postData.text that is not a string is one line for that entry; the others are checked', async () => {
    const entry = (headers: unknown[], text: unknown) => ({
      startedDateTime: new Date(NOW * 1000).toISOString(),
      request: { method: 'POST', url: 'http://localhost/hooks', headers, postData: { mimeType: 'application/json', text } },
      response: { status: 200, content: { text: 7 } },
    });
    const good = [
      { name: 'X-Webhook-Event', value: 'status-update' },
      { name: 'X-Webhook-Timestamp', value: String(NOW) },
      { name: 'X-Webhook-Signature', value: sign(NOW, statusUpdate) },
    ];
    const har = { log: { entries: [entry(good, statusUpdate), entry([...good, null], statusUpdate), entry(good, 42)] } };
    const file = join(dir, 'odd.har');
    writeFileSync(file, JSON.stringify(har));
    const result = await runCli(['verify', file, '--secret', SECRET, '--ignore-time']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /odd\.har#1 .*status-update/);
    assert.match(
      result.stderr,
      /^hms-webhook: .*odd\.har: entry 2: request\.headers\[3\] is not a \{"name", "value"\} pair of strings — skipped/m,
    );
    assert.match(result.stderr, /^hms-webhook: .*odd\.har: entry 3: request\.postData\.text is not a string — skipped/m);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
  });

  it('a stream with no newline stops at --max-line with the place, exit 2', async () => {
    const zero = await runCli(['verify', '/dev/zero', '--secret', SECRET, '--max-line', '3000000']);
    assert.equal(zero.code, 2);
    assert.equal(
      zero.stderr,
      'hms-webhook: /dev/zero:1: a line longer than 3000000 bytes (--max-line): not a capture file, or raise --max-line\n',
    );
    const stdin = await runCli(['verify', '-', '--secret', SECRET, '--max-line', '1000'], { stdin: Buffer.alloc(5000, 0x61) });
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /^hms-webhook: stdin:1: a line longer than 1000 bytes/);
  });

  it('the same on the worker path of a large file', async () => {
    const file = join(dir, 'one-long-line.jsonl');
    writeFileSync(file, `${captureOf(statusUpdate)}\n${'x'.repeat(9 * 1024 * 1024)}`);
    const result = await runCli(['verify', file, '--secret', SECRET, '--max-line', '4000000', '--ignore-time']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /one-long-line\.jsonl:2: a line longer than 4000000 bytes \(--max-line\)/);
  });
});

describe('JSON nested thousands of levels deep', () => {
  const deep = (levels: number) => `{"message":{"type":"status-update","x":${'['.repeat(levels)}${']'.repeat(levels)}}}`;

  it('validate, verify and send give a clear result, not a stack overflow', async () => {
    const file = join(dir, 'deep.json');
    writeFileSync(file, deep(20_000));
    const validated = await runCli(['validate', file]);
    assert.equal(validated.code, 1, validated.stderr);
    assert.match(validated.stdout, /deep\.json:1:1 {2}\(document\): nested more than 128 levels deep/);
    const captures = join(dir, 'deep.jsonl');
    writeFileSync(
      captures,
      `${captureOf(deep(20_000)).replace(/"x-webhook-signature":"sha256=[0-9a-f]+"/, '"x-webhook-signature":"sha256=00"')}\n`,
    );
    const verified = await runCli(['verify', captures, '--secret', SECRET, '--ignore-time']);
    assert.equal(verified.code, 1, verified.stderr);
    assert.match(verified.stdout, /nested more than 128 levels deep/);
    const sent = await runCli(['send', '--data', file, '--dialect', 'flireo', '--to', '1']);
    assert.equal(sent.code, 2);
    assert.equal(
      sent.stderr,
      'hms-webhook: the document is nested more than 128 levels deep: no payload of the platform is, and it is not checked further\n',
    );
    for (const result of [validated, verified, sent]) assert.ok(!result.stderr.includes('internal error'), result.stderr);
  });

  it('listen answers a deep bomb with its verdict and can print it verbosely', async () => {
    const events: Parameters<Parameters<typeof startListener>[0]['onEvent']>[0][] = [];
    const listener = await startListener({ ...listenerOptions(), maxBodyBytes: 4 << 20, onEvent: (event) => events.push(event) });
    try {
      const response = await fetch(listener.url, {
        method: 'POST',
        body: deep(1_000_000),
        headers: { 'x-webhook-event': 'status-update' },
      });
      await response.arrayBuffer();
    } finally {
      await listener.close();
    }
    assert.match(events[0]!.errors[0]!.message, /nested more than 128 levels deep/);
    const { listenLines } = await import('../../src/commands/listen/render.js');
    const { createStyle } = await import('../../src/output/style.js');
    assert.ok(listenLines(events[0]!, createStyle(false), 'verbose').length > 3);
  });
});

describe('unbounded inputs: a stream that never ends, a document too large to parse', () => {
  it('validate and send --data of a device that never ends stop at the bound: one line, exit 2', async () => {
    for (const args of [
      ['validate', '/dev/zero'],
      ['send', 'status-update', '--data', '/dev/zero', '--to', 'http://127.0.0.1:9/'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(
        result.stderr,
        'hms-webhook: /dev/zero: still going (it is not a regular file), more than the 256 MiB read whole (a payload is a few KB; verify streams capture files of any size)\n',
      );
    }
  });

  it('verify of random bytes stops after 1000 unreadable lines with no capture: exit 2', async () => {
    const result = await runCli(['verify', '/dev/urandom', '--secret', SECRET, '--quiet']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /hms-webhook: \/dev\/urandom: 1000 lines and not one capture among them: not a capture file; stopped reading\n$/,
    );
  });

  it('validate of an object of a million keys (16 MB) is refused before parsing, not held in 2 GB', async () => {
    const file = join(dir, 'million-keys.json');
    writeFileSync(file, JSON.stringify(Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, i]))));
    const result = await runCli(['validate', file]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /a document of \d+ characters, more than the 10 MiB of any webhook body \(listen's --max-body\): not parsed\n$/,
    );
  });
});

describe('validate of a HAR file', () => {
  it('validates each webhook request it holds, not the HAR as one payload', async () => {
    const body = JSON.stringify(loadFixture('status-update/ended').document);
    const entry = (text: string) => ({
      startedDateTime: new Date(NOW * 1000).toISOString(),
      request: {
        method: 'POST',
        url: 'http://localhost:3000/webhooks',
        headers: [{ name: 'X-Webhook-Event', value: 'status-update' }],
        postData: { mimeType: 'application/json', text },
      },
      response: { status: 200, content: { text: '{}' } },
    });
    const file = join(dir, 'session.har');
    writeFileSync(
      file,
      JSON.stringify({
        log: {
          version: '1.2',
          entries: [entry(body), { request: { method: 'GET', url: 'http://localhost:3000/', headers: [] } }, entry('{"message":{}}')],
        },
      }),
    );
    const result = await runCli(['validate', file, '--json']);
    const documents = jsonLines(result.stdout).filter((line) => line.type === 'document');
    assert.deepEqual(
      documents.map((document) => [document.source, document.event ?? null, (document.errors as unknown[]).length === 0]),
      [
        [`${file}#1`, 'status-update', true],
        [`${file}#3`, null, false],
      ],
    );
    assert.equal(result.code, 1);
  });
});

describe('a HAR file is read entry by entry', () => {
  it('verify of a 40 000-entry HAR (about 60 MB) fits in an 80 MB heap, which the whole parsed tree did not', async () => {
    const body = JSON.stringify(loadFixture('status-update/ended').document);
    const entry = JSON.stringify({
      startedDateTime: new Date(NOW * 1000).toISOString(),
      request: {
        method: 'POST',
        url: 'http://localhost:3000/webhooks',
        headers: [
          { name: 'x-webhook-event', value: 'status-update' },
          { name: 'x-webhook-timestamp', value: String(NOW) },
          { name: 'x-webhook-signature', value: sign(NOW, body) },
        ],
        postData: { mimeType: 'application/json', text: body },
      },
      response: { status: 200, content: { text: '{}' } },
    });
    const file = join(dir, 'large.har');
    const fd = openSync(file, 'w');
    writeSync(fd, '{"log":{"version":"1.2","entries":[');
    for (let i = 0; i < 40_000; i++) writeSync(fd, i === 0 ? entry : `,${entry}`);
    writeSync(fd, ']}}');
    closeSync(fd);
    const result = await spawnCli(['verify', file, '--secret', SECRET, '--ignore-time', '--quiet'], {
      env: { NODE_OPTIONS: '--max-old-space-size=80' },
    });
    assert.equal(result.code, 0, result.stderr.slice(0, 500));
    assert.match(result.stdout, /40000 passed, 0 failed/);
  });
});
