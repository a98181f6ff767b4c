import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/command-context.js';
import { unixSecondsOf } from '../../clock.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { TestReport } from '../../output/test-report.js';
import { type CallPlan, callSeed, FAULTS, type Fault, faultsProblem, parseFaults, planCall } from '../../platform/delivery-faults.js';
import { toolsOf } from '../../platform/assistant-tools.js';
import { ignorePaths } from '../../platform/reply-compare.js';
import { type CallStep, CallScript, loadScenario, type Scenario } from '../../platform/scenario.js';
import { type CallResult, type CallStepReport, playCall, type SideEffectCheck } from '../../sending/call.js';
import { CallsTally } from '../../sending/calls-tally.js';
import { commandCheck, urlCheck } from '../../sending/side-effect-check.js';
import { isHttpUrl, parseTarget } from '../../sending/target.js';
import { resolveSecrets } from '../../signing/secrets.js';
import { parseRoutes, readAssistantFile } from '../tool-routing.js';
import type { CallOptions } from './command.js';
import { DEFAULT_FUZZ_RUNS, runFuzz } from './run-fuzz.js';
import { callsJson, callsLines, callStepJson, callStepLines, deliveryTag, planJson, planLines, stepFailure } from './render.js';

/** With --calls, how many calls go at once unless --concurrency says. */
const DEFAULT_CALL_CONCURRENCY = 10;

/**
 * `send call`: plays a whole call, one event after another, each built from the receiver's replies so
 * far; with --chaos, delivered as the platform really delivers (a seeded plan of faults); with
 * --calls, many such calls at once.
 */
