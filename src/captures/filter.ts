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
 *   anything else      text found in the event, call id, path, status, tools or reason (any case)
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
}

/** The fields a filter word can name. */
export const FILTER_FIELDS = ['event', 'call', 'verdict', 'status', 'path', 'tool'] as const;

/**
 * Whether a request matches a filter. Self-contained (no imports, no names from outside it): the
 * inspector's page runs this very function, so the box and the commands cannot disagree.
 */
export function filterMatches(filter: string, facts: FilterFacts): boolean {
  const words = filter.trim().split(/\s+/).filter(Boolean);
  return words.every((word) => {
    const field = /^(event|call|verdict|status|path|tool):(.*)$/.exec(word);
    const starts = (value: string | null | undefined, prefix: string) => typeof value === 'string' && value.indexOf(prefix) === 0;
    if (field === null) {
      const text = [facts.event, facts.callId, facts.path, facts.status, (facts.tools || []).join(' '), facts.reason].join(' ');
      return text.toLowerCase().indexOf(word.toLowerCase()) >= 0;
    }
    const value = field[2] || '';
    if (field[1] === 'event') return starts(facts.event, value);
    if (field[1] === 'call') return starts(facts.callId, value);
    if (field[1] === 'path') return starts(facts.path, value);
    if (field[1] === 'tool') return (facts.tools || []).indexOf(value) >= 0;
    if (field[1] === 'verdict') return typeof facts.passed === 'boolean' && (facts.passed ? 'passed' : 'failed').indexOf(value) === 0;
    return typeof facts.status === 'number' && String(facts.status).indexOf(value.replace(/x+$/i, '')) === 0;
  });
}

/** What is wrong with a filter given on the command line, in one line; undefined when nothing is. */
export function filterProblem(filter: string): string | undefined {
  for (const word of filter.trim().split(/\s+/).filter(Boolean)) {
    const field = /^([a-z_]+):(.*)$/.exec(word);
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
