import { Chalk, type ChalkInstance } from 'chalk';

export type Style = ChalkInstance;

/**
 * Colour only for a terminal, and never when NO_COLOR is set (any non-empty value) or
 * --no-color was given; FORCE_COLOR is left to chalk.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  // FORCE_COLOR decides when set: 0 (or false) is off, anything else on, terminal or not.
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  // A terminal that cannot show colour, and CI logs, get none.
  if (env.TERM === 'dumb') return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') return false;
  return stream.isTTY === true;
}

export function createStyle(enabled: boolean): Style {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export const MARK = { pass: '✓', fail: '✗', warn: '⚠' } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A call id as shown: a UUID cut to its first 8 characters where a person reads a terminal, anything else whole. */
export function callLabel(id: string, short: boolean): string {
  return short && UUID.test(id) ? id.slice(0, 8) : id;
}

/** The summary line every checking command ends with. */
export function summaryLine(passed: number, failed: number, style: Style): string {
  const text = `${passed} passed, ${failed} failed`;
  return failed > 0 ? style.red(text) : style.green(text);
}
