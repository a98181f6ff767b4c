import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestSummary } from '../../src/inspector/api-types.js';
import { formatJsonText, parseJsonTree } from '../../src/inspector/page/json-text.js';
import { InspectorModel } from '../../src/inspector/page/model.js';

// The inspector page's model and its JSON text, without a browser: what the list shows, in which order,
// what is selected, what follow does.

let next = 1;
function summary(fields: Partial<RequestSummary> = {}): RequestSummary {
  const id = fields.id ?? next++;
  return {
    id,
    received_at: '2026-12-07T10:00:00.000Z',
    method: 'POST',
    path: '/webhooks',
    event: 'status-update',
    dialect: 'hms',
    call_id: 'call-a',
    tools: [],
    passed: true,
    reason: null,
    latency_ms: 1,
    deadline_ms: null,
    status: 200,
    bytes: 10,
    resend_of: null,
    earlier: false,
    search_text: '',
    ...fields,
  };
}
const ids = (model: InspectorModel) => model.visible().flatMap((item) => (item.kind === 'request' ? [item.request.id] : []));

describe('the inspector page model', () => {
  it('lists the newest first and follows each new request that matches the filter', () => {
    const model = new InspectorModel(100);
    model.load([summary({ id: 1 }), summary({ id: 2 })]);
    assert.deepEqual(ids(model), [2, 1]);
    assert.deepEqual(model.add(summary({ id: 3 })), { selected: true, dropped: [] });
    assert.equal(model.selectedId, 3);
    model.filter = 'event:tool';
    assert.equal(model.add(summary({ id: 4 })).selected, false, 'a request the filter hides is not followed');
    assert.equal(model.add(summary({ id: 5, event: 'tool-calls' })).selected, true);
    model.follow = false;
    assert.equal(model.add(summary({ id: 6, event: 'tool-calls' })).selected, false);
    assert.equal(model.selectedId, 5);
  });

  it('a re-send is not followed: it is listed under its original, which stays selected', () => {
    const model = new InspectorModel(100);
    model.load([summary({ id: 1 }), summary({ id: 2 })]);
    model.selectedId = 1;
    assert.equal(model.add(summary({ id: 3, resend_of: 1 })).selected, false);
    assert.equal(model.add(summary({ id: 4, resend_of: 1 })).selected, false);
    assert.equal(model.selectedId, 1);
    assert.deepEqual(
      model.visible().map((item) => (item.kind === 'request' ? `${item.request.id}:${item.depth}` : item.callId)),
      ['2:0', '1:0', '3:1', '4:1'],
    );
    // Filtered out, the original takes its re-sends' place no more: they stand alone.
    model.filter = 'verdict:failed';
    model.add(summary({ id: 5, resend_of: 2, passed: false }));
    assert.deepEqual(ids(model), [5]);
  });

  it('while the user edits or re-sends (hold), a new request does not take the selection away', () => {
    const model = new InspectorModel(100);
    model.load([summary({ id: 1 })]);
    model.selectedId = 1;
    model.hold = true;
    assert.equal(model.add(summary({ id: 2 })).selected, false);
    assert.equal(model.selectedId, 1);
  });

  it('holds no more than the server keeps, dropping the oldest and a selection of it', () => {
    const model = new InspectorModel(3);
    model.load([1, 2, 3, 4].map((id) => summary({ id })));
    assert.deepEqual(ids(model), [4, 3, 2]);
    model.selectedId = 2;
    model.follow = false;
    assert.deepEqual(model.add(summary({ id: 5 })).dropped, [2]);
    assert.equal(model.selectedId, null);
    model.drop([5]);
    assert.deepEqual(ids(model), [4, 3]);
    assert.equal(model.total, 2);
  });

  it('says how many are shown of how many, and when none matches', () => {
    const model = new InspectorModel(100);
    model.load([summary({ id: 1 }), summary({ id: 2, passed: false, search_text: 'x-note: +31612345678' })]);
    assert.equal(model.countLine(), '2 requests');
    model.filter = 'VERDICT:FAILED';
    assert.equal(model.countLine(), '1 of 2 requests');
    model.filter = '+31612345678';
    assert.deepEqual(ids(model), [2], 'free text finds header values and bodies');
    model.filter = 'event:end-of-call-report';
    assert.equal(model.countLine(), 'no request matches event:end-of-call-report (of 2)');
    assert.equal(model.first(), undefined);
  });

  it('groups by call in the order the events came, and moves through what is shown', () => {
    const model = new InspectorModel(100);
    model.load([
      summary({ id: 1, call_id: 'a' }),
      summary({ id: 2, call_id: 'b' }),
      summary({ id: 3, call_id: 'a' }),
      summary({ id: 4, call_id: null }),
    ]);
    model.group = true;
    assert.deepEqual(
      model.visible().map((item) => (item.kind === 'request' ? item.request.id : `call ${item.callId}`)),
      ['call (no call id)', 4, 'call a', 1, 3, 'call b', 2],
    );
    assert.equal(model.neighbour(1), 4, 'nothing selected: the first shown');
    model.selectedId = 1;
    assert.equal(model.neighbour(1), 3);
    assert.equal(model.neighbour(-5), 4);
    assert.equal(model.neighbour(9), 2);
    assert.equal(model.first(), 4);
  });
});

describe("the page's JSON text", () => {
  it('lays a body out with every number and escape as it was sent', () => {
    const body = '{"big":12345678901234567891,"one":1.0,"e":1E+2,"s":"a\\u00e9\\n","k\\u0041":[true,null,{}],"empty":[]}';
    assert.equal(
      formatJsonText(body),
      '{\n  "big": 12345678901234567891,\n  "one": 1.0,\n  "e": 1E+2,\n  "s": "a\\u00e9\\n",\n  "k\\u0041": [\n    true,\n    null,\n    {}\n  ],\n  "empty": []\n}',
    );
    // What JSON.parse and JSON.stringify would do to it: the reason the page does not use them.
    assert.notEqual(JSON.stringify(JSON.parse(body)), body);
  });

  it('says where a document that is not JSON goes wrong', () => {
    assert.throws(() => parseJsonTree('{"a":1,}'), /expected a string at character 9/);
    assert.throws(() => parseJsonTree('{"a":1} x'), /text after the document/);
    assert.throws(() => parseJsonTree('"open'), /a string that does not end/);
    assert.throws(() => parseJsonTree(''), /the text ends/);
  });
});
