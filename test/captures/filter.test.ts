import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterMatches, filterProblem, SEARCHED_BODY_CHARS, searchTextOf } from '../../src/captures/filter.js';

const request = {
  event: 'tool-calls',
  callId: '5c4d2e8a-1111',
  passed: false,
  status: 401,
  path: '/webhooks',
  tools: ['check_stock', 'book'],
  reason: 'signature-mismatch',
};

describe('the one filter grammar', () => {
  it('matches fields by prefix, tools by name, statuses by class, and free text anywhere', () => {
    const yes = [
      '',
      'event:tool',
      'call:5c4d',
      'verdict:failed',
      'verdict:f',
      'status:401',
      'status:4xx',
      'path:/web',
      'tool:book',
      'MISMATCH',
      'event:tool-calls status:4xx',
    ];
    const no = [
      'event:status',
      'call:9',
      'verdict:passed',
      'status:2xx',
      'status:40x0',
      'path:/hooks',
      'tool:boo',
      'nothing-like-this',
      'event:tool-calls status:2xx',
    ];
    for (const filter of yes) assert.equal(filterMatches(filter, request), true, filter);
    for (const filter of no) assert.equal(filterMatches(filter, request), false, filter);
    assert.equal(filterMatches('verdict:passed', { event: 'status-update' }), false, 'no verdict known: no match');
  });

  it('says what is wrong with a filter in one line', () => {
    assert.equal(filterProblem('event:tool-calls status:4xx free text'), undefined);
    assert.match(filterProblem('colour:red')!, /^colour:red: no field colour; filter by event:, call:/);
    assert.equal(filterProblem('event:'), 'event:: give a value after event:');
    assert.equal(filterProblem('verdict:maybe'), 'verdict:maybe: verdict is passed or failed');
    assert.equal(filterProblem('status:abc'), 'status:abc: give a status (401) or a class (4xx)');
  });

  it('reads field names and values in any case', () => {
    for (const filter of ['Event:Tool-Calls', 'VERDICT:FAILED', 'Tool:BOOK', 'Status:4XX', 'CALL:5C4D'])
      assert.equal(filterMatches(filter, request), true, filter);
    assert.equal(filterProblem('Verdict:Failed'), undefined);
    assert.equal(filterProblem('Event:tool'), undefined);
  });

  it('finds free text in header values and the body, which searchTextOf gives it', () => {
    const text = searchTextOf({ 'user-agent': 'HMS-Sovereign/1.0', 'x-tag': ['a', 'b'] }, '{"customer":{"number":"+31612345678"}}');
    const withText = { ...request, text };
    for (const word of ['hms-sovereign', '+31612345678', 'customer']) assert.equal(filterMatches(word, withText), true, word);
    assert.equal(filterMatches('+31612345678', request), false, 'without the text, the body is not searched');
    const long = searchTextOf({}, `${'x'.repeat(SEARCHED_BODY_CHARS)}needle`);
    assert.equal(filterMatches('needle', { text: long }), false, 'past the start of a body nothing is searched');
  });
});
