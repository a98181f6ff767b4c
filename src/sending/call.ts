import { NetworkFailure, postOnce, type OutgoingRequest, type ReceivedReply } from './http.js';
import {
  ASSISTANT_REQUEST,
  type CallPlan,
  type Delivery,
  ENDED,
  IN_PROGRESS,
  REPORT,
  type StepName,
  toolStepName,
} from '../platform/delivery-faults.js';
import { callableToolsOf, isOwnRoute, notSentReason, routeNote, routeToolCalls } from '../platform/assistant-tools.js';
import { checkReceivedReply, type Check, type ReplyVerdict } from '../platform/reply-check.js';
import { compareReplies } from '../platform/reply-compare.js';
import { judgeDuplicate } from '../platform/duplicate-delivery.js';
import type { CallScript, CallStep } from '../platform/scenario.js';
import type { PathSegment } from '../platform/schemas/common.js';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { platformHeaders } from '../signing/signature.js';

export interface CallStepReport {
  /** The delivery's place in the call, from 1. */
  index: number;
  step: CallStep;
  delivery: Delivery;
  request: OutgoingRequest;
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
  /** Why no reply came (a timeout). */
  failure?: string;
  ok: boolean;
}

/** Where a side-effect check runs: after a step (the last delivery of its group), or at the end of the call. */
export interface CheckPoint {
  phase: 'step' | 'end';
  callId: string;
  step?: number;
  event?: string;
  fault?: string;
}

/** A side-effect check (`--check`, `--check-url`): why it failed, or undefined when it passed. */
export type SideEffectCheck = (point: CheckPoint) => Promise<string | undefined>;

export interface PlayOptions {
  url: URL;
  /** Unsigned when undefined, as the platform does for an assistant without webhook_secret. */
  secret: string | undefined;
  timeoutMs: number;
  /** Wait between steps. */
  paceMs: number;
  /** The deliveries to make; without one, each step once, in order. */
  plan?: CallPlan;
  /** Volatile paths (`results[*].result.at`) that a duplicate's reply may change. */
  ignore?: readonly (readonly PathSegment[])[];
  check?: SideEffectCheck;
  /** `--route TOOL=URL`: where a tool's calls go instead of its own URL. */
  routes?: ReadonlyMap<string, string>;
  /** Call a tool at its own URL off this machine (--allow-remote-tools); else its calls are not sent. */
  allowRemoteTools?: boolean;
  onStep(report: CallStepReport): void;
  /** A step (or a tool's share of one) not sent: the assistant's webhook_events leaves its event out, or its tool's URL is off this machine. */
  onNotSent?(step: CallStep, reason: string): void;
  /** A tool called at its own URL off this machine, and what signs it. */
  onNote?(text: string): void;
  clock?: Clock;
}

export interface CallResult {
  passed: number;
  failed: number;
  /** Why the check at the end of the call failed. */
  endCheckFailure?: string;
  /** Steps of the plan that the call never reached (it was rejected or cut short). */
  notReached: StepName[];
}

/**
 * Sends a call's events, each signed at the moment it is sent, feeding every reply back into the
 * script; with a plan, as the plan orders them (duplicated, late, lost, overlapping). Stops at the
 * first delivery whose reply fails its checks. A receiver that cannot be reached throws NetworkFailure.
 */
