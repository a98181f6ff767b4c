import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { EVENTS } from '../platform/events.js';
import { DEFAULT_TOLERANCE_SECONDS } from '../defaults.js';
import type { LineRange } from '../captures/selection.js';
import { filterProblem } from '../captures/filter.js';
import { UsageError } from '../errors.js';

// Options that several commands share, declared once. This module stays light: `--help` loads it.

export function number(kind: 'whole' | 'positive' | 'any') {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('not a number.');
    if (kind !== 'any' && parsed <= 0) throw new InvalidArgumentError('must be more than 0.');
    if (kind === 'whole' && !Number.isInteger(parsed)) throw new InvalidArgumentError('must be a whole number.');
    return parsed;
  };
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--filter WORDS`: which requests, in the one filter grammar that replay, verify, listen and the inspector share. */
export const filterOption = (description: string) =>
  new Option(
    '--filter <words>',
    `${description}: event:tool-calls call:ID verdict:failed status:4xx path:/hooks tool:NAME or any text; all must match`,
  ).argParser((value: string) => {
    const problem = filterProblem(value);
    if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
    return value;
  });

/** A flag that was renamed: still read, hidden from the help, and refused with a line that names the new spelling. */
export const renamedOption = <Flags extends string>(flags: Flags) => new Option(flags).hideHelp();

/** The one-line error for a renamed flag that was given: `--event is --filter event:tool-calls now`. */
export function refuseRenamed(given: Record<string, unknown>, renamed: Record<string, (value: string) => string>): void {
  for (const [key, spelling] of Object.entries(renamed)) {
    const value = given[key];
    if (value === undefined) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`${flag} is ${spelling(value === true ? '' : String(value))} now`);
  }
}

export const eventOption = () =>
  new Option('--event <event>', 'treat documents as this event instead of reading message.type').choices(EVENTS);

export const dialectOption = () =>
  new Option('--dialect <dialect>', 'hms (HMS Sovereign, VoiceDock: snake_case) or flireo (camelCase)').choices(['hms', 'flireo'] as const);

/** A value on the command line shows in `ps` to every local user: the help says so where the flag is. */
export const secretOption = (description: string) =>
  new Option(
    '--secret <secret>',
    `${description}; prefer HMS_WEBHOOK_SECRET or --secret-file, since other local users see a --secret value in ps`,
  ).argParser(collect);

export const secretFileOption = () => new Option('--secret-file <file>', 'read secrets from a file, one per line');

export const toleranceOption = () =>
  new Option('--tolerance <seconds>', 'accepted timestamp age, both directions')
    .argParser(number('any'))
    .default(DEFAULT_TOLERANCE_SECONDS);

export const targetOption = (description: string) => new Option('--to <target>', description);

export const jsonOption = (description: string) => new Option('--json', description);

export const setOption = () =>
  new Option('--set <path=value>', 'change a field: message.call.status=ended (value parsed as JSON if it is)')
    .argParser(collect)
    .default([] as string[]);

export const unsetOption = () =>
  new Option('--unset <path>', 'remove a field: message.assistant').argParser(collect).default([] as string[]);

export const timeoutOption = (seconds: number, description = 'how long to wait for a reply') =>
  new Option('--timeout <seconds>', description).argParser(number('positive')).default(seconds);

export const paceOption = (description = 'wait between steps') =>
  new Option('--pace <ms>', description).argParser(number('any')).default(0);

/** `--line 7` or `--line 3-9`, as `verify` numbers lines; repeatable. */
export const lineOption = () =>
  new Option('--line <n|a-b>', 'only this line (or entry of a HAR file), or range of lines, as verify numbers them; repeatable')
    .argParser(lineRange)
    .default([] as LineRange[]);

function lineRange(text: string, previous: LineRange[]): LineRange[] {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  const from = Number(match?.[1]);
  const to = match?.[2] === undefined ? from : Number(match[2]);
  if (match === null || from < 1 || to < from) throw new InvalidArgumentError('give a line number (7) or a range (3-9), from 1.');
  return [...previous, { from, to }];
}

export const junitOption = () => new Option('--junit <file>', 'also write the results as JUnit XML, for CI (written at exit)');

/** A reply path whose value may change between two replies to the same request; repeatable. */
export const ignoreOption = (description: string) => new Option('--ignore <path>', description).argParser(collect).default([] as string[]);

/** The faults' names, kept here so that `--help` loads no more than the declarations. */
export const FAULT_NAMES = 'dup, reorder, drop, late, redeliver, overlap';

export const chaosOption = () => new Option('--chaos <faults>', `faults of real delivery, comma-separated: ${FAULT_NAMES}, or all`);

export const seedOption = () =>
  new Option('--seed <n>', 'the seed of the chaos plan and of --fuzz (printed when not given): the same seed, the same plan').argParser(
    number('any'),
  );

export const assistantOption = () =>
  new Option(
    '--assistant <file>',
    'the assistant in play: a file holding an assistant-request reply, or the assistant itself (its tools, routes, webhook_events)',
  );

export const routeOption = () =>
  new Option('--route <tool=url>', "send this tool's calls here instead of its own URL (a local run); repeatable")
    .argParser(collect)
    .default([] as string[]);

export const allowRemoteToolsOption = () =>
  new Option(
    '--allow-remote-tools',
    'call a tool at its own URL when that is off this machine, signed (else it is listed and not called: the URL came from a file, not from you)',
  );

export const fuzzOption = () =>
  new Option(
    '--fuzz [n]',
    'send n tool calls per tool (default 100) with arguments from its parameters schema: valid, then odd ones; a failure is shrunk',
  ).argParser(number('whole'));
