import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  type AssistantRequestReply,
  sign,
  type ToolCallsPayload,
  type ToolCallsReply,
  type VerifiedRequest,
  verifyNodeRequest,
  verifyRequest,
} from 'hms-webhook';

const SECRET = 'helper-secret-3b9';
const NOW = 1_765_627_200;
const body = JSON.stringify({ message: { type: 'status-update', call: { id: 'c1', status: 'ended' } } });

const webRequest = (bytes: string, headers: Record<string, string>) =>
  new Request('http://127.0.0.1/webhooks', { method: 'POST', headers, body: bytes });

describe('verifyRequest: a web-standard Request', () => {
  it('accepts the exact bytes signed, with either secret of a rotation, and gives the payload', async () => {
    const headers = sign({ body, secret: SECRET, timestamp: NOW });
    const verified = await verifyRequest(webRequest(body, headers), { secrets: ['old-secret', SECRET], now: NOW });
    assert.equal(verified.ok, true);
    if (!verified.ok) return;
    assert.equal(verified.body.toString('utf8'), body);
    assert.equal(verified.event, 'status-update');
    assert.equal(verified.secretIndex, 1);
    assert.deepEqual(verified.payload, JSON.parse(body));
  });

  it('refuses with the status to answer and why: 401 for a signature, 400 for a body that is not JSON, 413 for one too large', async () => {
    const headers = sign({ body, secret: SECRET, timestamp: NOW });
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    const cases: [Request, Partial<VerifiedRequest>][] = [
      [webRequest(reformatted, headers), { status: 401, reason: 'signature-mismatch' }],
      [webRequest(body, { ...headers, 'X-Webhook-Signature': 'sha256=abc' }), { status: 401, reason: 'malformed-signature' }],
      [webRequest(body, sign({ body, secret: SECRET, timestamp: NOW - 301 })), { status: 401, reason: 'timestamp-too-old' }],
      [webRequest(body, sign({ body, secret: SECRET, timestamp: NOW + 301 })), { status: 401, reason: 'timestamp-in-future' }],
      [
        webRequest('not json', sign({ body: 'not json', secret: SECRET, timestamp: NOW, event: 'status-update' })),
        { status: 400, reason: 'not-json' },
      ],
    ];
    for (const [request, expected] of cases) {
      const verified = await verifyRequest(request, { secrets: SECRET, now: NOW });
      assert.equal(verified.ok, false);
      assert.deepEqual({ status: (verified as { status: number }).status, reason: (verified as { reason: string }).reason }, expected);
    }
    const big = await verifyRequest(webRequest(body, headers), { secrets: SECRET, now: NOW, maxBodyBytes: 10 });
    assert.deepEqual([big.ok, (big as { status: number }).status], [false, 413]);
  });
});

describe('verifyNodeRequest: an IncomingMessage', () => {
  it('reads the raw body of a real request and verifies it', async () => {
    const results: VerifiedRequest[] = [];
    const server = createServer(async (req, res) => {
      results.push(await verifyNodeRequest(req, { secrets: SECRET }));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      await fetch(url, { method: 'POST', headers: sign({ body, secret: SECRET }), body });
      await fetch(url, { method: 'POST', headers: sign({ body, secret: 'wrong' }), body });
      assert.deepEqual(
        results.map((r) => r.ok),
        [true, false],
      );
    } finally {
      server.close();
    }
  });
});

describe('payload and reply types', () => {
  it('type a receiver by the schemas validate uses (checked by tsc)', () => {
    const reply: ToolCallsReply = { results: [{ tool_call_id: 'tool_1', result: { slots: 2 } }] };
    const assistant: AssistantRequestReply = { assistant: { name: 'Receptie', first_message: 'Hallo' } };
    const payload = { message: { type: 'tool-calls' } } as unknown as ToolCallsPayload;
    const type: 'tool-calls' = payload.message.type;
    assert.equal(type, 'tool-calls');
    assert.ok(reply && assistant);
  });
});
