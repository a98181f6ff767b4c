// In a module of its own, without chalk, so that an error line at start-up does not load it.

/**
 * Text from the wire or a file, made safe for a terminal: every control character (an escape
 * sequence, a carriage return, a newline, C1 codes) is shown as `\uXXXX` or `\n`, so that a payload
 * cannot clear the screen, set the window title or fake a line of output. Tabs stay.
 */
export function printable(text: string): string {
  return text.replace(/(?!\t)\p{Cc}/gu, (ch) =>
    ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
