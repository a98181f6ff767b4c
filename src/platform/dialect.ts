import { InputError } from '../errors.js';
import { nestsDeeperThan, TOO_DEEP } from './json-depth.js';

/**
 * The two JSON dialects of the same events: `hms` (HMS Sovereign and VoiceDock,
 * snake_case) and `flireo` (camelCase for the platform's own keys only). An explicit map, never a
 * generic case converter: config block names and user data keep their keys.
 */
export type Dialect = 'hms' | 'flireo';
export const DIALECTS: readonly Dialect[] = ['hms', 'flireo'];

// The tables are Maps, not objects: a key from the wire such as `__proto__`, `toString` or
// `constructor` must never find an inherited property.

/** hms key -> flireo key, for the platform's keys that Flireo renames. */
const FLIREO_KEY_NAMES = {
  phone_number: 'phoneNumber',
  tool_call_list: 'toolCallList',
  tool_call_id: 'toolCallId',
  duration_seconds: 'durationSeconds',
  end_reason: 'endReason',
  started_at: 'startedAt',
  ended_at: 'endedAt',
  recording_url: 'recordingUrl',
  first_message: 'firstMessage',
  max_duration_seconds: 'maxDurationSeconds',
  assistant_id: 'assistantId',
  assistant_override: 'assistantOverride',
  analysis_plan: 'analysisPlan',
  structured_data_plan: 'structuredDataPlan',
  min_messages_threshold: 'minMessagesThreshold',
  voice_id: 'voiceId',
  async_response: 'asyncResponse',
} as const;
const FLIREO_KEYS: ReadonlyMap<string, string> = new Map(Object.entries(FLIREO_KEY_NAMES));

/** An object type with its platform keys spelled the flireo way, as `keyIn` spells them. */
export type FlireoKeys<T> = { [K in keyof T as K extends keyof typeof FLIREO_KEY_NAMES ? (typeof FLIREO_KEY_NAMES)[K] : K]: T[K] };

/** An object's keys spelled the way `dialect` spells them (its values untouched). */
export function withKeysIn<T extends Record<string, unknown>>(dialect: Dialect, shape: T): FlireoKeys<T> {
  return Object.fromEntries(Object.entries(shape).map(([key, value]) => [keyIn(dialect, key), value])) as FlireoKeys<T>;
}

const HMS_KEYS: ReadonlyMap<string, string> = new Map([...FLIREO_KEYS].map(([hms, flireo]) => [flireo, hms]));

/** `message.call.type` values. */
const FLIREO_CALL_TYPES: ReadonlyMap<string, string> = new Map([
  ['inbound_phone_call', 'inboundPhoneCall'],
  ['outbound_phone_call', 'outboundPhoneCall'],
  ['web_call', 'webCall'],
]);
const HMS_CALL_TYPES: ReadonlyMap<string, string> = new Map([...FLIREO_CALL_TYPES].map(([hms, flireo]) => [flireo, hms]));

/** Subtrees whose keys belong to the user (their analysis schema, CRM data, tool I/O): never renamed. */
const USER_DATA_KEYS = new Set(['analysis', 'metadata', 'arguments', 'result', 'schema']);

/** The name of an hms key in `dialect`. */
export function keyIn(dialect: Dialect, hmsKey: string): string {
  return dialect === 'flireo' ? (FLIREO_KEYS.get(hmsKey) ?? hmsKey) : hmsKey;
}

/** The `call.type` value of an hms call type in `dialect`. */
export function callTypeIn(dialect: Dialect, hmsCallType: string): string {
  return dialect === 'flireo' ? (FLIREO_CALL_TYPES.get(hmsCallType) ?? hmsCallType) : hmsCallType;
}

export function hmsCallTypes(): string[] {
  return [...FLIREO_CALL_TYPES.keys()];
}

/** For a key spelled the other dialect's way (`tool_call_id` in flireo), the spelling `dialect` uses. */
export function spellingIn(dialect: Dialect, foreignKey: string): string | undefined {
  return (dialect === 'flireo' ? FLIREO_KEYS : HMS_KEYS).get(foreignKey);
}

/**
 * Rewrites a payload or reply from one dialect to the other. Returns a new value; the input is
 * not changed. Keys outside the map, and everything under user-data keys, pass through as they are.
 */
export function convertDialect(value: unknown, from: Dialect, to: Dialect): unknown {
  if (nestsDeeperThan(value)) throw new InputError(`the document is ${TOO_DEEP}`);
  if (from === to) return structuredClone(value);
  const keys = to === 'flireo' ? FLIREO_KEYS : HMS_KEYS;
  const callTypes = to === 'flireo' ? FLIREO_CALL_TYPES : HMS_CALL_TYPES;
  const walk = (node: unknown, parentKey: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, parentKey));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      const renamed = keys.get(key) ?? key;
      const value = USER_DATA_KEYS.has(key)
        ? structuredClone(child)
        : parentKey === 'call' && key === 'type' && typeof child === 'string'
          ? (callTypes.get(child) ?? child)
          : walk(child, key);
      // Defined, not assigned: assigning a `__proto__` key would set the prototype instead.
      Object.defineProperty(out, renamed, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, undefined);
}

/** Keys whose presence tells the dialect apart, in payloads and in replies. */
const FLIREO_MARKERS = new Set(FLIREO_KEYS.values());
const HMS_MARKERS = new Set(FLIREO_KEYS.keys());

/**
 * Guesses the dialect from the keys and the call type. Undecided (no renamed key at all, as in
 * `{}` or a direct tool result) counts as hms, the platform's own.
 */
export function detectDialect(value: unknown): Dialect {
  let flireo = 0;
  let hms = 0;
  const walk = (node: unknown, parentKey: string | undefined, depth: number): void => {
    if (depth > 6 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && i < 4; i++) walk(node[i], parentKey, depth + 1);
      return;
    }
    // for…in rather than Object.entries: this runs on every request listen and verify see.
    for (const key in node) {
      if (USER_DATA_KEYS.has(key)) continue;
      const child = (node as Record<string, unknown>)[key];
      if (FLIREO_MARKERS.has(key)) flireo++;
      else if (HMS_MARKERS.has(key)) hms++;
      if (parentKey === 'call' && key === 'type' && typeof child === 'string') {
        if (HMS_CALL_TYPES.has(child)) flireo++;
        else if (FLIREO_CALL_TYPES.has(child)) hms++;
      }
      walk(child, key, depth + 1);
    }
  };
  walk(value, undefined, 0);
  return flireo > hms ? 'flireo' : 'hms';
}
