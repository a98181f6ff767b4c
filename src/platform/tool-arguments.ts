import fc from 'fast-check';
import { asObject } from './schemas/common.js';

// Tool-call arguments generated from a tool's `parameters` JSON Schema: the valid ones a model sends,
// then the odd ones models send too. Each kind is an arbitrary of fast-check, so that a failing case
// shrinks to the smallest arguments that still fail.

type Json = Record<string, unknown>;

/** The arguments as `function.arguments` carries them: an object, or (OpenAI style) a JSON string. */
export type ToolArguments = Json | string;

export interface ArgumentKind {
  name: string;
  arguments: fc.Arbitrary<ToolArguments>;
  /** Sent at least once however few cases are asked for: each required key's own "missing" kind. */
  always?: boolean;
}

const MAX_DEPTH = 3;
/** Longer than any field of a form, shorter than a body limit: what a model pasting a document sends. */
const HUGE = 20_000;
const ODD_TEXT = ['', ' ', '\u0000', 'é', '👩‍👩‍👧', 'שלום', '\u202e', "'; DROP TABLE calls; --", '{{name}}', 'null', '0'];

const propertiesOf = (schema: Json | undefined): [string, Json][] =>
  Object.entries(asObject(schema?.properties) ?? {}).map(([key, value]) => [key, asObject(value) ?? {}]);
const requiredOf = (schema: Json | undefined): string[] =>
  Array.isArray(schema?.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
const typeOf = (schema: Json): string | undefined =>
  typeof schema.type === 'string'
    ? schema.type
    : Array.isArray(schema.type)
      ? (schema.type.find((t) => t !== 'null') as string)
      : undefined;

/** One valid value of a schema, built without randomness: what `tools check` sends. */
export function exampleOf(schema: Json | undefined, depth = 0): unknown {
  const s = schema ?? {};
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  switch (typeOf(s)) {
    case 'string':
      return stringExample(s);
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : typeof s.maximum === 'number' ? Math.min(s.maximum, 1) : 1;
    case 'boolean':
      return true;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 1;
      return depth >= MAX_DEPTH ? [] : Array.from({ length: min }, () => exampleOf(asObject(s.items), depth + 1));
    }
    case 'null':
      return null;
    default: {
      const result: Json = {};
      if (depth >= MAX_DEPTH) return result;
      for (const [key, property] of propertiesOf(s)) result[key] = exampleOf(property, depth + 1);
      return result;
    }
  }
}

/** A schema's `pattern` as a RegExp, when it is one JavaScript can read. */
function patternOf(s: Json): RegExp | undefined {
  if (typeof s.pattern !== 'string') return undefined;
  try {
    return new RegExp(s.pattern, 'u');
  } catch {
    return undefined;
  }
}

function stringExample(s: Json): string {
  const pattern = patternOf(s);
  // The same value every time: the sample of a fixed seed.
  if (pattern !== undefined) return fc.sample(fc.stringMatching(pattern), { numRuns: 1, seed: 1 })[0]!;
  if (s.format === 'date') return '2025-12-18';
  if (s.format === 'date-time') return '2025-12-18T10:30:00Z';
  if (s.format === 'email') return 'jan@example.com';
  if (s.format === 'uri') return 'https://example.com/';
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  return 'example'.padEnd(min, 'x');
}

