import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { InputError } from '../errors.js';
import { type CallPlan, callSeed, type Delivery, describeFault, type Fault, faultsProblem, planCall } from '../platform/delivery-faults.js';
import type { Dialect } from '../platform/dialect.js';
import { type CallStep, CallScript, type Scenario } from '../platform/scenario.js';
import type { PathSegment } from '../platform/schemas/common.js';
import { type CallResult, type CallStepReport, playCall, type SideEffectCheck } from '../sending/call.js';
import { stepFailure } from '../platform/reply-check.js';
import { CallsTally } from '../sending/calls-tally.js';

/** With many calls, how many go at once unless `concurrency` says. */
export const DEFAULT_CALL_CONCURRENCY = 10;

export interface PlayCallsOptions {
  url: URL;
  scenario: Scenario;
  /** How the scenario is named in errors: its name or file. */
  label?: string;
  dialect?: Dialect;
  /** A web call: no phone numbers. */
  web?: boolean;
  /** The call ends with an error. */
  fail?: boolean;
  /** `path=value` edits applied to every event. */
  set?: readonly string[];
  /** The saved assistant, as the platform has it. */
  assistant?: Record<string, unknown>;
  /** Tool name → URL, instead of the tool's own URL. */
  routes?: ReadonlyMap<string, string>;
  /** Call a tool at its own URL off this machine (--allow-remote-tools); else its calls are not sent. */
  allowRemoteTools?: boolean;
  /** A tool called at its own URL off this machine, and what signs it: said once per run. */
  onNote?(text: string): void;
  /** Unsigned when undefined. */
  secret: string | undefined;
  timeoutMs: number;
  /** Wait between the steps of a call. */
  paceMs?: number;
  /** Paths of a reply that may change between two deliveries of one event. */
  ignore?: readonly (readonly PathSegment[])[];
  /** Delivery faults: each call's plan is seeded with `callSeed(seed, index)`, so call 1 has the seed itself. */
  chaos?: { faults: readonly Fault[]; seed: number };
  /** How many calls (default 1), and how many at once. */
  calls?: number;
  concurrency?: number;
  /** Run after each step and at the end of each call. */
  check?: SideEffectCheck;
  clock?: Clock;
  /** Asked before each call starts: true stops starting calls (Ctrl-C, SIGTERM); those under way finish. */
  stopped?(): boolean;
}

/** What happens while calls are played, in order within each call. `call` counts from 1. */
export type CallEvent =
  | { type: 'start'; call: number; callId: string; plan?: CallPlan; seed?: number }
  | { type: 'step'; call: number; callId: string; report: CallStepReport }
  | { type: 'not-sent'; call: number; callId: string; step: CallStep; reason: string }
  | { type: 'end-check'; call: number; callId: string; failure?: string }
  | { type: 'call'; call: number; callId: string; done: PlayedCall };

/** One call, played. */
export interface PlayedCall {
  callId: string;
  /** The seed of its plan, with chaos: `send call --chaos … --seed S` plays this call again. */
  seed?: number;
  plan?: CallPlan;
  result: CallResult;
  /** Why the call failed, in one line. */
  failure?: string;
  /** The assistant the call ended with: the receiver's, else the saved one. */
  assistant: Record<string, unknown>;
  elapsedMs: number;
}

export interface CallsOutcome {
  calls: number;
  concurrency: number;
  /** Per-event latency, failures by reason, the slowest call: constant memory for any count. */
  tally: CallsTally;
  /** The first call that failed (by index), to reproduce. */
  firstFailed?: PlayedCall & { call: number };
  /** The first call, played alone or not. */
  first?: PlayedCall;
}

/**
 * Plays calls as the platform does: each a scenario's events one after another, signed when sent,
 * built from the receiver's replies so far; with chaos, delivered by a seeded plan of faults; many at
 * once with `calls`. Events stream through `onEvent`; the outcome is returned at the end.
 */
export async function playCalls(options: PlayCallsOptions, onEvent: (event: CallEvent) => void = () => {}): Promise<CallsOutcome> {
  const clock = options.clock ?? systemClock;
  checkScenarioFaults(options);
  const { onNote } = options;
  const said = new Set<string>();
  // Every call routes the same tools: a note about one is said once per run.
  const each: PlayCallsOptions = {
    ...options,
    ...(onNote !== undefined
      ? {
          onNote: (text: string) => {
            if (said.has(text)) return;
            said.add(text);
            onNote(text);
          },
        }
      : {}),
  };
  const calls = options.calls ?? 1;
  const concurrency = callsAtOnce(options);
  const tally = new CallsTally();
  const outcome: CallsOutcome = { calls, concurrency, tally };
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < calls && options.stopped?.() !== true; index = next++) {
      const played = await playOne(each, index, clock, onEvent, tally);
      if (index === 0) outcome.first = played;
      if (played.failure !== undefined && (outcome.firstFailed === undefined || outcome.firstFailed.call > index + 1))
        outcome.firstFailed = { ...played, call: index + 1 };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcome;
}

/** How many of the calls go at once: `concurrency`, 10 by default, never more than the calls. */
export function callsAtOnce(options: Pick<PlayCallsOptions, 'calls' | 'concurrency'>): number {
  return Math.max(1, Math.min(options.concurrency ?? DEFAULT_CALL_CONCURRENCY, options.calls ?? 1));
}

