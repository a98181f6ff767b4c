import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/clock.js';
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
      const events = openStream({ origin: url.origin, cookie: `hms_inspector=${url.searchParams.get('token')}` });
      await events.until(/: keep-alive\n\n/);
      events.close();
    } finally {
      await inspector.close();
    }
  });
});

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
