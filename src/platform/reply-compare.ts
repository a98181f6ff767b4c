import { UsageError } from '../errors.js';
import type { EventType } from './events.js';
import { formatPath, type PathSegment } from './schemas/common.js';

/** A recorded reply against a new one: what `replay --compare` reports. */
export interface ReplyComparison {
  /** Differences that fail the comparison, as `path: recorded → replayed`. */
  differences: string[];
  /** Why the bodies were not compared (none recorded, cut short), when they were not. */
  notCompared?: string;
}

export interface CompareInput {
  event: EventType;
  recorded: { status: number; body: string; truncated?: boolean };
  replayed: { status: number; body: Buffer };
  /** The request as captured and as replayed: an id the request supplies is matched to its new value, not compared. */
  recordedRequest: unknown;
  replayedRequest: unknown;
  /** Paths whose values are volatile (`results[*].result.fetched_at`); `*` matches any key or index. */
  ignore: readonly (readonly PathSegment[])[];
}

/** Differences past this many are counted, not listed: one changed array says enough. */
const MAX_LISTED = 10;

/**
 * Compares the status, and — for the events whose reply the platform reads — the JSON reply, ignoring
 * the paths given and treating each id of the request as the same id under its replayed value.
 */
export function compareReplies(input: CompareInput): ReplyComparison {
  const differences: string[] = [];
  if (input.recorded.status !== input.replayed.status) differences.push(`status: ${input.recorded.status} → ${input.replayed.status}`);
  // The platform ignores the body of the other events' replies, and of any reply that is not a 2xx.
  const bodyRead = input.event === 'assistant-request' || input.event === 'tool-calls';
  const bothOk = isSuccess(input.recorded.status) && isSuccess(input.replayed.status);
  if (!bodyRead || !bothOk) return { differences };
  if (input.recorded.truncated === true) return { differences, notCompared: 'the recorded reply was cut short (over 1 MB)' };
  const recorded = parseJson(input.recorded.body);
  const replayed = parseJson(input.replayed.body.toString('utf8'));
  if (recorded === NOT_JSON || replayed === NOT_JSON) {
    if (input.recorded.body !== input.replayed.body.toString('utf8'))
      differences.push(`body: ${preview(input.recorded.body)} → ${preview(input.replayed.body.toString('utf8'))}`);
    return { differences };
  }
  const ids = idMapping(input.recordedRequest, input.replayedRequest);
  const found: string[] = [];
  diff(renameIds(recorded, ids), replayed, [], input.ignore, found);
  differences.push(...found.slice(0, MAX_LISTED));
  if (found.length > MAX_LISTED) differences.push(`and ${found.length - MAX_LISTED} more differences`);
  return { differences };
}

/** The values of `--ignore`, as paths; one that is not a path is a usage error. */
export function ignorePaths(texts: readonly string[]): PathSegment[][] {
  return texts.map((text) => {
    const path = parseIgnorePath(text);
    if (path === undefined)
      throw new UsageError(`--ignore ${JSON.stringify(text)}: give a reply path such as results[*].result.fetched_at`);
    return path;
  });
}

/** `results[*].result.fetched_at` → segments, `*` kept as a wildcard; undefined when it is not a path. */
export function parseIgnorePath(text: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  const pattern = /([^.[\]]+)|\[(\d+|\*)\]/gy;
  let last = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    segments.push(match[1] ?? (match[2] === '*' ? '*' : Number(match[2])));
    last = pattern.lastIndex;
    if (text[last] === '.') pattern.lastIndex = ++last;
  }
  return segments.length > 0 && last === text.length ? segments : undefined;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function ignored(path: readonly PathSegment[], ignore: CompareInput['ignore']): boolean {
  return ignore.some((pattern) => pattern.length === path.length && pattern.every((segment, i) => segment === '*' || segment === path[i]));
}

function diff(recorded: unknown, replayed: unknown, path: PathSegment[], ignore: CompareInput['ignore'], found: string[]): void {
  if (ignored(path, ignore)) return;
  if (Array.isArray(recorded) && Array.isArray(replayed)) {
    for (let i = 0; i < Math.max(recorded.length, replayed.length); i++)
      diff(i < recorded.length ? recorded[i] : ABSENT, i < replayed.length ? replayed[i] : ABSENT, [...path, i], ignore, found);
    return;
  }
  if (isPlainObject(recorded) && isPlainObject(replayed)) {
    for (const key of new Set([...Object.keys(recorded), ...Object.keys(replayed)]))
      diff(
        Object.hasOwn(recorded, key) ? recorded[key] : ABSENT,
        Object.hasOwn(replayed, key) ? replayed[key] : ABSENT,
        [...path, key],
        ignore,
        found,
      );
    return;
  }
  if (!Object.is(recorded, replayed)) found.push(`${formatPath(path)}: ${preview(recorded)} → ${preview(replayed)}`);
}

const ABSENT = Symbol('absent');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function preview(value: unknown): string {
  if (value === ABSENT) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * Ids the request supplies (a key `id`, `…Id` or `…_id` holding a string), recorded → replayed, where an
 * edit changed them: a reply that echoes the request's tool call id is then still the same reply.
 */
function idMapping(recorded: unknown, replayed: unknown): Map<string, string> {
  const mapping = new Map<string, string>();
  const walk = (before: unknown, after: unknown, key: string | undefined) => {
    if (typeof before === 'string' && typeof after === 'string') {
      if (key !== undefined && /(^id$|Id$|_id$)/.test(key) && before !== after) mapping.set(before, after);
      return;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
      for (const [i, item] of before.entries()) walk(item, after[i], key);
    } else if (isPlainObject(before) && isPlainObject(after)) for (const name of Object.keys(before)) walk(before[name], after[name], name);
  };
  walk(recorded, replayed, undefined);
  return mapping;
}

function renameIds(value: unknown, ids: Map<string, string>): unknown {
  if (ids.size === 0) return value;
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => renameIds(item, ids));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renameIds(item, ids)]));
  return value;
}
