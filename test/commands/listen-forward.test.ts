import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { FORWARDED_HEADER } from '../../src/receiving/forward.js';
import { sign } from '../../src/signing/signature.js';
import { jsonLines, startCli } from '../helpers.js';

// listen --forward-to: the reply relayed exactly, bounded in memory and time, and no loops.

const SECRET = 'forward-secret-5d0e';
const body = JSON.stringify(loadFixture('status-update/ended').document);
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('listen --forward-to', () => {
  let handler: Handler = (_req, res) => res.end('{}');
  const seen: IncomingMessage[] = [];
  const target = createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  let targetUrl = '';
  before(async () => {
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hooks`;
  });
  after(() => new Promise<void>((resolve) => target.close(() => resolve())));

  async function forwarding(args: string[] = []) {
    const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--json', '--forward-to', targetUrl, ...args]);
    const [, url] = await cli.stderr.until(/Listening on (\S+)/);
    return { ...cli, url: url! };
  }
  const post = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', body, headers: { ...sign({ body, secret: SECRET }), ...headers } });

  it('relays the reply exactly: status, Content-Type (or none) and bytes that are not UTF-8', async () => {
    handler = (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain; charset=latin1', 'x-own': 'kept?' });
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    };
    const cli = await forwarding(['--count', '1']);
    const response = await post(cli.url);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=latin1');
    assert.deepEqual([...Buffer.from(await response.arrayBuffer())], [0x63, 0x61, 0x66, 0xe9]);
    assert.equal((await cli.done).code, 0);
    assert.equal(seen.at(-1)!.headers[FORWARDED_HEADER], '1', 'the forwarded request is marked');
  });

  it('a reply larger than what is kept is streamed through whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x7a);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(big);
    };
    const cli = await forwarding(['--count', '1']);
    const response = await post(cli.url);
    assert.equal(Buffer.from(await response.arrayBuffer()).equals(big), true);
    const result = await cli.done;
    const [event] = jsonLines(result.stdout).filter((o) => o.type === 'event') as { forward: { checks: { message: string }[] } }[];
    assert.match(event!.forward.checks[0]!.message, /over 1048576 bytes: relayed whole, not checked/);
  });

  it('waits --forward-timeout, then answers 502 naming the option; a refused target does not suggest a listener', async () => {
    handler = (_req, res) => setTimeout(() => res.end('{}'), 2000);
    const slow = await forwarding(['--count', '1', '--forward-timeout', '0.1']);
    const response = await post(slow.url);
    assert.equal(response.status, 502);
    assert.match(await response.text(), /within 0\.1 s \(--forward-timeout to wait longer\)/);
    await slow.done;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cli = startCli(['listen', '--port', '0', '--json', '--count', '1', '--forward-to', `http://127.0.0.1:${port}/`]);
    const [, url] = await cli.stderr.until(/Listening on (\S+)/);
    const refused = await fetch(url!, { method: 'POST', body, headers: { 'x-webhook-event': 'status-update' } });
    const text = await refused.text();
    assert.equal(refused.status, 502);
    assert.match(text, /connection refused — is your server running\?/);
    assert.doesNotMatch(text, /hms-webhook listen/);
    await cli.done;
  });

  it('a correctly signed request that your receiver refuses gets the hint that its check is wrong', async () => {
    handler = (_req, res) => res.writeHead(401).end('{"error":"bad signature"}');
    const cli = await forwarding(['--count', '1']);
    await (await post(cli.url)).arrayBuffer();
    const [event] = jsonLines((await cli.done).stdout).filter((o) => o.type === 'event') as { forward: { hint?: string } }[];
    assert.equal(event!.forward.hint, 'the signature is valid: your receiver probably verifies a re-serialised body or another secret');
  });

  it('refuses to forward to itself, and cuts a loop through another listener with 508', async () => {
    const cli = startCli(['listen', '--port', '38495', '--forward-to', 'localhost:38495']);
    const result = await cli.done;
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'hms-webhook: --forward-to http://localhost:38495/ is this listener itself: every request would be forwarded to itself for ever\n',
    );
    const looping = await forwarding(['--count', '1']);
    const response = await post(looping.url, { [FORWARDED_HEADER]: '1' });
    assert.equal(response.status, 508);
    await looping.done;
  });
});

describe('listen: verdicts that say why', () => {
  it('a 401 carries the diagnosis verify would give; a missing X-Webhook-Event is a warning', async () => {
    const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--json', '--count', '2']);
    const [, url] = await cli.stderr.until(/Listening on (\S+)/);
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    // Signed over the compact body, sent pretty-printed: a re-serialised body.
    const headers = sign({ body, secret: SECRET });
    assert.equal((await fetch(url!, { method: 'POST', body: pretty, headers })).status, 401);
    const { 'X-Webhook-Event': _event, ...withoutEvent } = sign({ body, secret: SECRET });
    assert.equal((await fetch(url!, { method: 'POST', body, headers: withoutEvent })).status, 200);
    // A failed signature's event comes once its diagnosis is made, on its own thread: maybe after the next one's.
    const events = jsonLines((await cli.done).stdout).filter((o) => o.type === 'event') as {
      signature: { ok?: boolean; diagnosis?: { causes: string[] } };
      warnings: { message: string }[];
      errors: unknown[];
    }[];
    const forged = events.find((event) => event.signature.ok === false);
    const valid = events.find((event) => event.signature.ok === true);
    assert.deepEqual(forged?.signature.diagnosis?.causes, ['reserialised-body']);
    assert.deepEqual(valid?.errors, []);
    assert.ok(valid?.warnings.some((w) => w.message === 'the X-Webhook-Event header is missing (the platform always sends it)'));
  });
});
