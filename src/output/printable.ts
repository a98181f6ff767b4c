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
