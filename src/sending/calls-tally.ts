import type { EventType } from '../platform/events.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';
import type { CallStepReport } from './call.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Distinct failure reasons kept; the rest are counted together, so memory stays flat for any count of calls. */
const MAX_REASONS = 50;
const OTHER_REASONS = 'other reasons';

/** The totals of many calls, kept in constant memory: per-event latency, failures by reason, the slowest call. */
export class CallsTally {
  passed = 0;
  failed = 0;
  readonly latency = new Map<EventType, LatencyHistogram>();
  /** Reason → how many calls failed with it, and the first call that did. */
  readonly failures = new Map<string, { count: number; callId: string }>();
  slowest: { callId: string; ms: number } | undefined;

  step(report: CallStepReport): void {
    if (report.reply === undefined || report.delivery.replyLost === true) return;
    let histogram = this.latency.get(report.step.event);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.latency.set(report.step.event, histogram);
    }
    histogram.record(report.reply.latencyMs);
  }

  call(callId: string, failure: string | undefined, ms: number): void {
    if (failure === undefined) this.passed++;
    else {
      this.failed++;
      const reason = reasonKey(failure);
      const key = this.failures.has(reason) || this.failures.size < MAX_REASONS ? reason : OTHER_REASONS;
      const known = this.failures.get(key);
      if (known === undefined) this.failures.set(key, { count: 1, callId });
      else known.count++;
    }
    if (this.slowest === undefined || ms > this.slowest.ms) this.slowest = { callId, ms };
  }

  /** p50/p90/p99 per event, with the platform's deadline beside them. */
  latencyTable(): {
    event: EventType;
    count: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    deadlineMs: number | undefined;
  }[] {
    return [...this.latency].map(([event, histogram]) => ({
      event,
      count: histogram.count,
      p50: histogram.percentile(50),
      p90: histogram.percentile(90),
      p99: histogram.percentile(99),
      max: histogram.maxMs,
      deadlineMs: replyDeadlineMs(event),
    }));
  }
}

/** One key for the same failure in every call: the ids of a call (UUIDs, tool call ids) and numbers are masked. */
export function reasonKey(failure: string): string {
  return failure
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '…')
    .replace(/\btool_[0-9a-f]+\b/g, 'tool_…')
    .replace(/\b\d+(\.\d+)?\s?(ms|s)\b/g, '… $2');
}
