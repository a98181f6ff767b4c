import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { callTypeIn, type FlireoKeys, hmsCallTypes, keyIn, spellingIn, withKeysIn, type Dialect } from '../dialect.js';
import { safeParseQuickly } from './quick-check.js';

// zod/mini, so that a command loads 20 KB of zod rather than 460 KB; it comes without messages.
z.config(en());

export type PathSegment = string | number;

/** One finding about a document: an error fails it, a warning is a value the platform may still send. */
export interface Finding {
  path: PathSegment[];
  message: string;
}

/** What the event modules add beyond the zod schema: checks that need the whole document. */
export interface Lint {
  errors: Finding[];
  warnings: Finding[];
}

export const KNOWN_CALL_STATUSES = [
  'connecting',
  'ringing',
  'in-progress',
  'ended',
  'ended-with-error',
  'transferred',
  'failed',
  'rejected',
  'insufficient-credits',
  // In the SDK's call status type.
  'dialing',
] as const;

/** Findings as every --json and the inspector give them: the path written out, and the message. */
export function shownFindings(findings: readonly Finding[]): { path: string; message: string }[] {
  return findings.map((finding) => ({ path: formatPath(finding.path), message: finding.message }));
}

/** `message.call.id` etc. as a reader writes it: dots for keys, brackets for indexes. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(document)' : out;
}

/** zod issues as findings, with messages that say what is expected where. */
export function findingsOf(error: z.core.$ZodError): Finding[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      return { path, message: `required ${issue.expected} is missing` };
    }
    return { path, message: issue.message.replace(/^Invalid input: /, '') };
  });
}

export const userData = z.record(z.string(), z.unknown());

export const optionalString = () => z.optional(z.string());
/** An optional field of a payload: the SDK's types let it be null too, so null is accepted. */
export const optionalNullableString = () => z.optional(z.nullable(z.string()));

/**
 * The keys of `node` that hold null where the SDK types them `?: string` (absent, or a string): not an
 * error, since JSON carries it and the platform may send it, but a receiver typed with the SDK does not expect it.
 */
export function nullsTheSdkDoesNotAllow(node: Json, keys: readonly string[], path: PathSegment[]): Finding[] {
  return keys
    .filter((key) => node[key] === null)
    .map((key) => ({
      path: [...path, key],
      message: `null: the platform's SDK types ${key} as a string or absent (?: string), so a receiver typed with it does not expect null`,
    }));
}
export const nonEmptyString = () => z.string().check(z.minLength(1));

/**
 * A schema built once per dialect, on first use. Building a zod schema and its first parse cost
 * about a hundred times a parse: a check that built its schema each time was most of `verify`.
 */
export function oncePerDialect<T>(build: (d: Dialect) => T): (d: Dialect) => T {
  const built = new Map<Dialect, T>();
  return (d) => {
    let schema = built.get(d);
    if (schema === undefined) {
      schema = build(d);
      built.set(d, schema);
    }
    return schema;
  };
}

/** The assistant config: in payloads (resolved, with metadata) and in assistant-request replies. */
export const assistantConfig = oncePerDialect((d: Dialect) => {
  return looseObjectIn(d, {
    id: optionalString(),
    name: optionalString(),
    first_message: optionalNullableString(),
    llm_config: z.optional(
      z.looseObject({
        provider: optionalString(),
        model: optionalString(),
        messages: z.optional(z.array(z.looseObject({ role: z.string(), content: z.string() }))),
      }),
    ),
    stt_config: z.optional(z.looseObject({ provider: optionalString(), model: optionalString(), language: optionalString() })),
    // Null for a realtime model that speaks itself: allowed by the SDK's newer types.
    tts_config: z.optional(z.nullable(looseObjectIn(d, { provider: optionalString(), voice_id: optionalString() }))),
    max_duration_seconds: z.optional(z.nullable(z.int().check(z.positive()))),
    analysis_plan: z.optional(z.nullable(z.looseObject({}))),
    metadata: z.optional(userData),
  });
});

/** The envelope every event shares (`message.type`, `timestamp`, `call`, `assistant`…), with the event's own keys added. */
export function messageEnvelope<Event extends string, Extra extends z.core.$ZodLooseShape>(d: Dialect, event: Event, extra: Extra) {
  return z.looseObject({
    message: looseObjectIn(d, {
      type: z.literal(event),
      timestamp: z.string(),
      call: z.looseObject({
        // A string, as the SDK types it; an empty one is a warning (see envelopeLint).
        id: z.string(),
        type: z.string(),
        status: z.string(),
        // No SDK types it: an unknown key, never an error whatever its value.
        pipeline: z.optional(z.unknown()),
      }),
      phone_number: z.looseObject({
        id: z.optional(z.nullable(z.string())),
        number: z.nullable(z.string()),
        name: z.optional(z.nullable(z.string())),
      }),
      customer: z.looseObject({ number: z.nullable(z.string()) }),
      // An open record in the SDK: what is inside is checked against the docs as warnings (envelopeLint).
      assistant: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
      ...extra,
    }),
  });
}

type FlireoShape<T> = FlireoKeys<T> extends infer S extends z.core.$ZodLooseShape ? S : never;

/**
 * A loose object whose platform keys are spelled the dialect's way. Typed as the hms or the flireo
 * object, so that the types inferred from a schema name both spellings' keys.
 */