export async function playCall(script: CallScript, options: PlayOptions): Promise<CallResult> {
  const clock = options.clock ?? systemClock;
  const steps = new StepsByName(script);
  const notReached: StepName[] = [];
  let passed = 0;
  let index = 0;
  // Keyed by step name, and by `name#part` for the further routes of a turn's tool calls.
  const firstOf = new Map<string, FirstDelivery>();
  const partsOf = new Map<StepName, CallStep[]>();
  const notSent = new Set<StepName>();
  // URL → an event it accepted in this call: a later 404 there is a route per event, not a wrong URL.
  const accepted = new Map<string, string>();
  for (const group of options.plan?.groups ?? inOrder(steps)) {
    if (index > 0 && options.paceMs > 0) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
    const sends: Send[] = [];
    for (const delivery of group) {
      const step = steps.get(delivery.step);
      if (step === undefined) {
        if (!notReached.includes(delivery.step)) notReached.push(delivery.step);
        continue;
      }
      const reason = notSentReason(step.event, script.assistantInPlay(), step.dialect);
      if (reason !== undefined) {
        if (!notSent.has(delivery.step)) options.onNotSent?.(step, reason);
        notSent.add(delivery.step);
        continue;
      }
      let parts = partsOf.get(delivery.step);
      if (parts === undefined) {
        parts = routedParts(step, script, options);
        partsOf.set(delivery.step, parts);
      }
      parts.forEach((part, at) => {
        const key = at === 0 ? delivery.step : `${delivery.step}#${at}`;
        const request = requestFor(part, delivery, firstOf.get(key), options, clock);
        if (delivery.kind === 'first') firstOf.set(key, { request: request.request, timestamp: request.timestamp });
        sends.push({ delivery, step: part, request: request.request, index: ++index, key });
      });
    }
    // A group's deliveries go out at once: the later ones while the first is still pending.
    const replies = await Promise.all(sends.map((send) => exchange(send.request, options.timeoutMs, clock)));
    const reports = sends.map((send, at) => withRouteHint(judge(send, replies[at]!, firstOf, script, options.ignore ?? []), accepted));
    const last = reports.at(-1);
    if (options.check !== undefined && last !== undefined && reports.every((report) => report.ok)) {
      const problem = await options.check({
        phase: 'step',
        callId: script.callId,
        step: last.index,
        event: last.step.event,
        ...(last.delivery.fault !== undefined ? { fault: last.delivery.fault.fault } : {}),
      });
      if (problem !== undefined) reports[reports.length - 1] = withCheck(last, { name: 'check', severity: 'failure', message: problem });
    }
    for (const report of reports) options.onStep(report);
    const failed = reports.filter((report) => !report.ok).length;
    passed += reports.length - failed;
    if (failed > 0) return { passed, failed, notReached };
  }
  const endCheckFailure = options.check === undefined ? undefined : await options.check({ phase: 'end', callId: script.callId });
  return {
    passed,
    failed: endCheckFailure === undefined ? 0 : 1,
    notReached,
    ...(endCheckFailure !== undefined ? { endCheckFailure } : {}),
  };
}

/** A step's first delivery: what a duplicate repeats, and how it fared (a duplicate is judged only after a passed first). */
interface FirstDelivery {
  request: OutgoingRequest;
  timestamp: number;
  reply?: ReceivedReply;
  ok?: boolean;
}

interface Send {
  delivery: Delivery;
  step: CallStep;
  request: OutgoingRequest;
  index: number;
  /** Where the first delivery of this request is kept (firstOf). */
  key: string;
}

/** A step as it is sent: a tool turn split by the routes of its tools (each tool's own URL or --route); any other step whole. */
function routedParts(step: CallStep, script: CallScript, options: PlayOptions): CallStep[] {
  if (step.event !== 'tool-calls') return [step];
  const parts = routeToolCalls(
    step.document,
    step.dialect,
    callableToolsOf(script.assistantInPlay()),
    options.routes ?? new Map(),
    options.url.href,
    options.allowRemoteTools,
  );
  const steps: CallStep[] = [];
  for (const part of parts) {
    const routed: CallStep = {
      ...step,
      label: part.tools.join(', ') || step.label,
      document: part.document,
      toolCallIds: part.toolCallIds,
      ...(isOwnRoute(part.route) ? { route: part.route } : {}),
      ...(part.async ? { async: true } : {}),
    };
    const note = routeNote(part.route, part.tools);
    if (part.route.refused !== undefined) options.onNotSent?.(routed, part.route.refused);
    else {
      if (note !== undefined) options.onNote?.(note);
      steps.push(routed);
    }
  }
  return steps;
}

