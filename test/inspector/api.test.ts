import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { startInspector } from '../../src/inspector/server.js';
import { RequestStore } from '../../src/inspector/store.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { correctReplies, startReceiver } from '../receiver.js';
import { api, call, type RunningInspector, startInspected } from './inspector.js';

const SECRET = 'inspector-secret-5e2a';
const dir = temporaryFolder('hms-inspector-');

const send = (inspector: RunningInspector, ...args: string[]) => runCli(['send', ...args, '--to', inspector.listenUrl, '--secret', SECRET]);

describe('inspector: who may see it', () => {
  let inspector: RunningInspector;
  before(async () => {
    inspector = await startInspected(['--secret', SECRET]);
    await send(inspector, 'status-update');
  });
  after(() => inspector.stop());

  it('the printed token sets an HttpOnly, SameSite=Strict cookie and sends the browser to / without it', async () => {
    const answer = await call(inspector.url);
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.location, '/');
    assert.equal(answer.headers['set-cookie']?.[0], `${inspector.cookie}; HttpOnly; SameSite=Strict; Path=/`);
    const wrong = await call(`${inspector.origin}/?token=not-it`);
    assert.equal(wrong.status, 401);
  });

  it('refuses a request without the cookie, and one whose Host is not this machine (DNS rebinding)', async () => {
    for (const path of ['/', '/api/requests', '/api/requests/1', '/api/stream', '/api/export.jsonl']) {
      const bare = await call(`${inspector.origin}${path}`);
      assert.equal(bare.status, 401, path);
      assert.doesNotMatch(bare.text, /status-update/);
    }
    const rebound = await call(`${inspector.origin}/api/requests`, {
      headers: { cookie: inspector.cookie, host: `evil.example:${inspector.port}` },
    });
    assert.equal(rebound.status, 421);
    const otherPort = await call(`${inspector.origin}/api/requests`, { headers: { cookie: inspector.cookie, host: '127.0.0.1:1' } });
    assert.equal(otherPort.status, 421);
    for (const host of [`localhost:${inspector.port}`, `127.0.0.1:${inspector.port}`])
      assert.equal((await call(`${inspector.origin}/api/requests`, { headers: { cookie: inspector.cookie, host } })).status, 200, host);
  });

  it('takes changes only as JSON from its own origin', async () => {
    const path = `${inspector.origin}/api/requests`;
    const form = await call(path, {
      method: 'DELETE',
      headers: { cookie: inspector.cookie, 'content-type': 'text/plain', origin: inspector.origin },
    });
    assert.equal(form.status, 415);
    const foreign = await call(path, {
      method: 'DELETE',
      headers: { cookie: inspector.cookie, 'content-type': 'application/json', origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
    const none = await call(path, { method: 'DELETE', headers: { cookie: inspector.cookie, 'content-type': 'application/json' } });
    assert.equal(none.status, 403);
    assert.equal((await api(inspector, 'GET', '/api/requests')).length, 1, 'nothing was cleared');
  });

  it('serves the page under a per-start nonce, with no unsafe-inline and nothing from elsewhere', async () => {
    const page = await call(`${inspector.origin}/`, { headers: { cookie: inspector.cookie } });
    assert.equal(page.status, 200);
    const policy = String(page.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([\w-]+)'/.exec(policy)?.[1];
    assert.ok(nonce, policy);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
    assert.match(policy, /default-src 'none'/);
    assert.ok(page.text.includes(`<script nonce="${nonce}">`));
    assert.ok(page.text.includes(`<style nonce="${nonce}">`));
    assert.doesNotMatch(page.text, /https?:\/\/(?!127\.0\.0\.1)/, 'no external URL');
    assert.doesNotMatch(page.text, / on[a-z]+=/i, 'no inline event handlers');
    const again = await startInspected(['--secret', SECRET]);
    try {
      const other = await call(`${again.origin}/`, { headers: { cookie: again.cookie } });
      assert.notEqual(/nonce-([\w-]+)/.exec(String(other.headers['content-security-policy']))?.[1], nonce, 'a new nonce per start');
    } finally {
      await again.stop();
    }
  });

  it('never sends the secret to the page or through the API', async () => {
    const texts = await Promise.all(
      ['/', '/api/requests', '/api/requests/1', '/api/export.jsonl', '/api/export.har'].map(
        async (path) => (await call(`${inspector.origin}${path}`, { headers: { cookie: inspector.cookie } })).text,
      ),
    );
    for (const text of texts) assert.ok(!text.includes(SECRET));
    assert.ok(!inspector.cli.stderr.text.includes(SECRET));
  });
});

describe('inspector: a receiver that refuses a correctly signed request', () => {
  it('the detail carries the forward hint, and the page shows it', async () => {
    const refusing = await startReceiver(SECRET, () => ({ status: 401, body: '{"error":"invalid signature"}' }));
    const inspector = await startInspected(['--secret', SECRET, '--forward-to', refusing.url]);
    try {
      await send(inspector, 'status-update');
      await inspector.cli.stdout.until(/"status":401/);
      const [row] = await api(inspector, 'GET', '/api/requests');
      const detail = await api(inspector, 'GET', `/api/requests/${row.id}`);
      assert.equal(detail.forwarded_to, refusing.url);
      assert.equal(detail.forward_hint, 'the signature is valid: your receiver probably verifies a re-serialised body or another secret');
      assert.equal(detail.not_forwarded, null);
    } finally {
      await inspector.stop();
      await refusing.close();
    }
  });
});

describe('inspector: the API', () => {
  let inspector: RunningInspector;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver(SECRET, correctReplies);
    inspector = await startInspected(['--secret', SECRET, '--forward-to', receiver.url]);
  });
  after(async () => {
    await inspector.stop();
    await receiver.close();
  });

  it('lists what came and gives each request whole: bytes, headers, verdict, diagnosis, reply, outcome', async () => {
    await send(inspector, 'tool-calls');
    await runCli(['send', 'status-update', '--to', inspector.listenUrl, '--secret', 'another-secret']);
    // A failed signature's event comes once its diagnosis is made, after the 401.
    await inspector.cli.stdout.until(/"status":401/);
    const list = await api(inspector, 'GET', '/api/requests');
    assert.deepEqual(
      list.map((r: any) => [r.event, r.passed, r.status]),
      [
        ['tool-calls', true, 200],
        ['status-update', false, 401],
      ],
    );
    const good = await api(inspector, 'GET', `/api/requests/${list[0].id}`);
    assert.equal(Buffer.from(good.body_base64, 'base64').toString('utf8'), good.body_text);
    assert.match(good.headers['x-webhook-signature'], /^sha256=[0-9a-f]{64}$/);
    assert.equal(good.deadline_ms, 10_000);
    assert.equal(good.forwarded_to, receiver.url);
    // snake_case as every --json, and a latency to two decimals.
    const keys = (value: object) => Object.keys(value).filter((key) => /[A-Z]/.test(key));
    assert.deepEqual([...keys(good), ...keys(good.reply), ...keys(list[0])], []);
    assert.equal(good.latency_ms, Math.round(good.latency_ms * 100) / 100);
    assert.match(good.outcome[0], /the assistant is given for tool_/);
    assert.deepEqual([good.forward_hint, good.not_forwarded], [null, null]);
    const bad = await api(inspector, 'GET', `/api/requests/${list[1].id}`);
    assert.match(bad.reason, /^signature-mismatch: /);
    // Refused here, the forgery never reached the receiver: the detail says so.
    assert.match(
      bad.not_forwarded,
      /^not forwarded to http:\/\/127\.0\.0\.1:\d+\/hooks: the listener answered 401 itself \(signature-mismatch: .*\), so your receiver never saw it$/,
    );
    assert.match(bad.diagnosis, /no known mistake explains it/);
    assert.equal((await api(inspector, 'GET', '/api/requests/999')).error, 'no request 999: it was cleared, or dropped past --ui-keep');
  });

  it('re-sends re-signed, edited, or as captured, and says what came back', async () => {
    const [first] = await api(inspector, 'GET', '/api/requests');
    const before = receiver.received.length;
    const resent = await api(inspector, 'POST', `/api/requests/${first.id}/replay`, {});
    assert.equal(resent.ok, true, JSON.stringify(resent));
    assert.equal(resent.to, receiver.url, 'the forward target by default');
    assert.equal(typeof resent.latency_ms, 'number');
    assert.equal(receiver.received[before]!.signatureValid, true);
    const detail = await api(inspector, 'GET', `/api/requests/${first.id}`);
    const edited = detail.body_text.replace('"in-progress"', '"ended"');
    const changed = await api(inspector, 'POST', `/api/requests/${first.id}/replay`, { body: edited, to: receiver.url });
    assert.equal(changed.ok, true, JSON.stringify(changed));
    assert.equal(receiver.received.at(-1)!.body.toString('utf8'), edited);
    assert.equal(receiver.received.at(-1)!.signatureValid, true, 're-signed over the edited body');
    const captured = await api(inspector, 'POST', `/api/requests/${first.id}/replay`, { resign: false });
    assert.equal(captured.signed, 'as-captured');
    assert.equal(receiver.received.at(-1)!.headers['x-webhook-signature'], detail.headers['x-webhook-signature']);
    const nowhere = await api(inspector, 'POST', `/api/requests/${first.id}/replay`, { to: '127.0.0.1:9' });
    assert.equal(nowhere.ok, false);
    assert.match(nowhere.error, /connection refused/);
    const notJson = await call(`${inspector.origin}/api/requests/${first.id}/replay`, {
      method: 'POST',
      headers: { cookie: inspector.cookie, 'content-type': 'application/json', origin: inspector.origin },
      body: '{',
    });
    assert.equal(notJson.status, 400);
  });

  it('exports the selection as capture lines and HAR 1.2 that verify reads, and copies a curl that verifies', async () => {
    const list = await api(inspector, 'GET', '/api/requests');
    const ids = list.map((r: any) => r.id).join(',');
    for (const kind of ['jsonl', 'har']) {
      const file = join(dir, `export.${kind}`);
      writeFileSync(
        file,
        (await call(`${inspector.origin}/api/export.${kind}?ids=${ids}`, { headers: { cookie: inspector.cookie } })).text,
      );
      const checked = await runCli(['verify', file, '--secret', SECRET, '--json']);
      const results = jsonLines(checked.stdout);
      assert.deepEqual(
        results.slice(0, -1).map((r) => r.passed),
        list.map((r: any) => r.passed),
        kind,
      );
    }
    const detail = await api(inspector, 'GET', `/api/requests/${list[0].id}`);
    assert.doesNotMatch(detail.curl, /content-length|host:/i);
    const before = jsonLines(inspector.cli.stdout.text).length;
    // Not execFileSync: the listener runs in this process and must answer curl meanwhile.
    await promisify(execFile)('bash', ['-c', detail.curl]);
    await inspector.cli.stdout.until(new RegExp(`(?:[^\\n]*\\n){${before + 1}}`));
    const event = jsonLines(inspector.cli.stdout.text).at(-1)!;
    assert.equal(event.passed, true, JSON.stringify(event));
    assert.equal((event.signature as { ok: boolean }).ok, true);
  });

  it('streams each new request as a Server-Sent Event with its sequence as id, resumes after Last-Event-ID, and says a clear', async () => {
    const last = (await api(inspector, 'GET', '/api/requests')).at(-1).id as number;
    const events = openStream(inspector, String(last - 1));
    await events.until(new RegExp(`id: ${last}\\nevent: request\\n`));
    await send(inspector, 'end-of-call-report');
    const data = await events.until(new RegExp(`id: ${last + 1}\\nevent: request\\ndata: (.*)\\n\\n`));
    assert.equal(JSON.parse(data[1]!).event, 'end-of-call-report');
    await api(inspector, 'DELETE', '/api/requests', {});
    await events.until(/event: clear\n/);
    assert.deepEqual(await api(inspector, 'GET', '/api/requests'), []);
    events.close();
  });
});

describe('inspector: --ui-keep and flags', () => {
  it('keeps the last --ui-keep requests', async () => {
    const inspector = await startInspected(['--secret', SECRET, '--ui-keep', '2']);
    try {
      for (let i = 0; i < 3; i++) await send(inspector, 'status-update');
      assert.deepEqual(
        (await api(inspector, 'GET', '/api/requests')).map((r: any) => r.id),
        [2, 3],
      );
    } finally {
      await inspector.stop();
    }
  });

  it('--open needs --ui; a bad or busy --ui-port is one line and exit 2', async () => {
    const open = await runCli(['listen', '--port', '0', '--open']);
    assert.equal(open.code, 2);
    assert.equal(open.stderr, 'hms-webhook: --open opens the inspector: add --ui\n');
    const bad = await runCli(['listen', '--port', '0', '--ui', '--ui-port', '70000']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ui-port 70000: use 0 to 65535/);
    const first = await startInspected([]);
    try {
      const busy = await runCli(['listen', '--port', '0', '--ui', '--ui-port', String(first.port)]);
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /the port is in use \(choose another with --ui-port, or 0\)\n$/);
    } finally {
      await first.stop();
    }
  });
});

