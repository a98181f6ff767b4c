import type * as z from 'zod/mini';

/** Whether a value passes a schema, without building zod's issues: the question asked of every delivery. */
type Quick = (value: unknown) => boolean;

interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  catchall?: { _zod: { def: Def } };
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
  options?: { _zod: { def: Def } }[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  format?: string;
  checks?: { _zod: { def: { check: string; minimum?: number; value?: number; inclusive?: boolean } } }[];
}

const compiled = new WeakMap<object, Quick | null>();

/**
 * zod's answer to "does this parse", from a plain function compiled once per schema; zod itself runs
 * only for a value this rejects, to explain it. A schema using anything this does not know (a
 * refinement, a transform, a default) gets no quick check, so the answer is always zod's.
 */
export function safeParseQuickly<T extends z.ZodMiniType>(schema: T, value: unknown): ReturnType<T['safeParse']> {
  let quick = compiled.get(schema);
  if (quick === undefined) {
    quick = compile(schema._zod.def as unknown as Def) ?? null;
    compiled.set(schema, quick);
  }
  // The data is the value itself: the schemas this compiles have no defaults or transforms to apply.
  if (quick?.(value) === true) return { success: true, data: value } as ReturnType<T['safeParse']>;
  return schema.safeParse(value) as ReturnType<T['safeParse']>;
}

/** The quick check of a schema, or undefined when it uses something this does not compile. */
export function compile(def: Def): Quick | undefined {
  const checks = compileChecks(def);
  if (checks === undefined) return undefined;
  const base = compileType(def);
  if (base === undefined) return undefined;
  return checks.length === 0 ? base : (value) => base(value) && checks.every((check) => check(value));
}

function compileType(def: Def): Quick | undefined {
  const inner = (schema: { _zod: { def: Def } } | undefined) => (schema === undefined ? undefined : compile(schema._zod.def));
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'never':
      return () => false;
    case 'string':
      return (value) => typeof value === 'string';
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'null':
      return (value) => value === null;
    case 'number':
      if (def.format === 'safeint') return (value) => Number.isSafeInteger(value);
      if (def.format !== undefined) return undefined;
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'literal': {
      const values = def.values ?? [];
      return (value) => values.includes(value);
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return (value) => values.includes(value);
    }
    case 'optional': {
      const check = inner(def.innerType);
      return check && ((value) => value === undefined || check(value));
    }
    case 'nullable': {
      const check = inner(def.innerType);
      return check && ((value) => value === null || check(value));
    }
    case 'array': {
      const check = inner(def.element);
      // Every index, holes included (every() would skip them; zod sees undefined there).
      return (
        check &&
        ((value) => {
          if (!Array.isArray(value)) return false;
          for (let index = 0; index < value.length; index++) if (!check(value[index])) return false;
          return true;
        })
      );
    }
    case 'record': {
      const check = inner(def.valueType);
      return check && ((value) => isPlainObject(value) && Object.values(value).every((item) => check(item)));
    }
    case 'union': {
      const options = (def.options ?? []).map((option) => compile(option._zod.def));
      if (options.some((option) => option === undefined)) return undefined;
      return (value) => options.some((option) => option!(value));
    }
    case 'object':
      return compileObject(def);
    default:
      return undefined;
  }
}

function compileObject(def: Def): Quick | undefined {
  // A missing key passes only where the field is optional: zod 4 wants even an unknown() field present.
  const fields: [string, Quick, boolean][] = [];
  for (const [key, schema] of Object.entries(def.shape ?? {})) {
    const check = compile(schema._zod.def);
    if (check === undefined) return undefined;
    fields.push([key, check, schema._zod.def.type === 'optional']);
  }
  const catchall = def.catchall?._zod.def.type;
  // No catchall strips unknown keys and `unknown` keeps them: both accept them. `never` refuses them.
  if (catchall !== undefined && catchall !== 'unknown' && catchall !== 'never') return undefined;
  const known = new Set(fields.map(([key]) => key));
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const object = value as Record<string, unknown>;
    for (const [key, check, optional] of fields) {
      if (Object.hasOwn(object, key) ? !check(object[key]) : !optional) return false;
    }
    return catchall !== 'never' || Object.keys(object).every((key) => known.has(key));
  };
}

function compileChecks(def: Def): Quick[] | undefined {
  const out: Quick[] = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'min_length' && c.minimum !== undefined) {
      const minimum = c.minimum;
      out.push((value) => (value as { length: number }).length >= minimum);
    } else if (c.check === 'greater_than' && c.value !== undefined) {
      const bound = c.value;
      out.push(c.inclusive ? (value) => (value as number) >= bound : (value) => (value as number) > bound);
    } else return undefined;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
