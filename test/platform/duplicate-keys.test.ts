import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { duplicateKeys } from '../../src/platform/duplicate-keys.js';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';

// A key given twice is read last-wins by JSON.parse, first-wins by some receivers: another event.

const dir = temporaryFolder('hms-webhook-duplicate-keys-');

describe('duplicateKeys', () => {
  it('names each key given twice with the path of its object, in objects inside arrays too', () => {
    const found = duplicateKeys('{"message":{"type":"status-update","list":[1,{"id":"a","id":"b"}],"type":"tool-calls"},"x":"\\"y\\":"}');
    assert.deepEqual(
      found.map((finding) => finding.path),
      [
        ['message', 'list', 1, 'id'],
        ['message', 'type'],
      ],
    );
    assert.match(
      found[1]!.message,
      /^the key "type" is given twice in this object: the last one is read here, but a parser that keeps the first reads another value$/,
    );
  });

  it('finds none where keys repeat only across objects, or inside strings', () => {
    assert.deepEqual(duplicateKeys('[{"a":1},{"a":2},{"b":"{\\"a\\":1,\\"a\\":2}"}]'), []);
  });

  it('lists 20 and counts the rest', () => {
    const text = `{${Array.from({ length: 30 }, (_, i) => `"k${i}":1,"k${i}":2`).join(',')}}`;
    const found = duplicateKeys(text);
    assert.equal(found.length, 21);
    assert.equal(found.at(-1)!.message, 'and 10 more keys given twice');
  });
});

describe('validate warns of a key given twice', () => {
  it('"type" twice in message: a warning with its place, the verdict of the last one', async () => {
    const file = join(dir, 'twice.json');
    writeFileSync(file, '{"message":{"type":"tool-calls",\n"type":"status-update","call":{"id":"c1","status":"in-progress"}}}');
    const result = await runCli(['validate', file, '--json']);
    const [record] = jsonLines(result.stdout).filter((line) => line.type === 'document');
    const warnings = record!.warnings as { path: string; message: string; line: number }[];
    assert.ok(
      warnings.some((w) => /the key "type" is given twice/.test(w.message) && w.line === 1),
      JSON.stringify(warnings),
    );
    assert.equal(record!.event, 'status-update');
  });
});

describe('listen and verify warn of a key given twice, through the one delivery check', () => {
  it('verify: a captured body with "type" twice', async () => {
    const body = '{"message":{"type":"tool-calls","type":"status-update","call":{"id":"c1","status":"in-progress"}}}';
    const file = join(dir, 'twice.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ received_at: new Date().toISOString(), method: 'POST', path: '/', headers: { 'x-webhook-event': 'status-update' }, body })}\n`,
    );
    const result = await runCli(['verify', file, '--unsigned', '--json']);
    const [record] = jsonLines(result.stdout).filter((line) => line.type === 'request');
    assert.ok(
      (record!.warnings as { message: string }[]).some((w) => /the key "type" is given twice/.test(w.message)),
      result.stdout,
    );
  });
});
