// In a module of its own, without chalk, so that an error line at start-up does not load it.

/**
 * Text from the wire or a file, made safe for a terminal or a page: every control character (an escape
 * sequence, a carriage return, a newline, C1 codes) and every bidirectional control (a right-to-left
 * override shows "evil" as "live") is shown as `\uXXXX` or `\n`, so that a payload cannot clear the
 * screen, set the window title, fake a line of output or reorder what is read. Tabs stay.
 */
export function printable(text: string): string {
  return text.replace(/(?!\t)\p{Cc}|[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (ch) =>
    ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The same for text of many lines (a body, a reply): its line breaks stay line breaks. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * A URL as it may be shown: credentials in it (`http://user:pass@host/`) become `***`, in text,
 * `--json`, reports and errors alike; the request itself still carries them.
 */
export function shownUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return String(url);
  }
  if (parsed.username === '' && parsed.password === '') return parsed.href;
  parsed.username = '***';
  parsed.password = '';
  return parsed.href;
}
