import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareReplies, parseIgnorePath } from '../../src/platform/reply-compare.js';

const request = (id: string) => ({ message: { type: 'tool-calls', tool_call_list: [{ id, function: { name: 'book' } }] } });
const reply = (id: string, result: unknown) => Buffer.from(JSON.stringify({ results: [{ tool_call_id: id, result }] }));

describe('compareReplies', () => {
  it('matches the ids the request supplies under their new values, and lists what changed', () => {
    const comparison = compareReplies({
      event: 'tool-calls',
      recorded: { status: 200, body: reply('tool_old', { slots: 2, note: 'x' }).toString() },
      replayed: { status: 200, body: reply('tool_new', { slots: 0, extra: true }) },
      recordedRequest: request('tool_old'),
      replayedRequest: request('tool_new'),
      ignore: [],
    });
    assert.deepEqual(comparison.differences, [
      'results[0].result.slots: 2 → 0',
      'results[0].result.note: "x" → (absent)',
      'results[0].result.extra: (absent) → true',
    ]);
  });

  it('compares the status always, and the body only where the platform reads it', () => {
    const base = { recordedRequest: {}, replayedRequest: {}, ignore: [] };
    const ignored = compareReplies({
      ...base,
      event: 'status-update',
      recorded: { status: 200, body: '{"a":1}' },
      replayed: { status: 200, body: Buffer.from('{"a":2}') },
    });
    assert.deepEqual(ignored.differences, []);
    const status = compareReplies({
      ...base,
      event: 'status-update',
      recorded: { status: 200, body: '' },
      replayed: { status: 500, body: Buffer.from('') },
    });
    assert.deepEqual(status.differences, ['status: 200 → 500']);
    const text = compareReplies({
      ...base,
      event: 'assistant-request',
      recorded: { status: 200, body: 'ok' },
      replayed: { status: 200, body: Buffer.from('{}') },
    });
    assert.deepEqual(text.differences, ['body: "ok" → "{}"']);
    const cut = compareReplies({
      ...base,
      event: 'assistant-request',
      recorded: { status: 200, body: '{', truncated: true },
      replayed: { status: 200, body: Buffer.from('{}') },
    });
    assert.match(cut.notCompared ?? '', /cut short/);
  });

  it('ignores the paths given, * matching any key or index, and counts what is past ten differences', () => {
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    const comparison = compareReplies({
      event: 'assistant-request',
      recorded: { status: 200, body: JSON.stringify({ ...many, at: 1, list: [{ t: 1 }, { t: 2 }] }) },
      replayed: { status: 200, body: Buffer.from(JSON.stringify({ at: 2, list: [{ t: 3 }, { t: 4 }] })) },
      recordedRequest: {},
      replayedRequest: {},
      ignore: [parseIgnorePath('at')!, parseIgnorePath('list[*].t')!],
    });
    assert.equal(comparison.differences.length, 11);
    assert.equal(comparison.differences.at(-1), 'and 2 more differences');
    assert.equal(parseIgnorePath('a..b'), undefined);
    assert.deepEqual(parseIgnorePath('results[*].result'), ['results', '*', 'result']);
  });
});

describe('compareReplies: keys from the wire', () => {
  it('are data: a reply key named toString or __proto__ is compared, never found on the prototype', () => {
    const comparison = compareReplies({
      event: 'assistant-request',
      recorded: { status: 200, body: '{"toString":1,"__proto__":{"a":1}}' },
      replayed: { status: 200, body: Buffer.from('{"__proto__":{"a":2}}') },
      recordedRequest: {},
      replayedRequest: {},
      ignore: [],
    });
    assert.deepEqual(comparison.differences, ['toString: 1 → (absent)', '__proto__.a: 1 → 2']);
  });
});