/** Without a plan: every step the script gives, once each, in order. */
function* inOrder(steps: StepsByName): Generator<Delivery[]> {
  for (let name = steps.nextName(); name !== undefined; name = steps.nextName()) yield [{ step: name, kind: 'first' }];
}

/**
 * The script's steps under their plan names, built in the call's order as deliveries ask for them:
 * a step is built once every step before it has been, so each sees the replies that came before.
 */
class StepsByName {
  private readonly built = new Map<StepName, CallStep>();
  private readonly order: StepName[] = [];
  private handed = 0;
  private tools = 0;
  private done = false;

  constructor(private readonly script: CallScript) {}

  get(name: StepName): CallStep | undefined {
    while (!this.built.has(name) && this.buildNext()) {}
    return this.built.get(name);
  }

  /** The next step's name in the call's own order, for a call played without a plan. */
  nextName(): StepName | undefined {
    if (this.handed >= this.order.length && !this.buildNext()) return undefined;
    return this.order[this.handed++];
  }

  private buildNext(): boolean {
    if (this.done) return false;
    const step = this.script.next();
    if (step === undefined) {
      this.done = true;
      return false;
    }
    const name = this.nameOf(step);
    this.built.set(name, step);
    this.order.push(name);
    return true;
  }

  private nameOf(step: CallStep): StepName {
    switch (step.event) {
      case 'assistant-request':
        return ASSISTANT_REQUEST;
      case 'tool-calls':
        return toolStepName(++this.tools);
      case 'end-of-call-report':
        return REPORT;
      case 'status-update':
        return step.label === 'in-progress' ? IN_PROGRESS : ENDED;
    }
  }
}

/** The request of a delivery: signed now; a duplicate with the first's bytes, identical or re-signed a second later. */
function requestFor(
  step: CallStep,
  delivery: Delivery,
  first: { request: OutgoingRequest; timestamp: number } | undefined,
  options: PlayOptions,
  clock: Clock,
): { request: OutgoingRequest; timestamp: number } {
  if (delivery.kind !== 'first' && first !== undefined) {
    if (delivery.identical === true) return first;
    const timestamp = Math.max(unixSecondsOf(clock), first.timestamp + 1);
    return { request: signed(first.request.body, step, timestamp, options), timestamp };
  }
  const timestamp = unixSecondsOf(clock);
  return { request: signed(Buffer.from(JSON.stringify(step.document)), step, timestamp, options), timestamp };
}

/** Signed with the tool's own secret when its route has one, else the assistant's; sent to its route. */
function signed(body: Buffer, step: CallStep, timestamp: number, options: PlayOptions): OutgoingRequest {
  const headers = platformHeaders({ body, secret: step.route?.secret ?? options.secret, timestamp, event: step.event });
  return { url: step.route !== undefined ? new URL(step.route.url) : options.url, headers, body };
}

async function exchange(request: OutgoingRequest, timeoutMs: number, clock: Clock): Promise<ReceivedReply | NetworkFailure> {
  try {
    return await postOnce(request, timeoutMs, clock);
  } catch (error) {
    if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
    return error;
  }
}

/**
 * The platform's checks of a reply; for a duplicate or a redelivery, the duplicate rule
 * (platform/duplicate-delivery.ts) and, where the platform reads the reply, the same reply as the first.
 */
