import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { MAX_WAITING_DIAGNOSES, OFF_LOOP_HASH_BYTES, SignatureThread } from '../../src/receiving/signature-thread.js';
import { DIAGNOSIS_BUDGET_BYTES, diagnoseSignature } from '../../src/signing/diagnosis.js';
import { sign } from '../../src/signing/signature.js';

// The listener's signature work off its event loop: bounded, and never in the way of an answer.

const SECRET = 'thread-secret';
const body = Buffer.from(JSON.stringify(loadFixture('status-update/ended').document));
const secrets = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ secret: `${SECRET}-${i}`, label: `line ${i + 1}`, accepted: true }));

describe('SignatureThread', () => {
  it('verifies a valid request at once and diagnoses a forged one on its thread, with the sentence verify gives', async () => {
    const thread = new SignatureThread([{ secret: SECRET, label: '--secret', accepted: true }], 300);
    try {
      const valid = await thread.judge(body, sign({ body, secret: SECRET }));
      assert.deepEqual(valid.verdict, { ok: true, secretIndex: 0 });
      assert.equal(await valid.diagnosis, undefined);
      const pretty = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
      const forged = await thread.judge(pretty, sign({ body, secret: SECRET }));
      assert.equal(forged.verdict.ok, false);
      assert.deepEqual((await forged.diagnosis)?.causes, ['reserialised-body']);
    } finally {
      await thread.close();
    }
  });

  it(`diagnoses at most ${MAX_WAITING_DIAGNOSES} at once: the next forged ones are answered undiagnosed, never held`, async () => {
    const thread = new SignatureThread([{ secret: SECRET, label: '--secret', accepted: true }], 300);
    try {
      const forged = sign({ body, secret: 'not-it' });
      // Judged one after another without waiting: the first ones are still being diagnosed.
      const judged = await Promise.all(Array.from({ length: MAX_WAITING_DIAGNOSES + 4 }, () => thread.judge(body, forged)));
      const diagnoses = await Promise.all(judged.map((one) => one.diagnosis));
      assert.ok(judged.every((one) => one.verdict.ok === false));
      assert.equal(
        diagnoses.filter((d) => /^not diagnosed: 8 other failed signatures were being diagnosed$/.test(d?.message ?? '')).length,
        4,
      );
      assert.equal(diagnoses.filter((d) => d?.causes.includes('other-secret') || d?.causes.includes('unknown')).length, 12);
    } finally {
      await thread.close();
    }
  });

  it('many secrets and a large body: verified on the thread, and the one that signed it is found', async () => {
    const many = secrets(200);
    const large = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), padding: 'x'.repeat(20_000) }));
    assert.ok(many.length * large.length > OFF_LOOP_HASH_BYTES);
    const thread = new SignatureThread(many, 300);
    try {
      const valid = await thread.judge(large, sign({ body: large, secret: `${SECRET}-199` }));
      assert.deepEqual(valid.verdict, { ok: true, secretIndex: 199 });
    } finally {
      await thread.close();
    }
  });
});

describe('the diagnosis is bounded', () => {
  it(`a 5 MB forged body stops after ${DIAGNOSIS_BUDGET_BYTES / 1024 / 1024} MiB of hashing and says so`, () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
    const diagnosis = diagnoseSignature({ body: huge, headers: sign({ body, secret: SECRET }), secrets: secrets(3) });
    assert.match(diagnosis.message, /^not diagnosed in full: trying each usual mistake would hash more than 32 MiB/);
  });

  it('a small body is still diagnosed in full, milliseconds timestamp included', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign({ body, secret: SECRET, timestamp: timestamp * 1000 + 417 })['X-Webhook-Signature'];
    const diagnosis = diagnoseSignature({
      body,
      headers: { 'x-webhook-signature': signature, 'x-webhook-timestamp': String(timestamp) },
      secrets: [{ secret: SECRET, label: '--secret', accepted: true }],
    });
    assert.deepEqual(diagnosis.causes, ['timestamp-milliseconds']);
  });
});
