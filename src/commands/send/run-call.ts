import { writeFileSync } from 'node:fs';
import { shownUrl } from '../../output/printable.js';
import type { CommandContext } from '../../cli/command-context.js';
import { StopRequest } from '../../cli/stop-request.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import {
  type CallEvent,
  type CallsOutcome,
  checkScenarioFaults,
  type PlayCallsOptions,
  playCalls,
  scenarioWithPlan,
} from '../../engine/play-calls.js';
import { whyUnreadable } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { toolsOf } from '../../platform/assistant-tools.js';
import type { CallPlan } from '../../platform/delivery-faults.js';
import { ignorePaths } from '../../platform/reply-compare.js';
import { loadScenario, type Scenario } from '../../platform/scenario.js';
import { commandCheck, urlCheck } from '../../sending/side-effect-check.js';
import type { SideEffectCheck } from '../../sending/call.js';
import { isHttpUrl, receiverTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';
import { readChaos, reproduceArgs, seedOf } from './chaos-options.js';
import type { CallOptions } from './command.js';
import { callEventCase, callEventView, callsHeading, callsJson, callsLines, callSummary } from './call-render.js';

/** `send call`: the flags read into the engine's options, its events rendered, the exit decided. */
export async function runSendCall(name: string | undefined, options: CallOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const { play, label, chaos } = await callsOptionsOf(name, options, io, reporter);
  const testReport = new TestReport('hms-webhook send call', options.junit, io.env, io.clock.now);
  const many = options.calls > 1;
  const view = { label, url: shownUrl(play.url), many, chaos, style: reporter.style };
  if (many && !reporter.json) reporter.line(callsHeading(play, view));
  // Many calls stop starting on Ctrl-C or SIGTERM; the summary covers the calls played.
  const stop = many ? new StopRequest(io.signals) : undefined;
  const outcome = await playCalls({ ...play, ...(stop ? { stopped: () => stop.stopped } : {}) }, (event: CallEvent) => {
    callEventCase(testReport, event, view);
    const shown = callEventView(event, play, view);
    if (shown !== undefined) reporter.json ? shown.json && reporter.record(shown.json()) : reporter.lines(shown.text());
  }).finally(() => stop?.release());
  const saved = outcome.firstFailed?.plan ?? outcome.first?.plan;
  if (options.savePlan !== undefined && saved !== undefined) savePlan(options.savePlan, play.scenario, saved, reporter);
  const fuzzSeed = options.fuzz === undefined ? undefined : (chaos?.seed ?? seedOf(options.seed));
  const fuzzed =
    !many && fuzzSeed !== undefined && outcome.tally.failed === 0
      ? await fuzzAfter(play, options, outcome, fuzzSeed, reporter, testReport)
      : undefined;
  testReport.write();
  if (many) {
    const reproduce = chaos === undefined ? undefined : reproduceArgs(chaos.faults, outcome.firstFailed?.seed ?? chaos.seed);
    const stoppedBy = stop?.signal !== undefined ? { signal: stop.signal, words: stop.words, of: options.calls } : undefined;
    reporter.result(
      () => callsJson(outcome.tally, chaos?.seed, stoppedBy),
      () => callsLines(outcome.tally, reporter.style, reproduce, outcome.firstFailed?.call, stoppedBy),
    );
    if (stop?.stopped) throw stop.interrupted();
    if (outcome.tally.failed > 0) throw new CheckFailed();
    return;
  }
  const summary = callSummary(outcome.first!, fuzzed, chaos, fuzzSeed);
  reporter.summary(summary.passed, summary.failed, summary);
  if (summary.failed > 0) throw new CheckFailed();
}

interface CallsSetup {
  play: PlayCallsOptions;
  label: string;
  chaos: ReturnType<typeof readChaos>;
}

/** The flags as the engine's options: each checked, with the one-line errors that name the fix. */
async function callsOptionsOf(
  name: string | undefined,
  options: CallOptions,
  io: CommandContext['io'],
  reporter: Reporter,
): Promise<CallsSetup> {
  if (name !== undefined && options.scenario !== undefined)
    throw new UsageError(`give the scenario once: send call ${name} or --scenario FILE`);
  const chaos = readChaos(options);
  if (options.concurrency !== undefined && options.calls === 1) throw new UsageError('--concurrency applies to --calls: add --calls N');
  if (options.fuzz !== undefined && options.calls > 1) throw new UsageError('--fuzz fuzzes the tools of one call: drop --calls');
  const url = receiverTarget(options.to, io.env);
  if (options.checkUrl !== undefined && !isHttpUrl(options.checkUrl))
    throw new UsageError(`--check-url ${JSON.stringify(options.checkUrl)}: give an http:// or https:// URL`);
  const { label, scenario } = await loadScenario({ name, file: options.scenario });
  checkScenarioFaults({ scenario, label, ...(chaos !== undefined ? { chaos } : {}) });
  const assistant = options.assistant === undefined ? undefined : await readAssistantFile(options.assistant, io.stdin);
  const routes = parseRoutes(options.route);
  if (options.savePlan !== undefined && chaos === undefined && scenario.faults === undefined)
    throw new UsageError('--save-plan needs faults to save: add --chaos (or play a scenario that names faults)');
  if (chaos !== undefined && scenario.faults !== undefined)
    reporter.note(`--chaos plans the faults: the ${scenario.faults.length} named in ${label} are not played`);
  const check = sideEffectCheck(options, io.env);
  const secret = resolveSecrets(options, io.env, (text) => reporter.note(text))[0];
  if (secret === undefined) reporter.note('no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned');
  const play: PlayCallsOptions = {
    url,
    scenario,
    label,
    dialect: options.dialect ?? 'hms',
    web: options.web,
    fail: options.fail,
    set: options.set,
    routes,
    allowRemoteTools: options.allowRemoteTools === true,
    onNote: (text) => reporter.note(text),
    secret,
    timeoutMs: options.timeout * 1000,
    paceMs: options.pace,
    ignore: ignorePaths(options.ignore),
    calls: options.calls,
    clock: io.clock,
    ...(assistant !== undefined ? { assistant } : {}),
    ...(chaos !== undefined ? { chaos } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(check !== undefined ? { check } : {}),
  };
  return { play, label, chaos };
}

/** `--check CMD` and `--check-url URL`, run in that order after each step and at the end: the first problem fails. */
function sideEffectCheck(options: CallOptions, env: NodeJS.ProcessEnv): SideEffectCheck | undefined {
  const checks: SideEffectCheck[] = [
    ...(options.check !== undefined ? [commandCheck(options.check, env, options.timeout * 1000)] : []),
    ...(options.checkUrl !== undefined ? [urlCheck(new URL(options.checkUrl), options.timeout * 1000)] : []),
  ];
  if (checks.length === 0) return undefined;
  return async (point) => {
    for (const one of checks) {
      const problem = await one(point);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** `--fuzz` after a passed call: the tools of the assistant the call ended with. The fuzzer loads only here. */
async function fuzzAfter(
  play: PlayCallsOptions,
  options: CallOptions,
  outcome: CallsOutcome,
  seed: number,
  reporter: Reporter,
  testReport: TestReport,
) {
  const tools = toolsOf(outcome.first!.assistant);
  if (tools.length === 0) {
    reporter.note('--fuzz: the assistant the call ended with has no webhook tools in llm_config.tools, so nothing was fuzzed');
    return undefined;
  }
  const { runFuzz } = await import('./fuzz-render.js');
  return runFuzz(
    {
      tools,
      routes: play.routes ?? new Map(),
      allowRemoteTools: play.allowRemoteTools === true,
      receiver: play.url.href,
      seed,
      dialect: play.dialect ?? 'hms',
      secret: play.secret,
      clock: play.clock!,
    },
    options.fuzz,
    reporter,
    testReport,
  );
}

/** The scenario with the planned faults, to play again with `send call --scenario FILE`. */
function savePlan(file: string, scenario: Scenario, plan: CallPlan, reporter: Reporter): void {
  try {
    writeFileSync(file, `${JSON.stringify(scenarioWithPlan(scenario, plan), null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw new InputError(`cannot write --save-plan ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  reporter.note(`saved the plan in ${file}: send call --scenario ${file} plays it again`);
}
