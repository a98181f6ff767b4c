// Building the page's elements. Text from the wire goes in as text nodes only, never as HTML.

export type Child = Node | string | null | undefined | false;

/** An element with attributes (`text` sets its text, `className` its class) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: readonly Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** The element of the page with this id; the page's markup has every one the script asks for. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** 2026-12-07T10:00:01.123Z → 2026-12-07 10:00:01 */
export function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, '');
}

/** A table of names and values, each made visible as text. */
export function headerTable(id: string, headers: Record<string, string>, shown: (text: string) => string): HTMLTableElement {
  const rows = Object.keys(headers).map((name) =>
    el('tr', {}, [el('td', { text: shown(name) }), el('td', { text: shown(headers[name] ?? '') })]),
  );
  return el('table', { className: 'headers', id }, [el('tbody', {}, rows)]);
}

/** The first 16 KB of a body as offset, hex and ASCII lines. */
export function hexView(base64: string): string {
  const bytes = atob(base64);
  const limit = Math.min(bytes.length, 16384);
  const lines: string[] = [];
  for (let offset = 0; offset < limit; offset += 16) {
    const hex: string[] = [];
    let ascii = '';
    for (let i = offset; i < Math.min(offset + 16, limit); i++) {
      const code = bytes.charCodeAt(i);
      hex.push(code.toString(16).padStart(2, '0'));
      ascii += code >= 32 && code < 127 ? bytes.charAt(i) : '.';
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.join(' ')}  ${ascii}`);
  }
  if (bytes.length > limit) lines.push(`… the first 16 KB of ${bytes.length} bytes`);
  return lines.join('\n');
}