/** Any valid value of a schema (as far as these keywords go: type, properties, required, enum, const, bounds, lengths, pattern). */
function valuesOf(schema: Json | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = schema ?? {};
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  switch (typeOf(s)) {
    case 'string': {
      const pattern = patternOf(s);
      if (pattern !== undefined) return fc.stringMatching(pattern);
      if (typeof s.format === 'string' && ['date', 'date-time', 'email', 'uri'].includes(s.format)) return fc.constant(stringExample(s));
      const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
      const maxLength = typeof s.maxLength === 'number' ? s.maxLength : Math.max(minLength, 40);
      return fc.string({ minLength, maxLength });
    }
    case 'integer':
      return fc.integer({
        min: typeof s.minimum === 'number' ? Math.ceil(s.minimum) : -1_000_000,
        max: typeof s.maximum === 'number' ? Math.floor(s.maximum) : 1_000_000,
      });
    case 'number':
      return fc.double({
        min: typeof s.minimum === 'number' ? s.minimum : -1e6,
        max: typeof s.maximum === 'number' ? s.maximum : 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth >= MAX_DEPTH
        ? fc.constant([])
        : fc.array(valuesOf(asObject(s.items), depth + 1), {
            minLength: typeof s.minItems === 'number' ? s.minItems : 0,
            maxLength: typeof s.maxItems === 'number' ? s.maxItems : 5,
          });
    case 'object':
      return objectOf(s, depth);
    default:
      return propertiesOf(s).length > 0 ? objectOf(s, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(s: Json, depth: number): fc.Arbitrary<Json> {
  if (depth >= MAX_DEPTH) return fc.constant({});
  const shape = Object.fromEntries(propertiesOf(s).map(([key, property]) => [key, valuesOf(property, depth + 1)]));
  const required = requiredOf(s).filter((key) => key in shape);
  return fc.record(shape, { requiredKeys: required }) as fc.Arbitrary<Json>;
}

/** A value of another type than the schema's: `"42"` for 42, 42 for a string, `"true"` for true. */
function wrongTypeFor(schema: Json, value: unknown): unknown {
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return String(value ?? 42);
    case 'boolean':
      return String(value ?? true);
    case 'string':
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : 42;
    case 'array':
      return JSON.stringify(value ?? []);
    default:
      return 'not an object';
  }
}

/**
 * The kinds of arguments to try for a tool, in order: valid ones first, then each kind of odd
 * arguments that applies to its schema.
 */
export function argumentKinds(parameters: unknown): ArgumentKind[] {
  const schema = asObject(parameters);
  const valid = valuesOf(schema ?? { type: 'object' }).map((value) => asObject(value) ?? {});
  const properties = propertiesOf(schema);
  const keys = properties.map(([key]) => key);
  const required = requiredOf(schema);
  const strings = properties.filter(([, property]) => typeOf(property) === 'string').map(([key]) => key);
  const withKey = (from: string[], edit: (args: Json, key: string) => Json) =>
    fc.tuple(valid, fc.constantFrom(...from)).map(([args, key]) => edit({ ...args }, key));
  const kinds: ArgumentKind[] = [{ name: 'valid', arguments: valid }];
  // A kind per required key: every one gets its case, not only those a seed happens to pick.
  for (const key of required)
    kinds.push({
      name: `a required key missing (${key})`,
      arguments: valid.map((args) => Object.fromEntries(Object.entries(args).filter(([name]) => name !== key))),
      always: true,
    });
  if (keys.length > 0) {
    kinds.push({
      name: 'a value of the wrong type',
      arguments: withKey(keys, (args, key) => ({ ...args, [key]: wrongTypeFor(schemaOf(properties, key), args[key]) })),
    });
    kinds.push({ name: 'null for a value', arguments: withKey(keys, (args, key) => ({ ...args, [key]: null })) });
  }
  kinds.push({
    name: 'a key the schema does not have',
    arguments: fc
      .tuple(valid, fc.stringMatching(/^[a-z_]{1,12}$/), fc.jsonValue({ maxDepth: 1 }))
      .map(([args, key, value]) => ({ ...args, [keys.includes(key) ? `${key}_extra` : key]: value })),
  });
  if (strings.length > 0) {
    kinds.push({ name: 'an empty string', arguments: withKey(strings, (args, key) => ({ ...args, [key]: '' })) });
    kinds.push({
      name: 'a huge string',
      arguments: fc
        .tuple(valid, fc.constantFrom(...strings), fc.string({ minLength: 1, maxLength: 8 }))
        .map(([args, key, unit]) => ({ ...args, [key]: unit.repeat(Math.ceil(HUGE / unit.length)).slice(0, HUGE) })),
    });
    kinds.push({
      name: 'unicode and odd text',
      arguments: fc
        .tuple(valid, fc.constantFrom(...strings), fc.oneof(fc.constantFrom(...ODD_TEXT), fc.string({ unit: 'grapheme', maxLength: 20 })))
        .map(([args, key, text]) => ({ ...args, [key]: text })),
    });
  }
  kinds.push({ name: 'the arguments as a JSON string (OpenAI style)', arguments: valid.map((args) => JSON.stringify(args)) });
  kinds.push({ name: 'no arguments ({})', arguments: fc.constant({}) });
  return kinds;
}

function schemaOf(properties: [string, Json][], key: string): Json {
  return properties.find(([name]) => name === key)?.[1] ?? {};
}
