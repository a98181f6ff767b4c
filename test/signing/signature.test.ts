import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sign, verify, type FailureReason } from '../../src/signing/signature.js';

const SECRET = 'whsec_test_secret_12345';
const NOW = 1_765_627_200; // 2025-12-13T12:00:00Z
const BODY = '{"message":{"type":"status-update","call":{"id":"c1"}}}';

/** An independent HMAC, written from the platform docs, not from our module. */
function referenceSignature(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]))
    .digest('hex');
}

describe('sign', () => {
  it('produces exactly the platform headers', () => {
    const headers = sign({ body: BODY, secret: SECRET, timestamp: NOW });
    assert.deepEqual(headers, {
      'Content-Type': 'application/json',
      'User-Agent': 'HMS-Sovereign/1.0',
      'X-Webhook-Event': 'status-update',
      'X-Webhook-Timestamp': String(NOW),
      'X-Webhook-Signature': `sha256=${referenceSignature(SECRET, String(NOW), BODY)}`,
    });
    assert.match(headers['X-Webhook-Signature'], /^sha256=[0-9a-f]{64}$/);
  });

  it('signs bytes the same as the equal string, and defaults the timestamp to now', () => {
    const fromBytes = sign({ body: Buffer.from(BODY), secret: SECRET, timestamp: NOW });
    assert.equal(fromBytes['X-Webhook-Signature'], sign({ body: BODY, secret: SECRET, timestamp: NOW })['X-Webhook-Signature']);
    const before = Math.floor(Date.now() / 1000);
    const stamped = Number(sign({ body: BODY, secret: SECRET })['X-Webhook-Timestamp']);
    const after = Math.floor(Date.now() / 1000);
    assert.ok(before <= stamped && stamped <= after, `timestamp ${stamped} is now in seconds`);
  });

  it('takes the event from message.type unless given, and refuses bodies without one', () => {
    assert.equal(sign({ body: 'not json', secret: SECRET, event: 'tool-calls' })['X-Webhook-Event'], 'tool-calls');
    assert.throws(() => sign({ body: 'not json', secret: SECRET }), TypeError);
  });

  it('throws TypeError on misuse', () => {
    assert.throws(() => sign({ body: BODY, secret: '' }), TypeError);
    assert.throws(() => sign({ body: 42 as unknown as string, secret: SECRET }), TypeError);
    assert.throws(() => sign({ body: BODY, secret: SECRET, timestamp: 1.5 }), TypeError);
  });
});

