import { InputError } from '../errors.js';

// Editing a JSON document by path, as `--set` and `--unset` do.

type PathKey = string | number;

/** Segments that would reach Object.prototype instead of the document. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** `message.call.status`, `message.tool_call_list[0].id`, `a["odd key"]` -> keys. */
export function parsePath(path: string): PathKey[] {
  const keys: PathKey[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  let last = 0;
  for (let match = pattern.exec(path); match !== null; match = pattern.exec(path)) {
    if (match[1] !== undefined) keys.push(match[1]);
    else if (match[2] !== undefined) keys.push(Number(match[2]));
    else keys.push(JSON.parse(`"${match[3]}"`) as string);
    last = pattern.lastIndex;
    if (path[last] === '.') pattern.lastIndex = ++last;
  }
  const unsafe = keys.find((key) => typeof key === 'string' && FORBIDDEN_KEYS.has(key));
  if (unsafe !== undefined) {
    throw new InputError(
      `cannot edit the path ${JSON.stringify(path)}: ${unsafe} is refused (it would change every object, not this payload)`,
    );
  }
  if (keys.length === 0 || last !== path.length)
    throw new InputError(
      `cannot read the path ${JSON.stringify(path)}: use dots and [index], e.g. message.call.status or message.tool_call_list[0].id`,
    );
  return keys;
}

/** `--set path=value`: the value is JSON when it parses as JSON, else a string. Creates missing parents. */
export function applySet(document: unknown, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${JSON.stringify(assignment)}: write path=value, e.g. --set message.call.status=ended`);
  const keys = parsePath(assignment.slice(0, eq));
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  let node = document as Record<PathKey, unknown>;
  keys.slice(0, -1).forEach((key, index) => {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof keys[index + 1] === 'number' ? [] : {};
    node = node[key] as Record<PathKey, unknown>;
  });
  node[keys.at(-1)!] = value;
}

/** `--unset path`: removes a key (or an array element); a path that is not there is an error. */
export function applyUnset(document: unknown, path: string): void {
  const keys = parsePath(path);
  let node = document as Record<PathKey, unknown> | undefined;
  for (const key of keys.slice(0, -1)) node = node?.[key] as Record<PathKey, unknown> | undefined;
  const last = keys.at(-1)!;
  if (node === undefined || node === null || typeof node !== 'object' || !(last in node)) {
    throw new InputError(`--unset ${path}: there is no such key in the payload`);
  }
  if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
  else delete node[last];
}
