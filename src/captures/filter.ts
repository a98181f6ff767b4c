/**
 * The one grammar for choosing requests — `replay --filter`, `verify --filter`, `listen --filter` and
 * the inspector's filter box: words separated by spaces, all of which must match.
 *
 *   event:tool-calls   the event (a prefix: event:tool)
 *   call:5c4d          the call id (a prefix)
 *   verdict:failed     passed or failed (a prefix: verdict:f)
 *   status:401         the reply's status, or a class: status:4xx
 *   path:/webhooks     the request's path (a prefix)
 *   tool:check_stock   a tool the request calls
 *   anything else      text found in the event, call id, path, status, tools, reason, header values
 *                      or body
 *
 * Field names and values are read in any case (`Event:Tool-Calls`).
 */
export interface FilterFacts {
  event?: string | null;
  callId?: string | null;
  passed?: boolean | null;
  status?: number | null;
  path?: string | null;
  tools?: readonly string[] | null;
  /** Why it failed, in words: free text matches it too. */
  reason?: string | null;
  /** Header values and the body's text (searchTextOf): free text finds them too. */
  text?: string | null;
}

/** How much of a body free text searches: the start of it, where a webhook's fields are. */
export const SEARCHED_BODY_CHARS = 64 * 1024;

/** What free text searches of a request beside its facts: its header values and the start of its body. */
export function searchTextOf(headers: Readonly<Record<string, string | readonly string[] | undefined>>, body: string): string {
  const values = Object.values(headers).map((value) => (typeof value === 'string' ? value : (value ?? []).join(', ')));
  return `${values.join('\n')}\n${body.slice(0, SEARCHED_BODY_CHARS)}`;
}

/** The fields a filter word can name. */
export const FILTER_FIELDS = ['event', 'call', 'verdict', 'status', 'path', 'tool'] as const;

/** Whether a request matches a filter: the commands and the inspector's page run this very function. */
export function filterMatches(filter: string, facts: FilterFacts): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((word) => {
    const field = /^(event|call|verdict|status|path|tool):(.*)$/.exec(word);
    const starts = (value: string | null | undefined, prefix: string) =>
      typeof value === 'string' && value.toLowerCase().startsWith(prefix);
    if (field === null) {
      const text = [facts.event, facts.callId, facts.path, facts.status, (facts.tools ?? []).join(' '), facts.reason, facts.text].join(' ');
      return text.toLowerCase().includes(word);
    }
    const value = field[2] ?? '';
    if (field[1] === 'event') return starts(facts.event, value);
    if (field[1] === 'call') return starts(facts.callId, value);
    if (field[1] === 'path') return starts(facts.path, value);
    if (field[1] === 'tool') return (facts.tools ?? []).some((tool) => tool.toLowerCase() === value);
    if (field[1] === 'verdict') return typeof facts.passed === 'boolean' && (facts.passed ? 'passed' : 'failed').startsWith(value);
    return typeof facts.status === 'number' && String(facts.status).startsWith(value.replace(/x+$/, ''));
  });
}

/** What is wrong with a filter given on the command line, in one line; undefined when nothing is. */
export function filterProblem(filter: string): string | undefined {
  for (const word of filter.trim().split(/\s+/).filter(Boolean)) {
    const field = /^([a-z_]+):(.*)$/.exec(word.toLowerCase());
    if (field === null) continue;
    const [, name, value] = field as unknown as [string, string, string];
    if (!(FILTER_FIELDS as readonly string[]).includes(name))
      return `${word}: no field ${name}; filter by ${FILTER_FIELDS.map((f) => `${f}:`).join(', ')} or free text`;
    if (value === '') return `${word}: give a value after ${name}:`;
    if (name === 'verdict' && !'passed'.startsWith(value) && !'failed'.startsWith(value)) return `${word}: verdict is passed or failed`;
    if (name === 'status' && !/^[1-5](\d\d|\dx|xx)?$/i.test(value)) return `${word}: give a status (401) or a class (4xx)`;
  }
  return undefined;
}