export async function runSendCall(name: string | undefined, options: CallOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (name !== undefined && options.scenario !== undefined)
    throw new UsageError(`give the scenario once: send call ${name} or --scenario FILE`);
  const chaos = readChaos(options);
  if (options.concurrency !== undefined && options.calls === 1) throw new UsageError('--concurrency applies to --calls: add --calls N');
  const ignore = ignorePaths(options.ignore);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const checkUrl = options.checkUrl === undefined ? undefined : parseCheckUrl(options.checkUrl);
  const { label, scenario } = await loadScenario({ name, file: options.scenario });
  const toolTurns = scenario.turns.filter((turn) => 'tools' in turn).length;
  if (scenario.faults !== undefined && chaos === undefined) {
    const problem = faultsProblem(scenario.faults, toolTurns);
    if (problem !== undefined) throw new InputError(`scenario ${label}: ${problem}`);
  }
  const faults = chaos?.faults;
  const seed = chaos?.seed;
  const assistant = options.assistant === undefined ? undefined : await readAssistantFile(options.assistant, io.stdin);
  if (options.fuzz !== undefined && options.calls > 1) throw new UsageError('--fuzz fuzzes the tools of one call: drop --calls');
  const fuzzSeed = options.fuzz === undefined ? undefined : (seed ?? seedOf(options.seed));
  const routes = parseRoutes(options.route);
  const planOf = (index: number): CallPlan | undefined =>
    faults !== undefined
      ? planCall({ faults, seed: callSeed(seed!, index) }, toolTurns)
      : scenario.faults !== undefined
        ? planCall({ planned: scenario.faults as CallPlan['faults'] }, toolTurns)
        : undefined;
  if (options.savePlan !== undefined && planOf(0) === undefined)
    throw new UsageError('--save-plan needs faults to save: add --chaos (or play a scenario that names faults)');
  if (chaos !== undefined && scenario.faults !== undefined)
    reporter.note(`--chaos plans the faults: the ${scenario.faults.length} named in ${label} are not played`);
  const secret = resolveSecrets(options, io.env)[0];
  if (secret === undefined) reporter.note('no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned');
  const checks: SideEffectCheck[] = [
    ...(options.check !== undefined ? [commandCheck(options.check, io.env, options.timeout * 1000)] : []),
    ...(checkUrl !== undefined ? [urlCheck(checkUrl, options.timeout * 1000)] : []),
  ];
  const check: SideEffectCheck | undefined =
    checks.length === 0
      ? undefined
      : async (point) => {
          for (const one of checks) {
            const problem = await one(point);
            if (problem !== undefined) return problem;
          }
          return undefined;
        };
  const reproduce = seed === undefined ? undefined : `--chaos ${faults!.join(',')} --seed ${seed}`;
  const dialect = options.dialect ?? 'hms';
  const testReport = new TestReport('hms-webhook send call', options.junit, io.env, io.clock.now);
  const { style } = reporter;
  const newScript = (index: number) =>
    new CallScript(scenario, {
      dialect,
      web: options.web,
      fail: options.fail,
      set: options.set,
      now: unixSecondsOf(io.clock),
      ...(assistant !== undefined ? { assistant } : {}),
      ...(index > 0 ? { customerNumber: distinctNumber(scenario.customer.number, index) } : {}),
    });
  const play = (
    script: CallScript,
    plan: CallPlan | undefined,
    onStep: (report: CallStepReport) => void,
    onNotSent?: (step: CallStep, reason: string) => void,
  ) =>
    playCall(script, {
      url,
      secret,
      timeoutMs: options.timeout * 1000,
      paceMs: options.pace,
      clock: io.clock,
      ignore,
      routes,
      ...(plan !== undefined ? { plan } : {}),
      ...(check !== undefined ? { check } : {}),
      onStep,
      ...(onNotSent !== undefined ? { onNotSent } : {}),
    });
  const caseOf = (script: CallScript, suite: string, report: CallStepReport) =>
    testReport.add(suite, () => {
      const tag = deliveryTag(report.delivery);
      return {
        name: `${String(report.index).padStart(2, '0')} ${report.step.event} ${report.step.label}${tag ? ` ${tag}` : ''} call ${script.callId}`,
        ...(report.ok ? {} : { failure: stepFailure(report) }),
        seconds: (report.reply?.latencyMs ?? 0) / 1000,
      };
    });

  if (options.calls === 1) {
    const plan = planOf(0);
    const script = newScript(0);
    const suite = `send call ${label} → ${url.href}`;
    if (plan !== undefined)
      reporter.result(
        () => planJson(plan, seed),
        () => planLines(plan, seed, reproduce, style),
      );
    if (!reporter.json) {
      reporter.line(
        `${style.bold('call')} ${script.callId} · ${label} · ${dialect}${options.web ? ' · web' : ''}${options.fail ? ' · fails' : ''} → ${url.href}`,
      );
    }
    const result = await play(
      script,
      plan,
      (report) => {
        caseOf(script, suite, report);
        reporter.result(
          () => callStepJson(report, script.callId),
          () => callStepLines(report, style),
        );
      },
      (step, reason) =>
        reporter.result(
          () => ({ type: 'not-sent', event: step.event, label: step.label, call_id: script.callId, reason }),
          () => [`${style.dim(`–     ${step.event}  ${step.label}  ${reason}`)}`],
        ),
    );
    if (check !== undefined) endCheckCase(testReport, suite, script.callId, result);
    if (result.endCheckFailure !== undefined) {
      reporter.result(
        () => ({ type: 'check', phase: 'end', call_id: script.callId, ok: false, message: result.endCheckFailure }),
        () => [`${style.red('✗')} check at the end of the call: ${result.endCheckFailure}`],
      );
    }
    if (plan !== undefined && options.savePlan !== undefined) savePlan(options.savePlan, scenario, plan, reporter);
    const stoppedAt = result.failed > 0 && result.endCheckFailure === undefined;
    if (options.fuzz !== undefined && result.failed === 0) {
      // The tools of the assistant the call ended with: the receiver's own, or the saved one.
      const fuzzed = await runFuzz(
        {
          tools: toolsOf(script.assistantInPlay()),
          routes,
          receiver: url.href,
          runs: options.fuzz === true ? DEFAULT_FUZZ_RUNS : options.fuzz,
          seed: fuzzSeed!,
          dialect,
          secret,
          clock: io.clock,
        },
        reporter,
        testReport,
      );
      result.passed += fuzzed.passed;
      result.failed += fuzzed.failed;
    }
    testReport.write();
    reporter.summary(result.passed, result.failed, {
      fields: { call_id: script.callId, ...(seed !== undefined || fuzzSeed !== undefined ? { seed: seed ?? fuzzSeed } : {}) },
      suffix: `${stoppedAt ? ' (the call stopped at the failed step)' : ''}${reproduce ? ` · reproduce: send call ${reproduce}` : ''}`,
    });
    if (result.failed > 0) throw new CheckFailed();
    return;
  }

  // Many calls: each with its own call id, number and plan (its seed derived from the run's), C at a time.
  const concurrency = Math.min(options.concurrency ?? DEFAULT_CALL_CONCURRENCY, options.calls);
  const tally = new CallsTally();
  if (!reporter.json) {
    reporter.line(
      `${style.bold(`${options.calls} calls`)} · ${concurrency} at a time · ${label} · ${dialect}${seed !== undefined ? ` · seed ${seed}` : ''} → ${url.href}`,
    );
  }
  let firstFailedPlan: CallPlan | undefined;
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < options.calls; index = next++) {
      const plan = planOf(index);
      const script = newScript(index);
      const suite = `send call ${label} call ${index + 1}`;
      const started = io.clock.elapsed();
      let failedStep: CallStepReport | undefined;
      const result = await play(script, plan, (report) => {
        tally.step(report);
        caseOf(script, suite, report);
        if (!report.ok) failedStep = report;
      });
      if (check !== undefined) endCheckCase(testReport, suite, script.callId, result);
      const failure =
        failedStep !== undefined
          ? `${failedStep.step.event} ${failedStep.step.label}${deliveryTag(failedStep.delivery) ? ` ${deliveryTag(failedStep.delivery)}` : ''}: ${stepFailure(failedStep)}`
          : result.endCheckFailure !== undefined
            ? `check at the end: ${result.endCheckFailure}`
            : undefined;
      tally.call(script.callId, failedStep !== undefined ? stepFailure(failedStep) : failure, io.clock.elapsed() - started);
      if (failure !== undefined && firstFailedPlan === undefined) firstFailedPlan = plan;
      const callSeedOf = seed === undefined ? undefined : callSeed(seed, index);
      reporter.result(
        () => ({
          type: 'call',
          index: index + 1,
          call_id: script.callId,
          ...(callSeedOf !== undefined ? { seed: callSeedOf } : {}),
          faults: plan?.faults.map((planned) => planned.fault) ?? [],
          passed: result.passed,
          failed: result.failed,
          ...(failure !== undefined ? { failure } : {}),
        }),
        () => (failure === undefined ? [] : [`${style.red('✗')} call ${index + 1} ${script.callId}: ${failure}`]),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const saved = firstFailedPlan ?? planOf(0);
  if (saved !== undefined && options.savePlan !== undefined) savePlan(options.savePlan, scenario, saved, reporter);
  testReport.write();
  reporter.result(
    () => callsJson(tally, seed),
    () => callsLines(tally, style, reproduce),
  );
  if (tally.failed > 0) throw new CheckFailed();
}

/** `--chaos LIST [--seed N]`: the faults asked for and the seed of their plan (a random one when not given). */
export function readChaos(options: { chaos?: string; seed?: number; fuzz?: number | true }): { faults: Fault[]; seed: number } | undefined {
  if (options.chaos === undefined) {
    if (options.seed !== undefined && options.fuzz === undefined)
      throw new UsageError('--seed is the seed of a chaos plan or of --fuzz: add --chaos or --fuzz');
    return undefined;
  }
  const parsed = parseFaults(options.chaos);
  if ('unknown' in parsed) throw new UsageError(`--chaos ${JSON.stringify(parsed.unknown)}: not a fault; use ${FAULTS.join(', ')} or all`);
  if (parsed.faults.length === 0) throw new UsageError(`--chaos needs at least one fault: ${FAULTS.join(', ')} or all`);
  return { faults: parsed.faults, seed: seedOf(options.seed) };
}

/** `--seed N` checked, or a random seed when none is given (printed, so that the run can be played again). */
export function seedOf(seed: number | undefined): number {
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff))
    throw new UsageError('--seed must be a whole number from 0 to 4294967295');
  return seed ?? randomInt(0, 0x100000000);
}

