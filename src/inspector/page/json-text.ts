// JSON read as text, for the inspector's page: a body's numbers keep their digits (12345678901234567891
// stays so, 1.0 stays 1.0), which JSON.parse and JSON.stringify would change.

export type JsonNode =
  | { type: 'object'; entries: JsonEntry[] }
  | { type: 'array'; items: JsonNode[] }
  | { type: 'string'; text: string }
  | { type: 'number' | 'literal'; text: string };

/** A key as read (`raw`: its text with quotes and escapes as written) and its value. */
export interface JsonEntry {
  key: string;
  raw: string;
  value: JsonNode;
}

const SPACE = ' \t\r\n';
const SCALAR = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/;

/** A JSON tree whose scalars are their text as written. Throws with the place of the first mistake. */
export function parseJsonTree(text: string): JsonNode {
  let at = 0;
  const space = () => {
    while (at < text.length && SPACE.includes(text.charAt(at))) at++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${at + 1}`);
  };
  const string = (): string => {
    const start = at;
    if (text[at++] !== '"') fail('expected a string');
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('a string that does not end');
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): JsonNode => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const entries: JsonEntry[] = [];
      space();
      if (text[at] === '}') {
        at++;
        return { type: 'object', entries };
      }
      for (;;) {
        space();
        const start = at;
        const key = string();
        const raw = text.slice(start, at);
        space();
        if (text[at++] !== ':') fail('expected :');
        entries.push({ key, raw, value: value() });
        space();
        const next = text[at++];
        if (next === '}') return { type: 'object', entries };
        if (next !== ',') fail('expected , or }');
      }
    }
    if (c === '[') {
      at++;
      const items: JsonNode[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return { type: 'array', items };
      }
      for (;;) {
        items.push(value());
        space();
        const next = text[at++];
        if (next === ']') return { type: 'array', items };
        if (next !== ',') fail('expected , or ]');
      }
    }
    if (c === '"') {
      const start = at;
      string();
      return { type: 'string', text: text.slice(start, at) };
    }
    const scalar = SCALAR.exec(text.slice(at, at + 400));
    if (scalar === null) return fail(c === undefined ? 'the text ends' : `unexpected ${c}`);
    at += scalar[0].length;
    return { type: /^[-\d]/.test(scalar[0]) ? 'number' : 'literal', text: scalar[0] };
  };
  const tree = value();
  space();
  if (at < text.length) fail('text after the document');
  return tree;
}

/** The document laid out two spaces to a level, every scalar (and string escape) exactly as written. */
export function formatJsonText(text: string): string {
  return layout(parseJsonTree(text), '');
}

function layout(node: JsonNode, indent: string): string {
  const inner = `${indent}  `;
  if (node.type === 'object') {
    if (node.entries.length === 0) return '{}';
    const lines = node.entries.map((entry) => `${inner}${entry.raw}: ${layout(entry.value, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  if (node.type === 'array') {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((child) => `${inner}${layout(child, inner)}`).join(',\n')}\n${indent}]`;
  }
  return node.text;
}
