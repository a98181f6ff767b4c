import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertDialect, detectDialect } from '../../src/platform/dialect.js';

describe('dialect: keys from the wire are data, never inherited properties', () => {
  it('a __proto__ key stays a key, and toString is not read from Object.prototype', () => {
    const payload = JSON.parse('{"message":{"__proto__":{"polluted":true},"toString":"x","phone_number":{"number":"+31"}}}');
    const converted = convertDialect(payload, 'hms', 'flireo') as { message: Record<string, unknown> };
    assert.equal(JSON.stringify(converted), '{"message":{"__proto__":{"polluted":true},"toString":"x","phoneNumber":{"number":"+31"}}}');
    assert.equal(Object.getPrototypeOf(converted.message), Object.prototype);
    assert.equal((converted.message as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('call.type "constructor" does not make a payload flireo', () => {
    assert.equal(detectDialect({ message: { call: { type: 'constructor' } } }), 'hms');
    assert.equal(detectDialect({ message: { call: { type: 'webCall' } } }), 'flireo');
  });
});
