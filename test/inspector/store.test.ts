import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestStore, replyMeaning } from '../../src/inspector/store.js';
import type { ListenEvent } from '../../src/receiving/listener.js';

const event = (bytes: number): ListenEvent => ({
  receivedAt: new Date('2026-11-30T10:00:00Z'),
  method: 'POST',
  path: '/',
  // Parsed, so that __proto__ is an own key, as it is in headers from the wire.
  headers: JSON.parse('{"__proto__":"x","x-webhook-event":"status-update"}') as ListenEvent['headers'],
  body: Buffer.alloc(bytes),
  signature: { checked: false },
  errors: [],
  warnings: [],
  answer: { status: 200, body: '{}' },
  latencyMs: 1,
  passed: true,
});

describe('the inspector keeps', () => {
  it('the last --ui-keep requests, and no more bodies than its byte cap, the newest always', () => {
    const byCount = new RequestStore(2);
    for (let i = 0; i < 3; i++) byCount.add(event(10));
    assert.deepEqual(
      byCount.list().map((r) => r.id),
      [2, 3],
    );
    const byBytes = new RequestStore(100, 25);
    for (let i = 0; i < 3; i++) byBytes.add(event(10));
    assert.deepEqual(
      byBytes.list().map((r) => r.id),
      [2, 3],
    );
    byBytes.add(event(100));
    assert.deepEqual(
      byBytes.list().map((r) => r.id),
      [4],
      'a body over the cap alone is still kept',
    );
  });

  it('a header named __proto__ is a header, not a prototype', () => {
    const store = new RequestStore(10);
    const request = store.add(event(1));
    assert.equal(Object.getPrototypeOf(request.headers), null);
    assert.equal(Object.getOwnPropertyDescriptor(request.headers, '__proto__')?.value, 'x');
    assert.equal(request.headers['x-webhook-event'], 'status-update');
  });
});

describe('what a reply means for its event', () => {
  const answered = (type: string, status: number, latencyMs: number): ListenEvent => ({
    ...event(10),
    event: type,
    answer: { status, body: '{}' },
    latencyMs,
  });
  it('its time against the deadline, past it, or a refusal; for an event whose reply is not read, whether it was taken', () => {
    const store = new RequestStore(10);
    const meaning = (type: string, status: number, latencyMs: number) => replyMeaning(store.add(answered(type, status, latencyMs)));
    assert.equal(meaning('tool-calls', 200, 4.12), '4.1 ms of the 10 s deadline');
    assert.equal(meaning('assistant-request', 200, 6200), '6200 ms: past the 5 s deadline, so the platform does not use it');
    assert.equal(meaning('tool-calls', 500, 12), 'refused (500) in 12 ms: the platform gets no reply it can use (the deadline is 10 s)');
    assert.equal(meaning('status-update', 204, 1), 'any 2xx is right: the platform reads no reply body for status-update');
    assert.match(
      meaning('end-of-call-report', 401, 1),
      /^refused \(401\): the platform expects a 2xx for end-of-call-report and reads no reply body/,
    );
    assert.equal(meaning('not-an-event', 404, 1), 'refused (404)');
  });
});
