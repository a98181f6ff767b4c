import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locate, splitDocuments } from '../../src/platform/json-source.js';

describe('json-source: documents and places in them', () => {
  it('a whole file is one document; a BOM is skipped', async () => {
    const { documents, syntaxErrors } = await splitDocuments('\ufeff{"a": 1}', 'one.json');
    assert.deepEqual(syntaxErrors, []);
    assert.deepEqual(
      documents.map((d) => [d.label, d.value]),
      [['one.json', { a: 1 }]],
    );
  });

  it('JSONL by name or by content: one document per line, labelled with its line', async () => {
    const byName = await splitDocuments('{"a":1}\n\n{"a":2}\n', 'many.jsonl');
    assert.deepEqual(
      byName.documents.map((d) => [d.label, d.firstLine]),
      [
        ['many.jsonl:1', 1],
        ['many.jsonl:3', 3],
      ],
    );
    const byContent = await splitDocuments('{"a":1}\n{"a":2}\n', 'many.txt');
    assert.equal(byContent.documents.length, 2);
  });

  it('a syntax error has its line and column', async () => {
    const whole = await splitDocuments('{\n  "a": 1,\n  oops\n}', 'bad.json');
    assert.equal(whole.documents.length, 0);
    assert.deepEqual(
      whole.syntaxErrors.map(({ line, column }) => [line, column]),
      [[3, 3]],
    );
    const lines = await splitDocuments('{"a":1}\n{"a":\n', 'x.jsonl');
    assert.equal(lines.documents.length, 1);
    assert.equal(lines.syntaxErrors[0]!.line, 2);
  });

  it('locate: the line and column of a path, in a file and in a JSONL line', async () => {
    const { documents } = await splitDocuments('{\n  "message": {\n    "call": { "status": "x" }\n  }\n}', 'p.json');
    assert.deepEqual(await locate(documents[0]!, ['message', 'call', 'status']), { line: 3, column: 15 });
    const jsonl = await splitDocuments('{"a":1}\n{"list":[0,{"k":true}]}\n', 'x.jsonl');
    assert.deepEqual(await locate(jsonl.documents[1]!, ['list', 1, 'k']), { line: 2, column: 13 }, 'at the key');
  });
});
