import { NetworkFailure, postOnce, type OutgoingRequest, type ReceivedReply } from './http.js';
import { checkReceivedReply, type ReplyVerdict } from '../platform/reply-check.js';
import type { CallScript, CallStep } from '../platform/scenario.js';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { sign, unsignedHeaders } from '../signing/signature.js';

export interface CallStepReport {
  index: number;
  step: CallStep;
  request: OutgoingRequest;
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
  /** Why no reply came (a timeout). */
  failure?: string;
  ok: boolean;
}

export interface PlayOptions {
  url: URL;
  /** Unsigned when undefined, as the platform does for an assistant without webhook_secret. */
  secret: string | undefined;
  timeoutMs: number;
  /** Wait between steps. */
  paceMs: number;
  onStep(report: CallStepReport): void;
  clock?: Clock;
}

/**
 * Sends a call's events in order, each signed at the moment it is sent, feeding every reply back
 * into the script; stops at the first step whose reply fails its checks. A receiver that cannot be
 * reached throws NetworkFailure.
 */
export async function playCall(script: CallScript, options: PlayOptions): Promise<{ passed: number; failed: number }> {
  const clock = options.clock ?? systemClock;
  let passed = 0;
  for (let step = script.next(), index = 1; step !== undefined; step = script.next(), index++) {
    if (index > 1 && options.paceMs > 0) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
    const body = Buffer.from(JSON.stringify(step.document));
    const timestamp = unixSecondsOf(clock);
    const headers: Record<string, string> =
      options.secret === undefined
        ? { ...unsignedHeaders({ body, timestamp, event: step.event }) }
        : { ...sign({ body, secret: options.secret, timestamp, event: step.event }) };
    const request = { url: options.url, headers, body };
    let report: CallStepReport;
    try {
      const reply = await postOnce(request, options.timeoutMs, clock);
      const verdict = checkReceivedReply({ event: step.event, dialect: step.dialect, request: step.document, reply });
      report = { index, step, request, reply, verdict, ok: verdict.ok };
      script.answer(step, verdict.parsed);
    } catch (error) {
      if (!(error instanceof NetworkFailure) || (error.kind !== 'timeout' && error.kind !== 'reset')) throw error;
      report = { index, step, request, failure: error.message, ok: false };
    }
    options.onStep(report);
    if (!report.ok) return { passed, failed: 1 };
    passed++;
  }
  return { passed, failed: 0 };
}
