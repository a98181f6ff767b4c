import type { Scenario } from './scenario.js';

/** How many distinct values of each kind a redaction replaced. */
export interface RedactionCounts {
  phoneNumbers: number;
  names: number;
  texts: number;
}

/**
 * Replaces the personal data of a scenario with stand-ins: phone numbers keep their country code and
 * length; names, transcript turns, the summary and free text in tool arguments, results and analysis
 * become neutral placeholders. The same value always gets the same stand-in within one redaction, so a
 * number or a name that recurs stays consistent. Dates, times, numbers and one-word codes are kept: a
 * replayed call still books 10:30 on 2025-12-18.
 */
export function redactScenario(scenario: Scenario): { scenario: Scenario; replaced: RedactionCounts } {
  const phones = new StandIns((original, n) => phoneStandIn(original, n));
  const names = new StandIns((_, n) => `Name ${n}`);
  const texts = new StandIns((_, n) => `Text ${n}`);
  const turns = new StandIns((original, n) => `(${original.slice(0, original.indexOf(':'))} turn ${n})`);
  const value = (key: string | undefined, node: unknown): unknown => {
    if (typeof node === 'string') {
      if (isKept(node)) return node;
      if (isPhoneNumber(node)) return phones.of(node);
      return key !== undefined && NAME_KEY.test(key) ? names.of(node) : texts.of(node);
    }
    if (Array.isArray(node)) return node.map((item) => value(key, item));
    if (node !== null && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([name, item]) => [name, value(name, item)]));
    return node;
  };
  const redacted: Scenario = {
    ...scenario,
    phone_number: {
      ...scenario.phone_number,
      number: scenario.phone_number.number === null ? null : phones.of(scenario.phone_number.number),
      ...(typeof scenario.phone_number.name === 'string' ? { name: names.of(scenario.phone_number.name) } : {}),
    },
    customer: { number: scenario.customer.number === null ? null : phones.of(scenario.customer.number) },
    turns: scenario.turns.map((turn) =>
      'tools' in turn
        ? { tools: turn.tools.map((tool) => ({ name: tool.name, arguments: value(undefined, tool.arguments) as Record<string, unknown> })) }
        : { role: turn.role, content: turns.of(`${turn.role}:${turn.content}`) },
    ),
    summary: scenario.summary === '' ? '' : texts.of(scenario.summary),
    ...(scenario.analysis !== undefined ? { analysis: value(undefined, scenario.analysis) as Record<string, unknown> } : {}),
    ...(scenario.recording_url !== undefined
      ? { recording_url: `https://recordings.invalid/${texts.of(scenario.recording_url).replace(' ', '-')}` }
      : {}),
    ...(scenario.tool_results !== undefined ? { tool_results: value(undefined, scenario.tool_results) as Record<string, unknown> } : {}),
  };
  return { scenario: redacted, replaced: { phoneNumbers: phones.size, names: names.size, texts: texts.size + turns.size } };
}

/** Keys whose string values are names of people, places or businesses. */
const NAME_KEY = /(^|_)name$|Name$|^(contact|customer|caller|patient|person|query|email)$/i;

/** Values that say nothing about a person: dates, times, numbers, booleans as text, one-word lowercase codes. */
function isKept(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ||
    /^\d{1,2}:\d{2}(:\d{2})?$/.test(text) ||
    /^-?\d+(\.\d+)?$/.test(text) ||
    /^[a-z][a-z_-]{0,19}$/.test(text)
  );
}

function isPhoneNumber(text: string): boolean {
  return /^\+?[\d\s().-]+$/.test(text) && (text.match(/\d/g)?.length ?? 0) >= 7;
}

/** Country codes of one and two digits (ITU E.164); every other code has three. */
const ONE_DIGIT_CODES = new Set(['1', '7']);
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(
    ' ',
  ),
);

/** `+31612345678` → `+31500000001`: the country code and the length kept, the rest a counter. */
function phoneStandIn(original: string, n: number): string {
  const digits = original.replace(/\D/g, '');
  const international = original.trim().startsWith('+');
  const codeLength = !international ? 0 : ONE_DIGIT_CODES.has(digits[0]!) ? 1 : TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  const rest = digits.length - codeLength;
  const counter = `5${String(n).padStart(rest - 1, '0')}`.slice(-rest);
  return `${international ? '+' : ''}${digits.slice(0, codeLength)}${counter}`;
}

/** A stand-in per distinct original, numbered in the order they are met. */
class StandIns {
  private readonly map = new Map<string, string>();

  constructor(private readonly make: (original: string, n: number) => string) {}

  of(original: string): string {
    let standIn = this.map.get(original);
    if (standIn === undefined) {
      standIn = this.make(original, this.map.size + 1);
      this.map.set(original, standIn);
    }
    return standIn;
  }

  get size(): number {
    return this.map.size;
  }
}