export function looseObjectIn<T extends z.core.$ZodLooseShape>(
  d: Dialect,
  shape: T,
): z.ZodMiniObject<T, z.core.$loose> | z.ZodMiniObject<FlireoShape<T>, z.core.$loose> {
  if (d === 'hms') return z.looseObject(shape) as z.ZodMiniObject<T, z.core.$loose>;
  return z.looseObject(withKeysIn(d, shape)) as unknown as z.ZodMiniObject<FlireoShape<T>, z.core.$loose>;
}

/** Attaches a title and description that the JSON Schema export shows. */
export function described<T extends z.ZodMiniType>(schema: T, meta: z.core.GlobalMeta): T {
  z.globalRegistry.add(schema, meta);
  return schema;
}

type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Warnings every event shares: call type and status values, timestamp, nulls, other-dialect keys. */
export function envelopeLint(message: Json, d: Dialect, expectedStatuses: readonly string[]): Lint {
  const warnings: Finding[] = [];
  const errors: Finding[] = [];
  const call = asObject(message.call) ?? {};
  const callType = call.type;
  const knownTypes = hmsCallTypes().map((t) => callTypeIn(d, t));
  if (typeof callType === 'string' && !knownTypes.includes(callType)) {
    const other = d === 'hms' ? 'flireo' : 'hms';
    const hint = hmsCallTypes()
      .map((t) => callTypeIn(other, t))
      .includes(callType)
      ? ` (that is the ${other} spelling)`
      : '';
    warnings.push({
      path: ['message', 'call', 'type'],
      message: `unknown call type ${JSON.stringify(callType)}${hint}; the platform sends ${knownTypes.join(', ')}`,
    });
  }
  if (call.id === '')
    warnings.push({
      path: ['message', 'call', 'id'],
      message: 'an empty call id: the platform always sends one, and nothing can be matched to this call',
    });
  if (message.assistant === null)
    warnings.push({ path: ['message', 'assistant'], message: 'null: the platform leaves assistant out rather than send null' });
  const assistant = asObject(message.assistant);
  if (assistant !== undefined) {
    // The SDK accepts any values here: what the docs pin down is a warning when it differs, never an error.
    const parsed = safeParseQuickly(assistantConfig(d), assistant);
    if (!parsed.success) {
      for (const finding of findingsOf(parsed.error)) {
        warnings.push({
          path: ['message', 'assistant', ...finding.path],
          message: `${finding.message} (the docs' type; the SDK accepts any value here)`,
        });
      }
    }
  }
  const status = call.status;
  if (typeof status === 'string') {
    if (!(KNOWN_CALL_STATUSES as readonly string[]).includes(status)) {
      warnings.push({
        path: ['message', 'call', 'status'],
        message: `unknown call status ${JSON.stringify(status)}; known: ${KNOWN_CALL_STATUSES.join(', ')}`,
      });
    } else if (!expectedStatuses.includes(status)) {
      warnings.push({
        path: ['message', 'call', 'status'],
        message: `this event is sent with status ${expectedStatuses.join(' or ')}, not ${JSON.stringify(status)}`,
      });
    }
  }
  if (typeof message.timestamp === 'string' && Number.isNaN(Date.parse(message.timestamp))) {
    warnings.push({
      path: ['message', 'timestamp'],
      message: `${JSON.stringify(message.timestamp)} is not an ISO 8601 time like 2025-12-13T12:00:00.000Z`,
    });
  }
  const isWebCall = callType === callTypeIn(d, 'web_call');
  const phoneKey = keyIn(d, 'phone_number');
  const phone = asObject(message[phoneKey]);
  const customer = asObject(message.customer);
  if (!isWebCall) {
    if (phone?.number === null)
      warnings.push({
        path: ['message', phoneKey, 'number'],
        message: 'null outside a web call: the platform sends null numbers only on web calls',
      });
    if (customer?.number === null)
      warnings.push({
        path: ['message', 'customer', 'number'],
        message: 'null outside a web call: the platform sends null numbers only on web calls',
      });
  }
  warnings.push(...foreignKeys(message, d, ['message']));
  return { errors, warnings };
}

/** Keys spelled the other dialect's way, which this dialect's platform would not read. */
/**
 * Keys that differ from a documented key only by case or underscores (`Results`, `ToolCallID`: Go
 * structs without json tags): the platform reads keys as written, so such a key is not the one it reads.
 */
export function caseOnlyKeys(node: Json, known: readonly string[], path: PathSegment[]): Finding[] {
  const loose = (key: string) => key.toLowerCase().replaceAll('_', '');
  const found: Finding[] = [];
  for (const key of Object.keys(node)) {
    const meant = known.find((candidate) => candidate !== key && loose(candidate) === loose(key));
    if (meant !== undefined && !(meant in node))
      found.push({
        path: [...path, key],
        message: `${key} is not ${meant}: keys are read as written, so the platform does not read this one (in Go, tag the field \`json:"${meant}"\`)`,
      });
  }
  return found;
}

export function foreignKeys(node: Json, d: Dialect, path: PathSegment[]): Finding[] {
  const found: Finding[] = [];
  for (const key of Object.keys(node)) {
    const right = spellingIn(d, key);
    if (right !== undefined && !(right in node)) {
      found.push({
        path: [...path, key],
        message: `${key} is the ${d === 'hms' ? 'flireo' : 'hms'} spelling; in ${d} it is ${right}, so this key would be ignored`,
      });
    }
  }
  return found;
}
