import type { PathSegment } from './schemas/common.js';
import type { Finding } from './schemas/index.js';

/** Past this many, a document's duplicate keys are not listed one by one. */
const LISTED = 20;

/** One object or array being read: its keys so far (an object), and the key or index of the value being read. */
interface Frame {
  keys: Set<string> | undefined;
  at: PathSegment;
}

/**
 * The keys a JSON text gives twice in one object, as warnings: JSON.parse (and so this tool) keeps
 * the last, while a receiver whose parser keeps the first reads another value — another event, if
 * the key is `type`. One pass over the text, which must be valid JSON; nothing is built.
 */
export function duplicateKeys(text: string): Finding[] {
  const findings: Finding[] = [];
  let more = 0;
  const stack: Frame[] = [];
  for (let at = 0; at < text.length; at++) {
    const char = text.charCodeAt(at);
    const top = stack.at(-1);
    if (char === 0x22) {
      const start = at;
      for (at++; at < text.length && text.charCodeAt(at) !== 0x22; at++) if (text.charCodeAt(at) === 0x5c) at++;
      if (top?.keys === undefined || !isKeyAt(text, at + 1)) continue;
      const key = JSON.parse(text.slice(start, at + 1)) as string;
      top.at = key;
      if (!top.keys.has(key)) top.keys.add(key);
      else if (findings.length < LISTED)
        findings.push({
          path: [...stack.slice(0, -1).map((frame) => frame.at), key],
          message: `the key ${JSON.stringify(key)} is given twice in this object: the last one is read here, but a parser that keeps the first reads another value`,
        });
      else more++;
    } else if (char === 0x2c && top !== undefined && top.keys === undefined) {
      top.at = (top.at as number) + 1;
    } else if (char === 0x7b || char === 0x5b) {
      stack.push({ keys: char === 0x7b ? new Set() : undefined, at: char === 0x7b ? '' : 0 });
    } else if (char === 0x7d || char === 0x5d) {
      stack.pop();
    }
  }
  if (more > 0) findings.push({ path: [], message: `and ${more} more keys given twice` });
  return findings;
}

/** Whether the string that ends before `from` is a key: the next character that is not space is a colon. */
function isKeyAt(text: string, from: number): boolean {
  for (let at = from; at < text.length; at++) {
    const char = text.charCodeAt(at);
    if (char === 0x3a) return true;
    if (char !== 0x20 && char !== 0x0a && char !== 0x0d && char !== 0x09) return false;
  }
  return false;
}
