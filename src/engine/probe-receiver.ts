import { type Clock, systemClock } from '../clock.js';
import { InputError } from '../errors.js';
import { readJsonInput } from '../input.js';
import { payloadToSend } from '../platform/fixtures.js';
import { nestsDeeperThan, TOO_DEEP } from '../platform/json-depth.js';
import { eventOf } from '../platform/schemas/index.js';
import { type ProbeResult, type ProbeVerdict, probeCases, runProbe } from '../sending/probe.js';

export interface ProbeReceiverOptions {
  url: URL;
  /** The secret the receiver checks: probe signs its valid requests with it. */
  secret: string;
  /** The payload: a fixture `event[/variant]` (default status-update/in-progress), or `data` (a file, `-`, or the JSON itself). */
  fixture?: string;
  data?: string;
  timeoutMs: number;
  clock?: Clock;
  stdin?: NodeJS.ReadableStream;
}

export interface ProbeOutcome {
  event: string;
  results: ProbeResult[];
  passed: number;
  failed: number;
  warnings: number;
  inconclusive: number;
  /** What went wrong, in the order a developer fixes it: empty when nothing failed. */
  problems: string[];
}

/**
 * Is the receiver safe? The valid request, the same payload written the other ways JSON gets
 * written, the forgeries a receiver must refuse and a duplicate delivery, each judged.
 */
export async function probeReceiver(options: ProbeReceiverOptions): Promise<ProbeOutcome> {
  const clock = options.clock ?? systemClock;
  const { body, document, event } = await probePayload(options, clock);
  const results = await runProbe(probeCases(options.url, body, document, event, options.secret), options.timeoutMs, clock);
  const count = (verdict: ProbeVerdict) => results.filter((result) => result.verdict === verdict).length;
  return {
    event,
    results,
    passed: count('pass'),
    failed: count('fail'),
    warnings: count('warn'),
    inconclusive: count('inconclusive'),
    problems: problemsOf(results),
  };
}

/** What went wrong, in the order a developer fixes it. */
function problemsOf(results: readonly ProbeResult[]): string[] {
  const valid = results.find((r) => r.probe.kind === 'valid');
  if (valid?.verdict === 'fail') return [`refused the valid request (${valid.note})`];
  const failed = (kind: ProbeResult['probe']['kind']) => results.filter((r) => r.verdict === 'fail' && r.probe.kind === kind).length;
  const forged = failed('forgery') + failed('lenient-timestamp');
  const malformed = results.filter((r) => r.verdict === 'fail' && r.probe.kind === 'malformed-signature');
  return [
    ...(failed('reserialised') > 0 ? ['verifies a re-serialised copy of the body, not the raw bytes'] : []),
    ...(malformed.some((r) => (r.status ?? 0) >= 500) ? ['crashed on a malformed signature'] : []),
    ...(malformed.some((r) => (r.status ?? 0) < 500) ? ['accepted a malformed signature'] : []),
    ...(forged > 0 ? [`accepted ${forged} forged request${forged > 1 ? 's' : ''}`] : []),
    ...(failed('duplicate') > 0 ? ['refused a duplicate delivery'] : []),
  ];
}

/** The payload to probe with: a fixture stamped now, or the user's own as its exact bytes. */
async function probePayload(options: ProbeReceiverOptions, clock: Clock): Promise<{ body: Buffer; document: unknown; event: string }> {
  if (options.data === undefined) {
    const { entry, document } = payloadToSend(options.fixture ?? 'status-update/in-progress', 'hms', new Date(clock.now()));
    return { body: Buffer.from(JSON.stringify(document)), document, event: entry.event };
  }
  const { bytes: body, document } = await readJsonInput('--data', options.data, options.stdin ?? process.stdin);
  if (nestsDeeperThan(document)) throw new InputError(`--data ${options.data} is ${TOO_DEEP}`);
  const event = eventOf(document);
  if (event === undefined) throw new InputError(`--data ${options.data} has no message.type: the event header cannot be set`);
  return { body, document, event };
}
