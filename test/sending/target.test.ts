import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTarget } from '../../src/sending/target.js';

describe('parseTarget: --to as users type it', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'http://localhost:8484/'],
    ['localhost', 'http://localhost:8484/'],
    ['localhost:3000', 'http://localhost:3000/'],
    [':3000', 'http://localhost:3000/'],
    ['3000', 'http://localhost:3000/'],
    [':3000/webhooks', 'http://localhost:3000/webhooks'],
    ['127.0.0.1:9000/hms', 'http://127.0.0.1:9000/hms'],
    ['https://example.com/hooks', 'https://example.com/hooks'],
    ['http://example.com', 'http://example.com/'],
    ['3001/webhooks', 'http://localhost:3001/webhooks'],
    ['3001/', 'http://localhost:3001/'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(parseTarget(input).href, expected));
  }
  it('never a numeric host the user did not type: dotted numbers without four parts are ambiguous', () => {
    for (const input of ['3001.5', '10.1:80/x', '1.2.3'])
      assert.throws(() => parseTarget(input), /is ambiguous: write the full address/, input);
  });

  it('rejects other schemes and ports out of range', () => {
    assert.throws(() => parseTarget('ftp://example.com'), /only http:\/\/ and https:\/\//);
    assert.throws(() => parseTarget('70000'), /not a URL|out of range/);
  });
});
