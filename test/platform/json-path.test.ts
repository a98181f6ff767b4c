import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySet, applyUnset, parsePath } from '../../src/platform/json-path.js';

describe('json-path: --set and --unset', () => {
  it('dots, [index] and quoted keys; values parsed as JSON when they are', () => {
    assert.deepEqual(parsePath('message.tool_call_list[0].id'), ['message', 'tool_call_list', 0, 'id']);
    const document: Record<string, any> = { message: {} };
    applySet(document, 'message.call.status=ended');
    applySet(document, 'message.list[0]={"a":1}');
    applySet(document, 'message["odd key"]=7');
    assert.deepEqual(document, { message: { call: { status: 'ended' }, list: [{ a: 1 }], 'odd key': 7 } });
    applyUnset(document, 'message.call');
    assert.equal('call' in document.message, false);
    assert.throws(() => applyUnset(document, 'message.nothing'), /no such key/);
  });

  it('refuses __proto__, prototype and constructor, and pollutes nothing', () => {
    for (const path of ['__proto__.polluted', 'message.__proto__.polluted', 'message.constructor.prototype.polluted', 'a["__proto__"].b']) {
      assert.throws(() => applySet({ message: {} }, `${path}=1`), /is refused \(it would change every object, not this payload\)/, path);
      assert.throws(() => applyUnset({ message: {} }, path), /is refused/, path);
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});