describe('inspector: the event stream when nothing happens', () => {
  it('gets a keep-alive comment, so that the connection stays open', async () => {
    const inspector = await startInspector({
      port: 0,
      store: new RequestStore(10),
      secret: undefined,
      defaultTarget: new URL('http://127.0.0.1:9/'),
      listenerUrl: new URL('http://127.0.0.1:9/'),
      clock: systemClock,
      keepAliveMs: 5,
    });
    try {
      const url = new URL(inspector.url);
      const events = openStream({ origin: url.origin, cookie: `hms_inspector_${url.port}=${url.searchParams.get('token')}` });
      await events.until(/: keep-alive\n\n/);
      events.close();
    } finally {
      await inspector.close();
    }
  });
});

/** Sends these bytes as they are and gives back what came, whole. */
function rawRequest(url: URL, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

/** An open event stream that keeps what arrives. */
function openStream(inspector: Pick<RunningInspector, 'origin' | 'cookie'>, lastEventId?: string) {
  let text = '';
  const waiting: { pattern: RegExp; resolve(match: RegExpExecArray): void }[] = [];
  const req = request(`${inspector.origin}/api/stream`, {
    headers: { cookie: inspector.cookie, ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) },
  });
  req.on('response', (res) => {
    res.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      for (const waiter of [...waiting]) {
        const match = waiter.pattern.exec(text);
        if (match) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    until: (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve) => {
        const match = pattern.exec(text);
        if (match) resolve(match);
        else waiting.push({ pattern, resolve });
      }),
    close: () => req.destroy(),
  };
}

describe('inspector: history that survives a restart', () => {
  it('listen --ui --save FILE shows the last --ui-keep requests FILE holds, marked as an earlier run', async () => {
    const file = join(dir, 'history.jsonl');
    const first = await startInspected(['--secret', SECRET, '--save', file]);
    await send(first, 'status-update');
    await send(first, 'tool-calls');
    await runCli(['send', 'status-update', '--to', first.listenUrl, '--secret', 'another-secret']);
    await first.cli.stdout.until(/"status":401/);
    await first.stop();
    // A line an earlier crash left is skipped with a warning; the rest is shown.
    appendFileSync(file, 'not a capture\n');

    const second = await startInspected(['--secret', SECRET, '--save', file, '--ui-keep', '2']);
    try {
      assert.match(second.cli.stderr.text, /history\.jsonl: 1 line is not a capture; the inspector shows the others/);
      assert.match(second.cli.stderr.text, /Inspector: \S+ \(with 2 earlier requests from \S*history\.jsonl\)\n/);
      const earlier = await api(second, 'GET', '/api/requests');
      assert.deepEqual(
        earlier.map((r: any) => [r.id, r.event, r.passed, r.status, r.earlier]),
        [
          [1, 'tool-calls', true, 200, true],
          [2, 'status-update', false, 401, true],
        ],
      );
      const forged = await api(second, 'GET', '/api/requests/2');
      assert.equal(forged.loaded_from, file);
      assert.equal(forged.reason, 'signature: signature-mismatch');
      assert.match(forged.headers['x-webhook-signature'], /^sha256=/);
      await send(second, 'end-of-call-report');
      const now = await api(second, 'GET', '/api/requests');
      assert.deepEqual(
        now.map((r: any) => [r.id, r.earlier]),
        [
          [2, true],
          [3, false],
        ],
        'a request of this run follows, and the oldest earlier one makes room (--ui-keep 2)',
      );
    } finally {
      await second.stop();
    }
  });
});

describe('inspector: re-sends are attempts of their original', () => {
  it('a re-send to this listener is listed as an attempt of its original, with its result kept', async () => {
    // No --forward-to: a re-send goes to the listener itself and comes back as a request.
    const inspector = await startInspected(['--secret', SECRET]);
    try {
      await send(inspector, 'status-update');
      const events = openStream(inspector);
      const result = await api(inspector, 'POST', '/api/requests/1/replay', {});
      assert.equal(result.number, 1);
      assert.equal(result.ok, true);
      assert.equal(result.status, 200);
      await events.until(/event: attempt\ndata: \{"id":1,"attempt":\{[^\n]*"request_id":2/);
      events.close();
      const [original, resent] = await api(inspector, 'GET', '/api/requests');
      assert.deepEqual([original.resend_of, resent.id, resent.resend_of], [null, 2, 1]);
      const detail = await api(inspector, 'GET', '/api/requests/1');
      assert.deepEqual(
        detail.attempts.map((a: any) => [a.number, a.ok, a.status, a.signed, a.edited, a.request_id]),
        [[1, true, 200, 'resign', false, 2]],
      );
      const edited = await api(inspector, 'POST', '/api/requests/1/replay', { body: detail.body_text.replace('"ended"', '"in-progress"') });
      assert.deepEqual([edited.number, edited.edited], [2, true]);
    } finally {
      await inspector.stop();
    }
  });
});

describe('inspector: what a request and its reply are, shown as they are', () => {
  it('gives the reply headers, decodes a UTF-8 header value, and says what a refusal means for the event', async () => {
    const inspector = await startInspected(['--secret', SECRET]);
    try {
      const body = JSON.stringify(loadFixture('status-update/ended').document);
      // The exact bytes on the wire: a header value in UTF-8, a right-to-left override and "evil".
      const url = new URL(inspector.listenUrl);
      const head = Object.entries({ ...sign({ body, secret: 'another-secret' }), 'content-type': 'application/json' })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      const answer = await rawRequest(
        url,
        Buffer.concat([
          Buffer.from(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n${head}x-note: `),
          Buffer.from('\u202eevil', 'utf8'),
          Buffer.from(`\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
        ]),
      );
      assert.match(answer, /^HTTP\/1\.1 401 /);
      await inspector.cli.stdout.until(/"status":401/);
      const detail = await api(inspector, 'GET', '/api/requests/1');
      assert.equal(detail.headers['x-note'], '\u202eevil');
      assert.equal(detail.reply.headers['content-type'], 'application/json');
      assert.match(
        detail.reply_meaning,
        /^refused \(401\): the platform expects a 2xx for status-update and reads no reply body; no retry is documented/,
      );
    } finally {
      await inspector.stop();
    }
  });

  it('tells the page which requests it dropped past --ui-keep', async () => {
    const inspector = await startInspected(['--secret', SECRET, '--ui-keep', '2']);
    try {
      const events = openStream(inspector);
      for (let i = 0; i < 3; i++) await send(inspector, 'status-update');
      await events.until(/event: dropped\ndata: \[1\]\n\n/);
      events.close();
    } finally {
      await inspector.stop();
    }
  });

  it('two inspectors on one machine keep their own session cookie: one never logs the other out', async () => {
    const a = await startInspected([]);
    const b = await startInspected([]);
    try {
      assert.notEqual(a.cookie.split('=')[0], b.cookie.split('=')[0]);
      const bothCookies = `${a.cookie}; ${b.cookie}`;
      for (const inspector of [a, b])
        assert.equal((await call(`${inspector.origin}/api/requests`, { headers: { cookie: bothCookies } })).status, 200);
      assert.equal((await call(`${b.origin}/api/requests`, { headers: { cookie: a.cookie } })).status, 401);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
