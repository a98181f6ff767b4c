import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { captureFrom, captureLine, readCaptures } from '../../src/captures/capture-file.js';
import { ROOT, temporaryFolder } from '../helpers.js';

// The capture line is typed once: one writer (captureLine), one reader (captureFrom) that every
// command reads through, and no casts to a capture anywhere else.

const dir = temporaryFolder('hms-capture-line-');

async function readAll(file: string) {
  const captures = [];
  for await (const { capture } of readCaptures(file)) captures.push(capture);
  return captures;
}

describe('the capture line: one type, one writer, one reader', () => {
  it('what the writer saves, the reader gives back typed: request, verdict and reply', async () => {
    const file = join(dir, 'round-trip.jsonl');
    const line = captureLine(
      new Date('2026-12-06T10:00:00.000Z'),
      'POST',
      '/hooks',
      { 'X-Webhook-Event': 'status-update', Via: ['a', 'b'] },
      Buffer.from('{"a":1}'),
      {
        verdict: { passed: false, signature: 'signature-mismatch', errors: 0, warnings: 1 },
        reply: { status: 401, body: '{"error":"bad"}', content_type: 'application/json' },
      },
    );
    writeFileSync(file, `${line}${captureLine(undefined, 'POST', '/', {}, Buffer.from([0xff, 0xfe]))}`);
    assert.deepEqual(await readAll(file), [
      {
        received_at: '2026-12-06T10:00:00.000Z',
        method: 'POST',
        path: '/hooks',
        headers: { 'x-webhook-event': 'status-update', via: 'a, b' },
        body: '{"a":1}',
        verdict: { passed: false, signature: 'signature-mismatch', errors: 0, warnings: 1 },
        reply: { status: 401, body: '{"error":"bad"}', content_type: 'application/json' },
      },
      { method: 'POST', path: '/', headers: {}, body_base64: '//4=' },
    ]);
  });

  it('a malformed verdict or reply is left out, the request still read; keys from the wire stay data', () => {
    const capture = captureFrom(
      JSON.parse(
        '{"method":"POST","path":"/","headers":{"__proto__":"x","a":1,"b":"2"},"body":"{}","verdict":{"passed":"yes"},"reply":{"status":"200"}}',
      ),
    );
    assert.ok(capture);
    assert.equal(capture.verdict, undefined);
    assert.equal(capture.reply, undefined);
    assert.deepEqual(Object.keys(capture.headers), ['__proto__', 'b']);
    assert.equal(Object.getPrototypeOf(capture.headers), Object.prototype);
    assert.equal(captureFrom({ method: 'POST', headers: {} }), undefined, 'no body: no capture');
  });

  it('no module casts a value to a capture: they read through captureFrom', () => {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const casting = sources.filter((file) => /\bas (Partial<)?Capture\b/.test(readFileSync(join(ROOT, 'src', file), 'utf8')));
    assert.deepEqual(casting, []);
  });
});
