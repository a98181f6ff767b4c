import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { checkCapture } from '../src/captures/capture-check.js';
import type { Capture } from '../src/captures/capture-file.js';
import { diagnoseSignature } from '../src/signing/diagnosis.js';
import { EVENTS } from '../src/platform/events.js';
import { loadFixture } from '../src/platform/fixtures.js';
import { startListener, type Listener } from '../src/receiving/listener.js';
import { validatePayload, validateReply } from '../src/platform/schemas/index.js';
import { sign, verify } from '../src/signing/signature.js';

// Bounded runs: a few seconds in all, every `npm test`.
const RUNS = { numRuns: 300 };
const SECRET = 'fuzz-secret';

const headerNames = fc.constantFrom(
  'x-webhook-signature',
  'x-webhook-timestamp',
  'x-webhook-event',
  'content-type',
  'stripe-signature',
  'webhook-signature',
  'X-Webhook-Signature',
);
const headerValue = fc.oneof(
  fc.string(),
  fc.string().map((s) => `sha256=${s}`),
  fc.stringMatching(/^sha256=[0-9a-fA-F]{0,70}$/),
  fc.stringMatching(/^\d{0,20}$/),
  fc.constantFrom('', 'sha1=abc', 'status-update', 'tool-calls'),
);
const anyHeaders = fc.dictionary(headerNames, fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 6 });
const anyBody = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 512 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
);

/** A fixture with a few random changes: near-valid documents reach deeper into the schemas than random JSON. */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom('assistant-request', 'status-update/ended', 'tool-calls/several-tools', 'end-of-call-report'),
    fc.constantFrom('hms', 'flireo' as const),
    fc.array(
      fc.tuple(
        fc.constantFrom(
          'message',
          'call',
          'type',
          'id',
          'status',
          'tool_call_list',
          'toolCallList',
          'messages',
          'function',
          'arguments',
          'duration_seconds',
          'phone_number',
          'number',
          '0',
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([name, dialect, edits]) => {
    const { document } = loadFixture(name, { dialect });
    for (const [key, value] of edits) mutate(document, key, value);
    return document;
  });

function mutate(node: unknown, key: string, value: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (key in record) {
    record[key] = value;
    return;
  }
  for (const child of Object.values(record)) mutate(child, key, value);
}

describe('fuzz: verify never throws', () => {
  it('signature verify returns a result for any headers and body', () => {
    fc.assert(
      fc.property(anyBody, anyHeaders, fc.integer({ min: 0, max: 4_000_000_000 }), (body, headers, now) => {
        const result = verify({ body, headers, secrets: [SECRET, 'other'], now });
        assert.equal(typeof result.ok, 'boolean');
      }),
      RUNS,
    );
  });

  it('the diagnosis always names a cause, for any headers and body', () => {
    fc.assert(
      fc.property(anyBody, anyHeaders, (body, headers) => {
        const diagnosis = diagnoseSignature({
          body: Buffer.from(body),
          headers,
          secrets: [
            { secret: SECRET, label: '--secret', accepted: true },
            { secret: 'whsec_b2xk', label: 'HMS_WEBHOOK_SECRET', accepted: false },
          ],
        });
        assert.ok(diagnosis.causes.length > 0 && diagnosis.message.length > 0);
      }),
      { numRuns: 100 },
    );
  });

  it('every check of verify returns a verdict for any capture', () => {
    const anyCapture = fc.record(
      {
        received_at: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        method: fc.constantFrom('POST', 'GET', 'post', ''),
        path: fc.string(),
        headers: anyHeaders.map((h) =>
          Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v])),
        ),
        body: fc.oneof(
          fc.string(),
          mutatedFixture.map((d) => JSON.stringify(d)),
        ),
        reply: fc.oneof(
          fc.constant(undefined),
          fc.record({
            status: fc.integer({ min: 100, max: 599 }),
            body: fc.string(),
            latency_ms: fc.option(fc.double({ min: 0, max: 20_000, noNaN: true }), { nil: undefined }),
          }),
        ),
      },
      { requiredKeys: ['headers', 'body'] },
    );
    fc.assert(
      fc.property(anyCapture, (capture) => {
        const check = checkCapture(capture as Capture, {
          secrets: [{ secret: SECRET, label: '--secret', accepted: true }],
          toleranceSeconds: 300,
          clock: () => 1_765_627_200,
        });
        assert.equal(typeof check.passed, 'boolean');
      }),
      RUNS,
    );
  });
});

describe('fuzz: validate never throws', () => {
  it('on any JSON value, as a payload and as a reply to each event', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        assert.ok(Array.isArray(validatePayload(value).errors));
        for (const event of EVENTS) assert.ok(Array.isArray(validateReply(event, value, { request: value }).errors));
      }),
      RUNS,
    );
  });

  it('on fixtures with random changes', () => {
    fc.assert(
      fc.property(mutatedFixture, (document) => {
        const result = validatePayload(document);
        assert.ok(Array.isArray(result.errors) && Array.isArray(result.warnings));
      }),
      RUNS,
    );
  });
});

describe('fuzz: the listener answers every request and stays up', () => {
  let listener: Listener;
  let url: URL;
  before(async () => {
    listener = await startListener({
      host: '127.0.0.1',
      port: 0,
      path: '/hooks',
      secrets: [SECRET],
      toleranceSeconds: 300,
      enforce: true,
      maxBodyBytes: 2048,
      replies: {},
      delayMs: 0,
      onEvent: () => {},
    });
    url = new URL(listener.url);
  });
  after(() => listener.close());

  const send = (method: string, path: string, headers: Record<string, string>, body: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method, path, headers: { ...headers, 'content-length': String(body.length) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('with a status of 2xx, 400, 401, 404, 405 or 413 for a few hundred random requests', async () => {
    const signedFixture = mutatedFixture.map((document) => {
      const body = JSON.stringify(document);
      const event = (document as { message?: { type?: unknown } }).message?.type;
      return {
        body: Buffer.from(body),
        headers: { ...sign({ body, secret: SECRET, event: typeof event === 'string' ? event : 'status-update' }) } as Record<
          string,
          string
        >,
      };
    });
    const randomRequest = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
      path: fc.constantFrom('/hooks', '/hooks', '/hooks?x=1', '/', '/other'),
      payload: fc.oneof(
        signedFixture,
        fc.record({
          body: fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
          headers: anyHeaders.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]))),
        }),
        fc.record({ body: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), headers: fc.constant({}) }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(randomRequest, async ({ method, path, payload }) => {
        const status = await send(method, path, payload.headers, payload.body);
        assert.ok((status >= 200 && status < 300) || [400, 401, 404, 405, 413].includes(status), `unexpected status ${status}`);
      }),
      RUNS,
    );
    const body = JSON.stringify(loadFixture('status-update').document);
    assert.equal(await send('POST', '/hooks', { ...sign({ body, secret: SECRET }) }, Buffer.from(body)), 200, 'still up and answering');
  });
});
