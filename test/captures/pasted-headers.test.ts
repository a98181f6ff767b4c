import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePastedHeaders } from '../../src/captures/pasted-headers.js';

const WANT = { 'x-webhook-signature': 'sha256=ab12', 'x-webhook-timestamp': '1763900000', 'content-type': 'application/json' };

describe('pasted headers: the forms users copy', () => {
  const forms: [string, string][] = [
    [
      'Name: value lines with a request line',
      'POST /hooks HTTP/1.1\nX-Webhook-Signature: sha256=ab12\nX-Webhook-Timestamp: 1763900000\nContent-Type: application/json\n',
    ],
    [
      'curl -v',
      '*   Trying 127.0.0.1:3000...\n> POST /hooks HTTP/1.1\n> X-Webhook-Signature: sha256=ab12\n> X-Webhook-Timestamp: 1763900000\n> Content-Type: application/json\n>\n< HTTP/1.1 200 OK\n< content-length: 2\n',
    ],
    [
      'HTTP/2 devtools',
      ':method: POST\n:path: /hooks\nx-webhook-signature: sha256=ab12\nx-webhook-timestamp: 1763900000\ncontent-type: application/json\n',
    ],
    [
      'JSON',
      JSON.stringify({ 'X-Webhook-Signature': 'sha256=ab12', 'X-Webhook-Timestamp': '1763900000', 'Content-Type': 'application/json' }),
    ],
    [
      'Node console.log(req.headers)',
      "{\n  'x-webhook-signature': 'sha256=ab12',\n  'x-webhook-timestamp': '1763900000',\n  'content-type': 'application/json'\n}",
    ],
    [
      'Python dict(request.headers)',
      "{'X-Webhook-Signature': 'sha256=ab12', 'X-Webhook-Timestamp': '1763900000', 'Content-Type': 'application/json'}",
    ],
  ];
  for (const [form, text] of forms) {
    it(form, () => assert.deepEqual(parsePastedHeaders(text, 'h.txt').headers, WANT));
  }

  it('a headers block, a blank line, then the body', () => {
    const pasted = parsePastedHeaders('X-Webhook-Timestamp: 1763900000\r\n\r\n{"message":{}}\n', 'h.txt');
    assert.deepEqual(pasted.headers, { 'x-webhook-timestamp': '1763900000' });
    assert.equal(pasted.body?.toString(), '{"message":{}}');
  });

  it('a line that is none of these is one error naming it', () => {
    assert.throws(
      () => parsePastedHeaders('X-Webhook-Timestamp: 1\nnot a header\n', 'h.txt'),
      /--headers h\.txt:2: expected "Name: value", got "not a header"/,
    );
  });
});
