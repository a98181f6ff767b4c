import type { Clock } from '../clock.js';
import { shownUrl } from '../output/printable.js';
import { type AssistantTool, routeOf, sendableByRoute } from '../platform/assistant-tools.js';
import type { Dialect } from '../platform/dialect.js';
import { type FuzzResult, fuzzTool } from '../sending/tool-fuzz.js';

/** Cases per tool unless `runs` says. */
export const DEFAULT_FUZZ_RUNS = 100;

export interface FuzzToolsOptions {
  tools: readonly AssistantTool[];
  /** Tool name → URL, instead of the tool's own. */
  routes?: ReadonlyMap<string, string>;
  /** Call a tool at its own URL off this machine (--allow-remote-tools); else it is not fuzzed. */
  allowRemoteTools?: boolean;
  /** A tool not fuzzed (and why), or one fuzzed off this machine. */
  onNote?(text: string): void;
  /** Where a tool without a URL of its own is called. */
  receiver: string;
  runs?: number;
  seed: number;
  dialect: Dialect;
  /** The assistant's secret; a tool with its own is signed with that. */
  secret: string | undefined;
  clock: Clock;
}

/**
 * Each tool in turn at its route with generated arguments, valid first, then the odd kinds; the
 * first kind that gets a bad reply is shrunk to the smallest arguments that still get one.
 */
export async function fuzzTools(
  options: FuzzToolsOptions,
  onResult: (result: FuzzResult) => void = () => {},
): Promise<{ results: FuzzResult[]; passed: number; failed: number }> {
  const results: FuzzResult[] = [];
  const routed = options.tools.map((tool) => ({
    tool,
    tools: [tool.name],
    route: routeOf(tool, options.routes ?? new Map(), options.receiver, options.allowRemoteTools),
  }));
  for (const { tool, route } of sendableByRoute(routed, (entry) => entry, options.onNote)) {
    const result = await fuzzTool(tool, route, {
      runs: options.runs ?? DEFAULT_FUZZ_RUNS,
      seed: options.seed,
      dialect: options.dialect,
      secret: options.secret,
      clock: options.clock,
    });
    results.push(result);
    onResult(result);
  }
  const failed = results.filter((result) => result.failure !== undefined).length;
  return { results, passed: results.length - failed, failed };
}

/** The command that sends a shrunk case again, quoted for a POSIX shell. */
export function reproduceCommand(result: FuzzResult): string {
  const data = JSON.stringify(result.failure!.document).replaceAll("'", "'\\''");
  return `hms-webhook send tool-calls --to ${shownUrl(result.route.url)} --data '${data}'`;
}