describe('verify', () => {
  const signed = sign({ body: BODY, secret: SECRET, timestamp: NOW });
  const check = (headers: Record<string, string | undefined>, extra: Partial<Parameters<typeof verify>[0]> = {}) =>
    verify({ body: BODY, headers, secrets: [SECRET], now: NOW, ...extra });

  it('accepts a platform request, with header names in any case and from a Headers object', () => {
    assert.deepEqual(check(signed), { ok: true, secretIndex: 0 });
    const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(check(lower), { ok: true, secretIndex: 0 });
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    assert.deepEqual(check(upper), { ok: true, secretIndex: 0 });
    assert.deepEqual(verify({ body: BODY, headers: new Headers(signed), secrets: SECRET, now: NOW }), { ok: true, secretIndex: 0 });
  });

  it('accepts the signature without its sha256= prefix (older doc pages)', () => {
    assert.equal(check({ ...signed, 'X-Webhook-Signature': signed['X-Webhook-Signature'].slice(7) }).ok, true);
  });

  it('verifies raw bytes, including bytes that are not UTF-8', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = sign({ body: bytes, secret: SECRET, timestamp: NOW, event: 'status-update' });
    assert.equal(verify({ body: bytes, headers, secrets: SECRET, now: NOW }).ok, true);
    assert.equal(verify({ body: bytes.toString('utf8'), headers, secrets: SECRET, now: NOW }).ok, false);
  });

  it('accepts any of several secrets and says which (rotation)', () => {
    assert.deepEqual(verify({ body: BODY, headers: signed, secrets: ['old-secret', SECRET], now: NOW }), { ok: true, secretIndex: 1 });
  });

  it('accepts timestamps at the edge of the tolerance, in both directions', () => {
    assert.equal(check(signed, { now: NOW + 300 }).ok, true);
    assert.equal(check(signed, { now: NOW - 300 }).ok, true);
    assert.equal(check(signed, { now: NOW + 500, toleranceSeconds: 600 }).ok, true);
    assert.equal(check(signed, { now: new Date((NOW + 10) * 1000) }).ok, true);
  });

  const cases: [FailureReason, Record<string, string | undefined>, Partial<Parameters<typeof verify>[0]>?][] = [
    ['missing-signature', { ...signed, 'X-Webhook-Signature': undefined }],
    ['missing-timestamp', { ...signed, 'X-Webhook-Timestamp': undefined }],
    ['malformed-timestamp', { ...signed, 'X-Webhook-Timestamp': '2025-12-13T12:00:00Z' }],
    ['malformed-timestamp', { ...signed, 'X-Webhook-Timestamp': '-5' }],
    ['timestamp-too-old', signed, { now: NOW + 301 }],
    ['timestamp-in-future', signed, { now: NOW - 301 }],
    ['malformed-signature', { ...signed, 'X-Webhook-Signature': 'sha256=xyz' }],
    ['malformed-signature', { ...signed, 'X-Webhook-Signature': `sha256=${Buffer.alloc(32).toString('base64')}` }],
    ['signature-mismatch', { ...signed, 'X-Webhook-Signature': `sha256=${'0'.repeat(64)}` }],
    ['signature-mismatch', { ...signed, 'X-Webhook-Signature': signed['X-Webhook-Signature'].toUpperCase().replace('SHA256=', 'sha256=') }],
  ];
  for (const [reason, headers, extra] of cases) {
    it(`fails with ${reason} (${JSON.stringify(headers['X-Webhook-Signature']?.slice(0, 14) ?? null)}, ts ${JSON.stringify(headers['X-Webhook-Timestamp'] ?? null)})`, () => {
      const result = check(headers, extra);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.reason, reason);
      assert.ok(result.message.length > 20, 'the message explains the failure');
      assert.ok(!result.message.includes(SECRET), 'the message never contains the secret');
    });
  }

  it('names milliseconds when a timestamp is in milliseconds', () => {
    const ms = String(NOW * 1000);
    const headers = { ...signed, 'X-Webhook-Timestamp': ms, 'X-Webhook-Signature': `sha256=${referenceSignature(SECRET, ms, BODY)}` };
    const result = check(headers);
    assert.ok(!result.ok && result.reason === 'timestamp-in-future' && /milliseconds/.test(result.message));
  });

  it('throws TypeError on misuse, and never for a bad request', () => {
    assert.throws(() => verify({ body: BODY, headers: signed, secrets: [] }), TypeError);
    assert.throws(() => verify({ body: BODY, headers: signed, secrets: [''] }), TypeError);
    assert.throws(() => verify({ body: BODY, headers: signed, secrets: [42 as unknown as string] }), TypeError);
    assert.throws(() => verify({ body: {} as unknown as string, headers: signed, secrets: SECRET }), TypeError);
    assert.throws(() => verify({ body: BODY, headers: null as unknown as Record<string, string>, secrets: SECRET }), TypeError);
    assert.throws(() => verify({ body: BODY, headers: signed, secrets: SECRET, toleranceSeconds: -1 }), TypeError);
  });
});

describe('sign and verify, for any input (fast-check)', () => {
  const anyBody = fc.oneof(
    fc.string(),
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  );
  const anySecret = fc.string({ minLength: 1, maxLength: 64 });
  const anyTimestamp = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });

  it('round-trips: what sign() produces, verify() accepts', () => {
    fc.assert(
      fc.property(anyBody, anySecret, anyTimestamp, (body, secret, timestamp) => {
        const headers = sign({ body, secret, timestamp, event: 'tool-calls' });
        const result = verify({ body, headers, secrets: [secret], now: timestamp });
        return result.ok && headers['X-Webhook-Signature'] === `sha256=${referenceSignature(secret, String(timestamp), body)}`;
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any one-byte change of the body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        anySecret,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, secret, at, delta) => {
          const body = Buffer.from(bytes);
          const headers = sign({ body, secret, timestamp: NOW, event: 'tool-calls' });
          const changed = Buffer.from(body);
          const index = at % changed.length;
          changed[index] = (changed[index]! + delta) % 256;
          const result = verify({ body: changed, headers, secrets: secret, now: NOW });
          return !result.ok && result.reason === 'signature-mismatch';
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any change of the timestamp within the tolerance', () => {
    fc.assert(
      fc.property(
        anyBody,
        anySecret,
        fc.integer({ min: -300, max: 300 }).filter((d) => d !== 0),
        (body, secret, shift) => {
          const headers = sign({ body, secret, timestamp: NOW, event: 'tool-calls' });
          const moved = { ...headers, 'X-Webhook-Timestamp': String(NOW + shift) };
          const result = verify({ body, headers: moved, secrets: secret, now: NOW });
          return !result.ok && result.reason === 'signature-mismatch';
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any one-character change of the signature', () => {
    fc.assert(
      fc.property(anyBody, anySecret, fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 15 }), (body, secret, at, delta) => {
        const headers = sign({ body, secret, timestamp: NOW, event: 'tool-calls' });
        const hex = headers['X-Webhook-Signature'].slice(7);
        const digit = ((parseInt(hex[at]!, 16) + delta) % 16).toString(16);
        const forged = { ...headers, 'X-Webhook-Signature': `sha256=${hex.slice(0, at)}${digit}${hex.slice(at + 1)}` };
        const result = verify({ body, headers: forged, secrets: secret, now: NOW });
        return !result.ok && result.reason === 'signature-mismatch';
      }),
      { numRuns: 300 },
    );
  });
});
