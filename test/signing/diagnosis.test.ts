import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { type DiagnosisCause, diagnoseSignature, diagnoseTimestamp, type KnownSecret } from '../../src/signing/diagnosis.js';

// An HMAC of our own, so that the mistakes are made here, not by the code under test.
const hmac = (secret: string | Buffer, message: string | Buffer, algorithm = 'sha256') => createHmac(algorithm, secret).update(message);
const SECRET = 'whsec_diagnosis_1';
const TS = '1763900000';
const BODY = '{"message":{"type":"status-update","call":{"id":"c-1","status":"ended"}}}';
const accepted: KnownSecret = { secret: SECRET, label: '--secret', accepted: true };

function diagnose(signature: string, options: { body?: string; timestamp?: string; secrets?: KnownSecret[] } = {}): DiagnosisCause[] {
  const headers = { 'x-webhook-signature': signature, 'x-webhook-timestamp': options.timestamp ?? TS, 'x-webhook-event': 'status-update' };
  return diagnoseSignature({ body: Buffer.from(options.body ?? BODY), headers, secrets: options.secrets ?? [accepted] }).causes;
}

describe('diagnosis: the mistake behind a signature that does not match', () => {
  it('a body re-serialised with indentation after signing', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 2);
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${TS}.${BODY}`).digest('hex')}`, { body: pretty }), ['reserialised-body']);
  });

  it('the signature over the body alone, or in the other order', () => {
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, BODY).digest('hex')}`), ['body-only']);
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${BODY}.${TS}`).digest('hex')}`), ['body-then-timestamp']);
  });

  it('digest encodings: sha1, upper-case hex, base64', () => {
    assert.deepEqual(diagnose(`sha1=${hmac(SECRET, `${TS}.${BODY}`, 'sha1').digest('hex')}`), ['sha1']);
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${TS}.${BODY}`).digest('hex').toUpperCase()}`), ['uppercase-hex']);
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${TS}.${BODY}`).digest('base64')}`), ['base64']);
  });

  it('the timestamp signed in milliseconds while the header says seconds', () => {
    const ms = `${Number(TS) * 1000 + 417}`;
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${ms}.${BODY}`).digest('hex')}`), ['timestamp-milliseconds']);
  });

  it('another secret the user gave, named by its label and never shown', () => {
    const old: KnownSecret = { secret: 'whsec_old', label: 'HMS_WEBHOOK_SECRET', accepted: false };
    const headers = { 'x-webhook-signature': `sha256=${hmac('whsec_old', `${TS}.${BODY}`).digest('hex')}`, 'x-webhook-timestamp': TS };
    const diagnosis = diagnoseSignature({ body: Buffer.from(BODY), headers, secrets: [accepted, old] });
    assert.deepEqual(diagnosis.causes, ['other-secret']);
    assert.match(diagnosis.message, /HMS_WEBHOOK_SECRET/);
    assert.ok(!diagnosis.message.includes('whsec_old'));
  });

  it('whitespace around the secret, and a newline added to the body after signing', () => {
    assert.deepEqual(diagnose(`sha256=${hmac(`${SECRET}\n`, `${TS}.${BODY}`).digest('hex')}`), ['secret-whitespace']);
    assert.deepEqual(diagnose(`sha256=${hmac(SECRET, `${TS}.${BODY}`).digest('hex')}`, { body: `${BODY}\n` }), ['trailing-newline']);
  });

  it('another platform, an unsigned request, and nothing known', () => {
    const stripe = diagnoseSignature({ body: Buffer.from(BODY), headers: { 'stripe-signature': 't=1,v1=ab' }, secrets: [accepted] });
    assert.deepEqual(stripe.causes, ['other-platform']);
    assert.match(stripe.message, /Stripe/);
    assert.deepEqual(diagnoseSignature({ body: Buffer.from(BODY), headers: {}, secrets: [accepted] }).causes, ['unknown']);
    assert.deepEqual(diagnose(`sha256=${'0'.repeat(64)}`), ['unknown']);
  });

  it('diagnoseTimestamp names a header in milliseconds, and only that', () => {
    assert.deepEqual(diagnoseTimestamp({ 'x-webhook-timestamp': '1763900000123' })?.causes, ['timestamp-milliseconds']);
    assert.equal(diagnoseTimestamp({ 'x-webhook-timestamp': TS }), undefined);
  });
});
