import { InputError } from '../errors.js';

/** Headers as users paste them from a log, and the body when it follows them after a blank line. */
export interface PastedRequest {
  headers: Record<string, string>;
  body?: Buffer;
}

const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `'name': 'value'` or `"name": "value"` or `name: 'value'`: JSON, Node's console.log(req.headers), Python's dict(). */
const PAIR = /(['"]?)([!#$%&*+.^_`|~0-9A-Za-z-]+)\1\s*:\s*(['"])((?:\\.|(?!\3)[^\\])*)\3/g;

/**
 * Reads the forms users paste: `Name: value` lines (a request or status line skipped), `curl -v`
 * output (`> Name: value`; its `<` and `*` lines skipped), HTTP/2 dumps from browser devtools (the
 * `:method`-style pseudo-headers skipped), a JSON object, Node's `console.log(req.headers)` and
 * Python's `dict(request.headers)`; and a headers block followed by a blank line and the body.
 */
export function parsePastedHeaders(text: string, source: string): PastedRequest {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return { headers: parseObjectForm(trimmed, source) };
  const headers: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  let sawHeader = false;
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === '') {
      // A blank line after the headers: what follows is the body.
      if (sawHeader) {
        const rest = lines.slice(index + 1).join('\n');
        return rest.trim() === '' ? { headers } : { headers, body: Buffer.from(rest.replace(/\r?\n$/, '')) };
      }
      continue;
    }
    if (/^[<*]/.test(raw) || /^> ?$/.test(raw)) continue;
    const line = raw.replace(/^> /, '');
    if (/^(POST|GET|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+/.test(line) || /^HTTP\/\d/.test(line) || /^:[a-z]+:/.test(line.trim())) continue;
    const match = /^\s*([^:\s]+)\s*:\s?(.*)$/.exec(line);
    if (match === null || !NAME.test(match[1]!)) {
      throw new InputError(`--headers ${source}:${index + 1}: expected "Name: value", got ${JSON.stringify(line.slice(0, 60))}`);
    }
    headers[match[1]!.toLowerCase()] = match[2]!.trim();
    sawHeader = true;
  }
  return { headers };
}

function parseObjectForm(text: string, source: string): Record<string, string> {
  const headers: Record<string, string> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [name, value] of Object.entries(parsed)) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
        else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
      }
      return headers;
    }
  } catch {
    // Not JSON: Node's or Python's printed form, read below.
  }
  for (const match of text.matchAll(PAIR)) headers[match[2]!.toLowerCase()] = match[4]!.replace(/\\(.)/g, '$1');
  if (Object.keys(headers).length === 0) {
    throw new InputError(`--headers ${source}: an object with no "name": "value" pairs that could be read`);
  }
  return headers;
}
