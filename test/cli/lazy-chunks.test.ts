import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string }[] }>;
}

// The build's own record of the bundle: which sources each chunk holds and which chunks it imports.
const meta = JSON.parse(readFileSync(join(ROOT, 'dist/meta/cli.json'), 'utf8')) as Metafile;

/** The chunks loaded once a source module's chunk is: its static imports, followed to the end. */
function loadedWith(source: string): string[] {
  const start = Object.keys(meta.outputs).find((output) => source in meta.outputs[output]!.inputs);
  assert.ok(start, `no chunk holds ${source}`);
  const seen = new Set<string>([start]);
  for (const output of seen) {
    for (const imported of meta.outputs[output]!.imports) {
      if (imported.kind === 'import-statement' && imported.path in meta.outputs) seen.add(imported.path);
    }
  }
  return [...seen];
}

const holds = (packageName: string) => (output: string) =>
  Object.keys(meta.outputs[output]!.inputs).some((input) => input.includes(`node_modules/${packageName}/`));
const holdsFuzzer = holds('fast-check');

describe('the fuzzer loads only when asked', () => {
  it('a plain send, send call and demo load no chunk that holds fast-check', () => {
    for (const source of ['dist/src/commands/send/run.js', 'dist/src/commands/send/run-call.js', 'dist/src/commands/demo/run.js']) {
      const loaded = loadedWith(source);
      assert.deepEqual(loaded.filter(holdsFuzzer), [], `${source} loads the fuzzer`);
    }
  });

  it('--fuzz and tools check do load it (the check above can fail)', () => {
    for (const source of ['dist/src/commands/send/fuzz-render.js', 'dist/src/commands/tools/run.js']) {
      assert.ok(loadedWith(source).some(holdsFuzzer), source);
    }
  });

  it('a plain send loads neither undici (it sends on node:http) nor the code of whole calls', () => {
    const loaded = loadedWith('dist/src/commands/send/run.js');
    assert.deepEqual(loaded.filter(holds('undici')), []);
    assert.deepEqual(
      loaded.filter((output) => 'dist/src/engine/play-calls.js' in meta.outputs[output]!.inputs),
      [],
    );
    assert.ok(loadedWith('dist/src/commands/send/run-load.js').some(holds('undici')), 'send load does');
  });
});
