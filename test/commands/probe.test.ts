import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';

// probe against receivers written the usual wrong ways (plain node:http, no framework needed).

const SECRET = 'probe-secret-0b7d';
const dir = temporaryFolder('hms-webhook-probe-');
const hmac = (message: string | Buffer) => createHmac('sha256', SECRET).update(message).digest('hex');

type Check = (req: IncomingMessage, raw: Buffer) => number;

async function receiver(check: Check): Promise<{ url: string; bodies: Buffer[]; close(): Promise<void> }> {
  const bodies: Buffer[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push(raw);
      res.writeHead(check(req, raw)).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const header = (req: IncomingMessage, name: string) => String(req.headers[name] ?? '');
const fresh = (timestamp: string) => /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;

describe('probe: the common receiver bugs are caught', () => {
  const closers: (() => Promise<void>)[] = [];
  after(() => Promise.all(closers.map((close) => close())));

  it('a receiver that verifies JSON.stringify(JSON.parse(body)) fails on the re-serialised forms, and says why', async () => {
    const server = await receiver((req, raw) => {
      let reserialised: string;
      try {
        reserialised = JSON.stringify(JSON.parse(raw.toString('utf8')));
      } catch {
        return 400;
      }
      const timestamp = header(req, 'x-webhook-timestamp');
      const ok = fresh(timestamp) && header(req, 'x-webhook-signature') === `sha256=${hmac(`${timestamp}.${reserialised}`)}`;
      return ok ? 200 : 401;
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /your receiver verifies a re-serialised copy of the body, not the raw bytes/);
    const pretty = result.stdout.split('\n').find((line) => line.startsWith('valid, pretty-printed'));
    assert.match(pretty ?? '', /2xx +401 +FAIL +it verifies a re-serialised copy, not the raw bytes: verify the raw body \(express\.raw/);
    assert.match(result.stdout.split('\n').find((line) => line.startsWith('valid request')) ?? '', /200 +pass/);
  });

  it('a receiver that calls timingSafeEqual without comparing lengths crashes on a short signature: flagged', async () => {
    const server = await receiver((req, raw) => {
      const timestamp = header(req, 'x-webhook-timestamp');
      const expected = Buffer.from(`sha256=${hmac(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))}`);
      try {
        // The platform docs' snippet: throws when the lengths differ, and the framework answers 500.
        return timingSafeEqual(Buffer.from(header(req, 'x-webhook-signature')), expected) && fresh(timestamp) ? 200 : 401;
      } catch {
        return 500;
      }
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /your receiver crashed on a malformed signature/);
    const short = (jsonLines(result.stdout) as { case: string; verdict: string; note?: string }[]).find((c) =>
      c.case.startsWith('short signature'),
    );
    assert.equal(short?.verdict, 'fail');
    assert.match(short?.note ?? '', /compare lengths before timingSafeEqual/);
  });

  it('a receiver that verifies, queues the raw body and answers 202 is safe: the signed non-JSON body is a warning at most', async () => {
    const server = await receiver((req, raw) => {
      const timestamp = header(req, 'x-webhook-timestamp');
      const given = Buffer.from(header(req, 'x-webhook-signature'));
      const expected = Buffer.from(`sha256=${hmac(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))}`);
      return given.length === expected.length && timingSafeEqual(given, expected) && fresh(timestamp) ? 202 : 401;
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 0, result.stdout);
    const cases = jsonLines(result.stdout) as { type: string; case: string; verdict: string }[];
    assert.equal(cases.find((c) => c.case === 'non-JSON body (signed)')?.verdict, 'warn');
  });

  it('when the valid request gets a 404, probe names the path and counts no forgery as passed', async () => {
    const server = await receiver(() => 404);
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /refused the valid request \(404: nothing answers at this path — is --to the webhook path\? \(an init receiver.s is \/webhooks\)\)/,
    );
    const lines = jsonLines(result.stdout) as { type: string; case: string; verdict: string }[];
    const forgeries = lines.filter((l) => l.type === 'probe' && !l.case.startsWith('valid'));
    assert.ok(forgeries.length > 5 && forgeries.every((l) => l.verdict === 'inconclusive'), JSON.stringify(forgeries));
    assert.equal((lines.at(-1) as unknown as { passed: number }).passed, 0);
  });

  it('a receiver that crashes and drops the connection on a short signature: that row fails, the probe goes on, exit 1', async () => {
    const bodies: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        bodies.push(1);
        const signature = header(req, 'x-webhook-signature');
        // Go's net/http after a panic in the handler: the connection closed, no reply.
        if (signature.length !== 71) return req.socket.destroy();
        const timestamp = header(req, 'x-webhook-timestamp');
        res.writeHead(fresh(timestamp) ? 200 : 401).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const result = await runCli(['probe', '--to', url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 1, result.stderr);
    const rows = jsonLines(result.stdout).filter((line) => line.type === 'probe') as { case: string; verdict: string; note?: string }[];
    const short = rows.find((row) => row.case === 'short signature (sha256=abc)');
    assert.equal(short?.verdict, 'fail');
    assert.match(String(short?.note), /^no reply: the receiver closed the connection on a short signature \(sha256=abc\) \(a crash\?\)/);
    assert.ok(rows.length > 15, 'every case was tried');
  });

  it('a 500 to a request without a signature fails: anyone can cause it', async () => {
    const server = await receiver((req) => {
      if (header(req, 'x-webhook-signature') === '') return 500;
      return fresh(header(req, 'x-webhook-timestamp')) ? 200 : 401;
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    const rows = jsonLines(result.stdout).filter((line) => line.type === 'probe') as { case: string; verdict: string; note?: string }[];
    const missing = rows.find((row) => row.case === 'missing signature');
    assert.equal(missing?.verdict, 'fail');
    assert.match(String(missing?.note), /^it failed \(5xx\) on a request anyone can send/);
  });

  it('a PHP-style receiver that strips every "sha256=" and checks the HMAC: the double prefix is a warning with its true reason', async () => {
    const server = await receiver((req, raw) => {
      const timestamp = header(req, 'x-webhook-timestamp');
      const given = header(req, 'x-webhook-signature').replaceAll('sha256=', '');
      const expected = hmac(Buffer.concat([Buffer.from(`${timestamp}.`), raw]));
      const ok = fresh(timestamp) && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      if (!ok) return 401;
      try {
        JSON.parse(raw.toString('utf8'));
      } catch {
        return 400;
      }
      return 200;
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    assert.equal(result.code, 0, result.stdout);
    const rows = jsonLines(result.stdout).filter((line) => line.type === 'probe') as { case: string; verdict: string; note?: string }[];
    const twice = rows.find((row) => row.case === 'double-prefixed signature');
    assert.equal(twice?.verdict, 'warn');
    assert.match(String(twice?.note), /^it strips every "sha256=" before comparing: harmless/);
  });

  it('a parseInt-style timestamp check: trailing text after the seconds is a warning', async () => {
    const server = await receiver((req, raw) => {
      const timestamp = header(req, 'x-webhook-timestamp');
      const age = Math.abs(Date.now() / 1000 - Number.parseInt(timestamp, 10));
      const ok = age <= 300 && header(req, 'x-webhook-signature') === `sha256=${hmac(Buffer.concat([Buffer.from(`${timestamp}.`), raw]))}`;
      return ok ? 200 : 401;
    });
    closers.push(server.close);
    const result = await runCli(['probe', '--to', server.url, '--secret', SECRET, '--json']);
    const rows = jsonLines(result.stdout).filter((line) => line.type === 'probe') as { case: string; verdict: string }[];
    assert.equal(rows.find((row) => row.case === 'timestamp with trailing text (Nx)')?.verdict, 'warn');
  });

  it("a framework's refusal of the valid request is named: Django's CSRF 403, a redirect with its Location", async () => {
    const csrf = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Forbidden (403)</h1><p>CSRF verification failed.</p>'),
      );
    });
    const slash = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(301, { location: `${req.url}/` }).end());
    });
    for (const server of [csrf, slash]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    }
    const urlOf = (server: typeof csrf) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const refused = await runCli(['probe', '--to', urlOf(csrf), '--secret', SECRET]);
    assert.match(refused.stderr, /403: a CSRF check refused it: the framework \(Django\?\) guards POSTs .* \(@csrf_exempt\)/);
    const moved = await runCli(['send', 'status-update', '--to', urlOf(slash), '--secret', SECRET]);
    assert.equal(moved.code, 1);
    assert.match(
      moved.stdout,
      /301, expected 2xx — a redirect to \/hooks\/ \(a trailing slash added: Django's APPEND_SLASH\): the platform does not follow redirects/,
    );
  });

  it('--data probes with your own payload, its exact bytes', async () => {
    const bytes = '{ "message": {"type": "status-update", "call": {"id": "mine", "status": "ended"}} }';
    const file = join(dir, 'mine.json');
    writeFileSync(file, bytes);
    const server = await receiver(() => 200);
    closers.push(server.close);
    await runCli(['probe', '--to', server.url, '--secret', SECRET, '--data', file]);
    assert.equal(server.bodies[0]?.toString('utf8'), bytes);
  });
});
