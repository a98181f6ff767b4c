import { DEADLINE_WARNING_SHARE } from '../platform/reply-check.js';
import type { NetworkFailure, ReceivedReply } from './http.js';
import { dispatchPost, loadPool, type SignedRequest } from './load.js';
import { countIn, emptyStats, type LoadStats } from './load-stats.js';

export interface RampOptions {
  url: URL;
  /** The concurrent calls of each step, rising. */
  concurrencies: readonly number[];
  stepMs: number;
  /** Each call sends one request every everyMs. */
  everyMs: number;
  timeoutMs: number;
  deadlineMs: number;
  /** Call `lane`'s next request, signed now, with the judge of its reply (a reason when it failed). */
  next: (lane: number) => { request: SignedRequest; judge(reply: ReceivedReply): string | undefined };
  onStep?: (step: RampStep) => void;
  /** Asked before each request: true ends the ramp; the requests in flight still finish. */
  stopped?: () => boolean;
}

export interface RampStep extends LoadStats {
  concurrency: number;
  /** Its p99 stays under the share of the deadline and no reply failed. */
  holds: boolean;
}

/** A step holds when every request got a reply that passed, and p99 stays under 80 % of the deadline. */
export function stepHolds(stats: LoadStats, deadlineMs: number): boolean {
  return (
    stats.sent > 0 &&
    stats.answered === stats.sent &&
    stats.failures.size === 0 &&
    stats.latency.percentile(99) < deadlineMs * DEADLINE_WARNING_SHARE
  );
}

/** The highest concurrency of the steps that held before the first that did not; undefined when the first did not. */
export function kneeOf(steps: readonly RampStep[]): number | undefined {
  let knee: number | undefined;
  for (const step of steps) {
    if (!step.holds) break;
    knee = step.concurrency;
  }
  return knee;
}

/**
 * Runs the steps in turn and stops after the first one that does not hold: past the knee more load
 * only hurts the receiver. A receiver that refuses every connection of the first step is a NetworkFailure.
 */
export async function runRamp(options: RampOptions): Promise<RampStep[]> {
  const pool = loadPool(options.url, Math.max(...options.concurrencies), options.timeoutMs);
  const steps: RampStep[] = [];
  try {
    for (const concurrency of options.concurrencies) {
      if (options.stopped?.() === true) break;
      const { step, refused } = await runStep(pool, concurrency, options);
      if (refused !== undefined && steps.length === 0 && step.answered === 0) throw refused;
      // A step cut short by Ctrl-C measured less than a step: the curve keeps the whole ones.
      if (options.stopped?.() === true) break;
      steps.push(step);
      options.onStep?.(step);
      if (!step.holds) break;
    }
  } finally {
    if (!pool.destroyed) await pool.destroy();
  }
  return steps;
}

/**
 * One step: `concurrency` calls, each due to send a request every everyMs (the calls spread evenly over
 * the first pace), for stepMs. Latency counts from when a request was due, not from when it went out:
 * a receiver that falls behind delays a call's next request, and that wait counts too (no coordinated omission).
 */
function runStep(
  pool: ReturnType<typeof loadPool>,
  concurrency: number,
  options: RampOptions,
): Promise<{ step: RampStep; refused?: NetworkFailure }> {
  const stats = emptyStats();
  const start = performance.now();
  const end = start + options.stepMs;
  let running = concurrency;
  let refused: NetworkFailure | undefined;
  return new Promise((resolve) => {
    const laneDone = () => {
      if (--running > 0) return;
      stats.elapsedMs = performance.now() - start;
      resolve({ step: { ...stats, concurrency, holds: stepHolds(stats, options.deadlineMs) }, ...(refused ? { refused } : {}) });
    };
    const fire = (lane: number, due: number) => {
      stats.sent++;
      const { request, judge } = options.next(lane);
      dispatchPost(pool, options.url, request, { timeoutMs: options.timeoutMs, keepBody: true }, (outcome) => {
        if ('failure' in outcome) {
          countIn(stats.errors, outcome.failure.kind);
          if (outcome.failure.kind === 'refused') refused = outcome.failure;
        } else {
          const latencyMs = performance.now() - due;
          stats.latency.record(latencyMs);
          countIn(stats.statuses, outcome.reply.status);
          stats.answered++;
          const reason = latencyMs > options.deadlineMs ? 'late' : judge({ ...outcome.reply, latencyMs });
          if (reason !== undefined) countIn(stats.failures, reason);
        }
        schedule(lane, due + options.everyMs);
      });
    };
    const schedule = (lane: number, due: number) => {
      if (due >= end || options.stopped?.() === true) {
        laneDone();
        return;
      }
      const wait = due - performance.now();
      if (wait > 0) setTimeout(() => fire(lane, due), wait);
      else fire(lane, due);
    };
    for (let lane = 0; lane < concurrency; lane++) schedule(lane, start + (lane * options.everyMs) / concurrency);
  });
}