function judge(
  send: Send,
  reply: ReceivedReply | NetworkFailure,
  firstOf: Map<string, FirstDelivery>,
  script: CallScript,
  ignore: readonly (readonly PathSegment[])[],
): CallStepReport {
  const { delivery, step, request, index } = send;
  const base = { index, step, delivery, request };
  const first = firstOf.get(send.key);
  if (delivery.replyLost === true) {
    // The platform timed out on this one: whatever came back is not read, and the event is sent again.
    const lost: ReplyVerdict = {
      ok: true,
      checks: [],
      parsed: undefined,
      outcome: ['the reply is not read: the platform timed out (simulated) and sends the event again'],
    };
    if (!(reply instanceof NetworkFailure)) first!.reply = reply;
    // Judged by its status alone, as the base a redelivery is held against: a refused one makes the redelivery a first answer.
    first!.ok = !(reply instanceof NetworkFailure) && reply.status >= 200 && reply.status < 300;
    return { ...base, ...(reply instanceof NetworkFailure ? {} : { reply }), verdict: lost, ok: true };
  }
  if (reply instanceof NetworkFailure) {
    if (delivery.kind === 'first') first!.ok = false;
    return { ...base, failure: reply.message, ok: false };
  }
  const verdict = checkReceivedReply({
    event: step.event,
    dialect: step.dialect,
    request: step.document,
    reply,
    ...(step.async === true ? { asyncTool: true } : {}),
  });
  if (delivery.kind === 'first') Object.assign(first!, { reply, ok: verdict.ok });
  if (delivery.kind === 'first' || delivery.kind === 'redelivery') script.answer(step, verdict.parsed);
  const report: CallStepReport = { ...base, reply, verdict, ok: verdict.ok };
  // A second delivery is held against the first only when the first passed: else the failure is the first's own.
  if (delivery.kind === 'first' || first?.ok !== true) return report;
  const problem = duplicateProblem(step, reply, first.reply, ignore);
  return problem === undefined ? report : withCheck(report, { name: 'idempotent', severity: 'failure', message: problem });
}

/** Why a second delivery of an event was not answered as the (passed) first one was: refused, or another reply. */
function duplicateProblem(
  step: CallStep,
  reply: ReceivedReply,
  first: ReceivedReply | undefined,
  ignore: readonly (readonly PathSegment[])[],
): string | undefined {
  const verdict = judgeDuplicate({ ok: true }, reply.status);
  if (verdict.judged && !verdict.ok) return verdict.problem;
  // The platform reads no async tool's reply: only the status of a second delivery matters.
  if (step.async === true || first === undefined || first.status < 200 || first.status >= 300) return undefined;
  const { differences } = compareReplies({
    event: step.event,
    recorded: { status: first.status, body: first.body.toString('utf8') },
    replayed: { status: reply.status, body: reply.body },
    recordedRequest: step.document,
    replayedRequest: step.document,
    ignore,
  });
  if (differences.length === 0) return undefined;
  return `the same event delivered again got another reply: ${differences.join('; ')} (not idempotent; --ignore PATH for a value that may change)`;
}

/**
 * A 404 at a URL where another event of this call got a 2xx: the receiver is there but routes this
 * event elsewhere (a route per event, or a framework that matches on something else). Said with the
 * failure; a 2xx is remembered for the steps after it.
 */
function withRouteHint(report: CallStepReport, accepted: Map<string, string>): CallStepReport {
  const url = report.request.url.href;
  const status = report.reply?.status;
  if (status !== undefined && status >= 200 && status < 300 && !accepted.has(url)) accepted.set(url, report.step.event);
  const other = accepted.get(url);
  if (status !== 404 || other === undefined || other === report.step.event) return report;
  return withCheck(report, {
    name: 'status',
    severity: 'failure',
    message: `404 for ${report.step.event} at the URL where ${other} got a 2xx: the receiver is there but does not route ${report.step.event} to its handler (the platform sends every event to the one URL)`,
  });
}

function withCheck(report: CallStepReport, check: Check): CallStepReport {
  const verdict: ReplyVerdict = report.verdict ?? { ok: false, checks: [], parsed: undefined, outcome: [] };
  return { ...report, verdict: { ...verdict, ok: false, checks: [...verdict.checks, check] }, ok: false };
}
