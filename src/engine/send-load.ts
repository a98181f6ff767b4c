import { randomUUID } from 'node:crypto';
import { InputError, UsageError } from '../errors.js';
import { keyIn } from '../platform/dialect.js';
import { type EventType, isEvent } from '../platform/events.js';
import { checkReceivedReply, DEADLINE_WARNING_SHARE } from '../platform/reply-check.js';
import { newToolCallId } from '../platform/scenario.js';
import { asObject } from '../platform/schemas/common.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';
import { runLoad } from '../sending/load.js';
import { failedOf, type LoadStats, reasonCounts } from '../sending/load-stats.js';
import { kneeOf, type RampStep, runRamp } from '../sending/ramp.js';
import { duration } from '../output/units.js';
import { type EventRequestOptions, type PreparedRequest, prepareEventRequest } from './request.js';

interface LoadCommon extends EventRequestOptions {
  /** Asked before each request: true stops sending; the requests in flight still finish. */
  stopped?(): boolean;
}

export interface SendLoadOptions extends LoadCommon {
  /** Requests in all. */
  count: number;
  /** Keep-alive connections, each with one request in flight. */
  concurrency: number;
  onProgress?(done: number): void;
}

/**
 * `count` requests of one event over `concurrency` connections, each re-timestamped and re-signed,
 * every reply judged as `send` judges it (a failure counts under its first failed check).
 */
export async function sendLoad(options: SendLoadOptions): Promise<LoadStats> {
  const request = await prepareEventRequest(options);
  const checkedAs: EventType = isEvent(request.event) ? request.event : 'status-update';
  return runLoad({
    url: options.url,
    count: options.count,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    next: () => {
      const { headers, body } = request.make();
      return { headers, body };
    },
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.stopped !== undefined ? { stopped: options.stopped } : {}),
    judge: (reply) => {
      const verdict = checkReceivedReply({
        event: checkedAs,
        dialect: request.dialect,
        request: request.document,
        reply,
        expectStatus: options.expectStatus,
        ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      });
      return verdict.ok ? undefined : verdict.checks.find((check) => check.severity === 'failure')?.name;
    },
  });
}

export interface RampLoadOptions extends LoadCommon {
  /** The concurrent calls of each step, rising (see rampConcurrencies). */
  concurrencies: readonly number[];
  stepMs: number;
  /** Each call sends one request every everyMs. */
  everyMs: number;
  /** The ramp is about to start: its event and the deadline it is judged against. */
  onStart?(ramp: { event: EventType; deadlineMs: number; thresholdMs: number }): void;
  onStep?(step: RampStep): void;
}

export interface RampOutcome {
  event: EventType;
  deadlineMs: number;
  /** A step holds while its p99 stays under this (80 % of the deadline) and no reply failed. */
  thresholdMs: number;
  steps: RampStep[];
  /** The most concurrent calls that held; undefined when the first step did not. */
  knee: number | undefined;
  /** The answer in one line. */
  answer: string;
}

/** The concurrencies of a ramp FROM..TO by STEP (default FROM), TO always the last. */
export function rampConcurrencies(from: number, to: number, step: number): number[] {
  const steps: number[] = [];
  for (let concurrency = from; concurrency < to; concurrency += step) steps.push(concurrency);
  steps.push(to);
  return steps;
}

/**
 * How many calls does the receiver hold? Raises the concurrent calls step by step — each call its own
 * id, one request every `everyMs` — and finds the knee: the most calls with p99 under 80 % of the
 * deadline and no failed reply. Stops at the first step past it.
 */
export async function rampLoad(options: RampLoadOptions): Promise<RampOutcome> {
  const request = await prepareEventRequest(options);
  if (!isEvent(request.event)) throw new InputError(`the payload is a ${request.event}: --ramp judges the platform's four events`);
  const event = request.event;
  const deadlineMs = options.deadlineMs ?? replyDeadlineMs(event);
  if (deadlineMs === undefined)
    throw new UsageError(`the platform ignores the reply to ${event} and sets it no deadline: give --deadline SECONDS`);
  const thresholdMs = deadlineMs * DEADLINE_WARNING_SHARE;
  options.onStart?.({ event, deadlineMs, thresholdMs });
  const document = asObject(request.document)!;
  // Each call keeps its id from step to step: the calls of a step go on while more join.
  const callIds = Array.from({ length: Math.max(...options.concurrencies) }, () => randomUUID());
  const steps = await runRamp({
    url: options.url,
    concurrencies: options.concurrencies,
    stepMs: options.stepMs,
    everyMs: options.everyMs,
    timeoutMs: options.timeoutMs,
    deadlineMs,
    ...(options.stopped !== undefined ? { stopped: options.stopped } : {}),
    ...(options.onStep !== undefined ? { onStep: options.onStep } : {}),
    next: (lane) => {
      const sent = callDocument(document, callIds[lane]!, request.dialect);
      const { headers, body } = request.make({ url: options.url, document: sent, secret: undefined });
      return {
        request: { headers, body },
        judge: (reply) => {
          const verdict = checkReceivedReply({ event, dialect: request.dialect, request: sent, reply, expectStatus: options.expectStatus });
          return verdict.ok ? undefined : verdict.checks.find((check) => check.severity === 'failure')?.name;
        },
      };
    },
  });
  const knee = kneeOf(steps);
  return { event, deadlineMs, thresholdMs, steps, knee, answer: answerOf(event, steps, knee, deadlineMs) };
}

/** The payload as call `callId` sends it now: its own call id, fresh tool call ids. */
function callDocument(document: Record<string, unknown>, callId: string, dialect: PreparedRequest['dialect']): Record<string, unknown> {
  const sent = structuredClone(document);
  const message = asObject(sent.message)!;
  const call = asObject(message.call);
  if (call !== undefined) call.id = callId;
  const list = message[keyIn(dialect, 'tool_call_list')];
  if (Array.isArray(list)) {
    for (const toolCall of list.map(asObject)) if (toolCall !== undefined) toolCall.id = newToolCallId();
  }
  return sent;
}

/** The answer in one line: "holds 140 concurrent tool-calls within 10 s; at 160 p99 is 9.1 s". */
export function answerOf(event: string, steps: readonly RampStep[], knee: number | undefined, deadlineMs: number): string {
  const past = steps.find((step) => !step.holds);
  const why = (step: RampStep) => {
    const failed = failedOf(step);
    const reasons = reasonCounts(step);
    return failed > 0
      ? `at ${step.concurrency}, ${failed} of ${step.sent} replies failed (${reasons})`
      : `at ${step.concurrency} p99 is ${duration(step.latency.percentile(99))}`;
  };
  const within = `within ${duration(deadlineMs)}`;
  if (knee === undefined) {
    return past === undefined ? 'no step ran' : `does not hold ${past.concurrency} concurrent ${event} ${within}: ${why(past)}`;
  }
  if (past === undefined) {
    const last = steps.at(-1)!;
    return `holds ${knee} concurrent ${event} ${within}, the most tried (p99 ${duration(last.latency.percentile(99))})`;
  }
  return `holds ${knee} concurrent ${event} ${within}; ${why(past)}`;
}
