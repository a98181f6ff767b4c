import type { Clock } from '../../clock.js';
import { printable } from '../../output/printable.js';
import type { Reporter } from '../../output/reporter.js';
import { MARK } from '../../output/style.js';
import type { TestReport } from '../../output/test-report.js';
import { type AssistantTool, routeOf } from '../../platform/assistant-tools.js';
import type { Dialect } from '../../platform/dialect.js';
import { type FuzzResult, fuzzTool } from '../../sending/tool-fuzz.js';

/** `--fuzz` without a number: cases per tool. */
export const DEFAULT_FUZZ_RUNS = 100;

export interface FuzzRun {
  tools: readonly AssistantTool[];
  routes: ReadonlyMap<string, string>;
  /** Where a tool without a route of its own is sent (--to). */
  receiver: string;
  runs: number;
  seed: number;
  dialect: Dialect;
  secret: string | undefined;
  clock: Clock;
}

/** `--fuzz`: each tool in turn at its route; a line (or JSON object) and a JUnit case per tool. Returns how many failed. */
export async function runFuzz(run: FuzzRun, reporter: Reporter, testReport: TestReport): Promise<{ passed: number; failed: number }> {
  const { style } = reporter;
  let failed = 0;
  for (const tool of run.tools) {
    const route = routeOf(tool, run.routes, run.receiver);
    const result = await fuzzTool(tool, route, {
      runs: run.runs,
      seed: run.seed,
      dialect: run.dialect,
      secret: run.secret,
      clock: run.clock,
    });
    if (result.failure !== undefined) failed++;
    testReport.add(`fuzz ${route.url}`, () => ({
      name: `fuzz ${tool.name}`,
      ...(result.failure !== undefined ? { failure: `${result.failure.kind}: ${result.failure.reason}` } : {}),
      seconds: 0,
    }));
    reporter.result(
      () => fuzzJson(result, run.seed),
      () => fuzzLines(result, run.seed, style),
    );
  }
  return { passed: run.tools.length - failed, failed };
}

const cases = (result: FuzzResult) => result.kinds.reduce((sum, kind) => sum + kind.runs, 0);

/** The command that sends the shrunk case again, quoted for a POSIX shell. */
export function reproduceCommand(result: FuzzResult): string {
  const data = JSON.stringify(result.failure!.document).replaceAll("'", "'\\''");
  return `hms-webhook send tool-calls --to ${result.route.url} --data '${data}'`;
}

function fuzzJson(result: FuzzResult, seed: number): Record<string, unknown> {
  return {
    type: 'fuzz',
    tool: result.tool,
    route: { url: result.route.url, source: result.route.source },
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
  const head = `${result.tool} at ${printable(result.route.url)}: ${cases(result)} cases (${result.kinds.map((kind) => `${kind.name} ${kind.runs}`).join(', ')}) · seed ${seed}`;
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
