import { printable, shownUrl } from '../../output/printable.js';
import type { OutputRecord } from '../../output/records.js';
import type { Reporter } from '../../output/reporter.js';
import { MARK } from '../../output/style.js';
import type { TestReport } from '../../output/test-report.js';
import { type FuzzToolsOptions, fuzzTools, reproduceCommand } from '../../engine/fuzz-tools.js';
import type { FuzzResult } from '../../sending/tool-fuzz.js';

/**
 * `--fuzz [n]`: the engine's fuzzTools with n cases per tool (its default without n), a line (or JSON
 * object) and a JUnit case per tool; what it says of routes goes to stderr.
 */
export async function runFuzz(
  options: Omit<FuzzToolsOptions, 'runs' | 'onNote'>,
  fuzz: number | true | undefined,
  reporter: Reporter,
  testReport: TestReport,
): Promise<{ passed: number; failed: number }> {
  const run: FuzzToolsOptions = {
    ...options,
    ...(typeof fuzz === 'number' ? { runs: fuzz } : {}),
    onNote: (text) => reporter.note(text),
  };
  return fuzzTools(run, (result) => {
    testReport.add(`fuzz ${shownUrl(result.route.url)}`, () => ({
      name: `fuzz ${result.tool}`,
      ...(result.failure !== undefined ? { failure: `${result.failure.kind}: ${result.failure.reason}` } : {}),
      seconds: 0,
    }));
    reporter.result(
      () => fuzzJson(result, run.seed),
      () => fuzzLines(result, run.seed, reporter.style),
    );
  });
}

const cases = (result: FuzzResult) => result.kinds.reduce((sum, kind) => sum + kind.runs, 0);

export function fuzzJson(result: FuzzResult, seed: number): OutputRecord<'fuzz'> {
  return {
    type: 'fuzz',
    tool: result.tool,
    route: { url: shownUrl(result.route.url), source: result.route.source },
    seed,
    cases: cases(result),
    kinds: result.kinds,
    ok: result.failure === undefined,
    ...(result.failure !== undefined
      ? {
          failure: {
            kind: result.failure.kind,
            arguments: result.failure.arguments,
            reason: result.failure.reason,
            shrinks: result.failure.shrinks,
            reproduce: reproduceCommand(result),
            ...(result.route.secret !== undefined ? { signed_with: "the tool's own secret" } : {}),
          },
        }
      : {}),
  };
}

function fuzzLines(result: FuzzResult, seed: number, style: Reporter['style']): string[] {
  const head = `${result.tool} at ${printable(shownUrl(result.route.url))}: ${cases(result)} cases (${result.kinds.map((kind) => `${kind.name} ${kind.runs}`).join(', ')}) · seed ${seed}`;
  if (result.failure === undefined) return [`${style.green(MARK.pass)} fuzz ${head}`];
  const failure = result.failure;
  const shown = JSON.stringify(failure.arguments);
  return [
    `${style.red(MARK.fail)} fuzz ${head}`,
    `      ${failure.kind}: ${printable(shown.length > 200 ? `${shown.slice(0, 199)}…` : shown)} (shrunk ${failure.shrinks} times)`,
    `      ${style.red(printable(failure.reason))}`,
    `      reproduce: ${printable(reproduceCommand(result))}`,
    ...(result.route.secret !== undefined ? ["      (signed with the tool's own secret: set HMS_WEBHOOK_SECRET to it)"] : []),
  ];
}