/** With --check or --check-url, the check at the end of a call is a case of its own in the JUnit report. */
function endCheckCase(testReport: TestReport, suite: string, callId: string, result: CallResult): void {
  testReport.add(suite, () => ({
    name: `end check call ${callId}`,
    ...(result.endCheckFailure !== undefined ? { failure: result.endCheckFailure } : {}),
    seconds: 0,
  }));
}

function parseCheckUrl(text: string): URL {
  if (isHttpUrl(text)) return new URL(text);
  throw new UsageError(`--check-url ${JSON.stringify(text)}: give an http:// or https:// URL`);
}

/** Call `index`'s caller: the scenario's number with its last digits replaced, so that each call has its own. */
export function distinctNumber(number: string | null, index: number): string | null {
  if (number === null) return null;
  return number.replace(/\d{1,6}$/, (digits) => String(index % 10 ** digits.length).padStart(digits.length, '0'));
}

/** The scenario with the planned faults, to play again with `send call --scenario FILE`. */
function savePlan(file: string, scenario: Scenario, plan: CallPlan, reporter: Reporter): void {
  const saved = { ...scenario, faults: plan.faults.map(({ step, fault, variant }) => ({ step, fault, variant })) };
  try {
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw new InputError(`cannot write --save-plan ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  reporter.note(`saved the plan in ${file}: send call --scenario ${file} plays it again`);
}
