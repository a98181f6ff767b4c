/**
 * How deep a JSON document may nest before the tool stops walking it. The platform's payloads nest a
 * dozen levels at most; the walkers that re-serialise, convert or locate are recursive, so a document
 * nested thousands of levels deep (a "JSON bomb") is refused with a clear result instead of a crash.
 */
export const MAX_JSON_DEPTH = 128;

/** Whether a parsed value nests deeper than `limit`; iterative, so it cannot overflow the stack itself. */
export function nestsDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export const TOO_DEEP = `nested more than ${MAX_JSON_DEPTH} levels deep: no payload of the platform is, and it is not checked further`;
