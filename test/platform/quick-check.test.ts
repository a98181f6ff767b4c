import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type * as z from 'zod/mini';
import { DIALECTS } from '../../src/platform/dialect.js';
import { EVENTS } from '../../src/platform/events.js';
import { listFixtures, loadFixture } from '../../src/platform/fixtures.js';
import { assistantConfig } from '../../src/platform/schemas/common.js';
import { payloadSchema, replySchema, validatePayload, validateReply } from '../../src/platform/schemas/index.js';
import { compile } from '../../src/platform/schemas/quick-check.js';
import { ROOT } from '../helpers.js';

// The quick check answers "does it parse" for every delivery; zod runs only to explain a rejection.
// It must never say yes where zod says no (nor the other way): checked over every fixture, the
// platform's own examples, and random edits of them.

const schemas: [string, z.ZodMiniType][] = DIALECTS.flatMap((d) => [
  ...EVENTS.map((event): [string, z.ZodMiniType] => [`${event} payload (${d})`, payloadSchema(event, d)]),
  ...EVENTS.map((event): [string, z.ZodMiniType] => [`${event} reply (${d})`, replySchema(event, d)]),
  [`assistant config (${d})`, assistantConfig(d)] as [string, z.ZodMiniType],
]);

const documents: unknown[] = [
  ...DIALECTS.flatMap((dialect) =>
    listFixtures().map((entry) => loadFixture(`${entry.event}/${entry.variant}`, { kind: entry.kind, dialect }).document),
  ),
  ...readdirSync(join(ROOT, 'test/seed-examples')).map((file) => JSON.parse(readFileSync(join(ROOT, 'test/seed-examples', file), 'utf8'))),
];

const quick = (schema: z.ZodMiniType) => compile(schema._zod.def as never);

/** A document with one value somewhere in it replaced, removed, or given a neighbour. */
function edited(document: unknown, pathSeed: number, replacement: unknown, kind: number): unknown {
  const copy = structuredClone(document);
  const containers: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (node !== null && typeof node === 'object') {
      containers.push(node as Record<string, unknown>);
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(copy);
  const target = containers[pathSeed % containers.length]!;
  const keys = Object.keys(target);
  const key = Array.isArray(target)
    ? String(pathSeed % Math.max(1, target.length))
    : (keys[pathSeed % Math.max(1, keys.length)] ?? 'extra');
  if (kind === 0) target[key] = replacement;
  else if (kind === 1) delete target[key];
  else target[`extra_${pathSeed}`] = replacement;
  return copy;
}

describe('the quick check of a schema', () => {
  it('compiles every payload schema, the reply schemas and the assistant config (so the quick path is taken)', () => {
    for (const [name, schema] of schemas) assert.ok(quick(schema), name);
  });

  it('agrees with zod on every fixture and every example of the platform, in every schema', () => {
    for (const document of documents)
      for (const [name, schema] of schemas) assert.equal(quick(schema)!(document), schema.safeParse(document).success, name);
  });

  it('agrees with zod on random edits of them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...documents),
        fc.nat(),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(0, -1, 1.5, 2 ** 53, '', null, [], {}, 'x')),
        fc.nat(2),
        (document, seed, replacement, kind) => {
          const changed = edited(document, seed, replacement, kind);
          for (const [name, schema] of schemas) assert.equal(quick(schema)!(changed), schema.safeParse(changed).success, name);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('leaves the findings as they were: validate gives the same errors through either path', () => {
    const invalid = edited(loadFixture('tool-calls').document, 3, 42, 0);
    const findings = validatePayload(invalid);
    assert.ok(findings.errors.length > 0);
    assert.deepEqual(validatePayload(invalid), findings);
    assert.deepEqual(validateReply('tool-calls', { results: [] }).errors.length > 0, true);
  });
});
