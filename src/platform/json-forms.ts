/**
 * The same JSON document written the ways other code writes it: indented, with Python's json.dumps
 * spacing and escaping, with sorted keys, with integers as floats. The diagnosis tries these to explain
 * a signature over a re-serialised body; the probe sends them, correctly signed, to catch a receiver
 * that verifies a re-serialised copy instead of the raw bytes. Callers keep documents shallow
 * (see json-depth): this writer recurses.
 */
export interface JsonForm {
  indent: string;
  sortKeys: boolean;
  /** json.dumps defaults: ", " and ": " separators, non-ASCII escaped. */
  python: boolean;
  /** Whole numbers written with a fraction, as `1.0`. */
  floats?: boolean;
}

export function serialiseJson(value: unknown, form: JsonForm, depth = 0): string {
  if (value === null || typeof value !== 'object') {
    if (form.floats && typeof value === 'number' && Number.isInteger(value)) return `${value}.0`;
    const text = JSON.stringify(value);
    return form.python && typeof value === 'string'
      ? text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      : text;
  }
  const itemSeparator = form.python && form.indent === '' ? ', ' : ',';
  const keySeparator = form.python || form.indent !== '' ? ': ' : ':';
  const open = form.indent === '' ? '' : `\n${form.indent.repeat(depth + 1)}`;
  const close = form.indent === '' ? '' : `\n${form.indent.repeat(depth)}`;
  const join = (items: string[], brackets: string) =>
    items.length === 0 ? brackets : `${brackets[0]}${open}${items.join(`${itemSeparator}${open}`)}${close}${brackets[1]}`;
  if (Array.isArray(value))
    return join(
      value.map((item) => serialiseJson(item, form, depth + 1)),
      '[]',
    );
  const keys = Object.keys(value as Record<string, unknown>);
  if (form.sortKeys) keys.sort();
  return join(
    keys.map(
      (key) => `${serialiseJson(key, form)}${keySeparator}${serialiseJson((value as Record<string, unknown>)[key], form, depth + 1)}`,
    ),
    '{}',
  );
}
