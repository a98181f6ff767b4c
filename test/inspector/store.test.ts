import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestStore } from '../../src/inspector/store.js';
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