/** The faults a scenario names, when they are the ones played: each on a step the scenario has. */
export function checkScenarioFaults(options: Pick<PlayCallsOptions, 'chaos' | 'scenario' | 'label'>): void {
  const { scenario } = options;
  if (scenario.faults === undefined || options.chaos !== undefined) return;
  const problem = faultsProblem(scenario.faults, scenario.turns.filter((turn) => 'tools' in turn).length);
  if (problem !== undefined) throw new InputError(`scenario ${options.label ?? ''}: ${problem}`);
}

/** The plan of call `index`: the chaos plan under its own seed, else the faults the scenario names. */
export function planOfCall(options: Pick<PlayCallsOptions, 'chaos' | 'scenario'>, index: number): { plan?: CallPlan; seed?: number } {
  const toolTurns = options.scenario.turns.filter((turn) => 'tools' in turn).length;
  if (options.chaos !== undefined) {
    const seed = callSeed(options.chaos.seed, index);
    return { plan: planCall({ faults: [...options.chaos.faults], seed }, toolTurns), seed };
  }
  if (options.scenario.faults !== undefined)
    return { plan: planCall({ planned: options.scenario.faults as CallPlan['faults'] }, toolTurns) };
  return {};
}

async function playOne(
  options: PlayCallsOptions,
  index: number,
  clock: Clock,
  onEvent: (event: CallEvent) => void,
  tally: CallsTally,
): Promise<PlayedCall> {
  const call = index + 1;
  const { plan, seed } = planOfCall(options, index);
  const script = new CallScript(options.scenario, {
    dialect: options.dialect ?? 'hms',
    web: options.web,
    fail: options.fail,
    set: options.set,
    now: unixSecondsOf(clock),
    ...(options.assistant !== undefined ? { assistant: options.assistant } : {}),
    ...(index > 0 ? { customerNumber: distinctNumber(options.scenario.customer.number, index) } : {}),
  });
  const { callId } = script;
  onEvent({ type: 'start', call, callId, ...(plan !== undefined ? { plan } : {}), ...(seed !== undefined ? { seed } : {}) });
  const started = clock.elapsed();
  let failedStep: CallStepReport | undefined;
  const result = await playCall(script, {
    url: options.url,
    secret: options.secret,
    timeoutMs: options.timeoutMs,
    paceMs: options.paceMs ?? 0,
    clock,
    ...(options.ignore !== undefined ? { ignore: options.ignore } : {}),
    ...(options.routes !== undefined ? { routes: options.routes } : {}),
    ...(options.allowRemoteTools === true ? { allowRemoteTools: true } : {}),
    ...(options.onNote !== undefined ? { onNote: options.onNote } : {}),
    ...(plan !== undefined ? { plan } : {}),
    ...(options.check !== undefined ? { check: options.check } : {}),
    onStep: (report) => {
      tally.step(report);
      if (!report.ok) failedStep = report;
      onEvent({ type: 'step', call, callId, report });
    },
    onNotSent: (step, reason) => onEvent({ type: 'not-sent', call, callId, step, reason }),
  });
  if (options.check !== undefined)
    onEvent({ type: 'end-check', call, callId, ...(result.endCheckFailure !== undefined ? { failure: result.endCheckFailure } : {}) });
  const failure =
    failedStep !== undefined
      ? `${failedStep.step.event} ${failedStep.step.label}${deliveryTag(failedStep.delivery) ? ` ${deliveryTag(failedStep.delivery)}` : ''}: ${stepFailure(failedStep)}`
      : result.endCheckFailure !== undefined
        ? `check at the end: ${result.endCheckFailure}`
        : undefined;
  const elapsedMs = clock.elapsed() - started;
  tally.call(callId, failedStep !== undefined ? stepFailure(failedStep) : failure, elapsedMs);
  const done: PlayedCall = {
    callId,
    ...(seed !== undefined ? { seed } : {}),
    ...(plan !== undefined ? { plan } : {}),
    result,
    ...(failure !== undefined ? { failure } : {}),
    assistant: script.assistantInPlay(),
    elapsedMs,
  };
  onEvent({ type: 'call', call, callId, done });
  return done;
}

/** How a delivery differs from the step's plain one: the fault it carries, or that its reply was lost. */
export function deliveryTag(delivery: Delivery): string {
  if (delivery.fault === undefined) return '';
  return delivery.replyLost === true ? `[${delivery.fault.fault}: reply lost]` : `[${describeFault(delivery.fault)}]`;
}

/** Call `index`'s caller: the scenario's number with its last digits replaced, so that each call has its own. */
export function distinctNumber(number: string | null, index: number): string | null {
  if (number === null) return null;
  return number.replace(/\d{1,6}$/, (digits) => String(index % 10 ** digits.length).padStart(digits.length, '0'));
}

/** The scenario with a plan's faults, to play again with `send call --scenario FILE`. */
export function scenarioWithPlan(scenario: Scenario, plan: CallPlan): Scenario {
  return { ...scenario, faults: plan.faults.map(({ step, fault, variant }) => ({ step, fault, variant })) };
}
