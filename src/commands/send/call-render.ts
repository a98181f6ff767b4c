import type { CallStepReport } from '../../sending/call.js';
import { type CallEvent, callsAtOnce, deliveryTag, type PlayCallsOptions, type PlayedCall } from '../../engine/play-calls.js';
import { stepFailure } from '../../platform/reply-check.js';
import type { SummaryOptions } from '../../output/reporter.js';
import type { TestReport } from '../../output/test-report.js';
import { reproduceArgs } from './chaos-options.js';
import type { CallsTally } from '../../sending/calls-tally.js';
import { type CallPlan, describeFault, type Fault } from '../../platform/delivery-faults.js';
import { MARK, summaryLine, type Style } from '../../output/style.js';
import { ms } from '../../output/units.js';
import { printable, shownUrl } from '../../output/printable.js';
import { replyResultJson } from './render.js';
import type { OutputRecord } from '../../output/records.js';

/** One step of a played call: event, status, latency, and what the platform makes of the reply. */
export function callStepLines(report: CallStepReport, style: Style): string[] {
  const { step } = report;
  const tag = deliveryTag(report.delivery);
  const route =
    step.route !== undefined
      ? `  ${style.dim(`→ ${printable(shownUrl(step.route.url))}${step.route.source === 'route' ? ' (--route)' : ''}`)}`
      : '';
  const mark = report.ok ? style.green(MARK.pass) : style.red(MARK.fail);
  const head = `${mark} ${String(report.index).padStart(2)}  ${style.bold(step.event)}  ${style.dim(step.label)}${step.async ? style.dim(' (async)') : ''}${route}${tag ? `  ${style.yellow(tag)}` : ''}`;
  if (report.reply === undefined || report.verdict === undefined) return [`${head}  ${style.red(report.failure ?? 'no reply')}`];
  const status = report.reply.status < 300 ? style.green(String(report.reply.status)) : style.red(String(report.reply.status));
  const lines = [
    `${head}  ${status}  ${ms(report.reply.latencyMs)}${report.verdict.outcome[0] ? `  ${style.cyan(printable(report.verdict.outcome[0]))}` : ''}`,
  ];
  for (const check of report.verdict.checks) {
    if (check.severity === 'pass') continue;
    lines.push(
      `      ${check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail)} ${check.name}: ${printable(check.message)}`,
    );
  }
  return lines;
}

export function callStepJson(report: CallStepReport, callId: string): OutputRecord<'step'> {
  return {
    type: 'step',
    index: report.index,
    event: report.step.event,
    label: report.step.label,
    call_id: callId,
    ...(report.step.route !== undefined ? { route: { url: shownUrl(report.step.route.url), source: report.step.route.source } } : {}),
    ...(report.step.async ? { async: true } : {}),
    delivery: report.delivery.kind,
    ...(report.delivery.fault !== undefined
      ? {
          fault: report.delivery.fault.fault,
          variant: report.delivery.fault.variant,
          ...(report.delivery.replyLost ? { reply_lost: true } : {}),
        }
      : {}),
    ...replyResultJson(report),
    ok: report.ok,
  };
}

/** The plan of a chaos run, before it is played: each delivery in order, and the faults that no step could carry. */
export function planJson(plan: CallPlan, seed: number | undefined): OutputRecord<'plan'> {
  let index = 0;
  return {
    type: 'plan',
    ...(seed !== undefined ? { seed } : {}),
    faults: plan.faults.map((planned) => ({ ...planned, description: describeFault(planned) })),
    skipped: plan.skipped,
    deliveries: plan.groups.flatMap((group, at) =>
      group.map((delivery) => ({
        index: ++index,
        step: delivery.step,
        kind: delivery.kind,
        ...(delivery.fault !== undefined ? { fault: delivery.fault.fault } : {}),
        ...(group.length > 1 ? { with: `group ${at + 1}` } : {}),
      })),
    ),
  };
}

export function planLines(plan: CallPlan, seed: number | undefined, reproduce: string | undefined, style: Style): string[] {
  const lines = [
    `${style.bold('plan')}${seed !== undefined ? ` · seed ${seed}` : ''}${reproduce ? style.dim(` (${reproduce} to play it again)`) : ''}`,
  ];
  let index = 0;
  for (const group of plan.groups) {
    group.forEach((delivery, at) => {
      const together = group.length > 1 && at > 0 ? style.dim(' ↳ at once with the one above') : '';
      const tag = deliveryTag(delivery);
      lines.push(
        `  ${String(++index).padStart(2)}  ${delivery.step}${delivery.kind === 'first' ? '' : ` (${delivery.kind})`}${tag ? `  ${style.yellow(tag)}` : ''}${together}`,
      );
    });
  }
  for (const planned of plan.faults.filter((fault) => fault.fault === 'drop')) {
    lines.push(`   -  ${planned.step}  ${style.yellow(`[${describeFault(planned)}]`)}`);
  }
  for (const skipped of plan.skipped) lines.push(style.dim(`  ${skipped.fault}: not planned, ${skipped.why}`));
  return lines;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The totals of many calls: passed and failed, latency per event against its deadline, failures by reason, the slowest call. */
/** Many calls stopped before their count by a signal: how it is said, and the count asked for. */
export interface CallsStopped {
  signal: string;
  words: string;
  of: number;
}

export function callsJson(tally: CallsTally, seed: number | undefined, stopped?: CallsStopped): OutputRecord<'summary'> {
  return {
    type: 'summary',
    calls: tally.passed + tally.failed,
    ...(stopped !== undefined ? { stopped_by: stopped.signal, of: stopped.of } : {}),
    passed: tally.passed,
    failed: tally.failed,
    ...(seed !== undefined ? { seed } : {}),
    latency_ms: Object.fromEntries(
      tally.latencyTable().map((row) => [
        row.event,
        {
          count: row.count,
          p50: round1(row.p50),
          p90: round1(row.p90),
          p99: round1(row.p99),
          max: round1(row.max),
          deadline: row.deadlineMs ?? null,
        },
      ]),
    ),
    failures: Object.fromEntries([...tally.failures].map(([reason, { count, callId }]) => [reason, { count, first_call_id: callId }])),
    slowest: tally.slowest === undefined ? null : { call_id: tally.slowest.callId, ms: round1(tally.slowest.ms) },
  };
}

export function callsLines(
  tally: CallsTally,
  style: Style,
  reproduce: string | undefined,
  failedCall?: number,
  stopped?: CallsStopped,
): string[] {
  const lines = ['', style.bold('latency per event (reply time; the platform waits the deadline)')];
  for (const row of tally.latencyTable()) {
    const deadline = row.deadlineMs === undefined ? 'no deadline' : `deadline ${row.deadlineMs / 1000} s`;
    const late = row.deadlineMs !== undefined && row.p99 > row.deadlineMs;
    const p99 = late ? style.red(ms(row.p99)) : ms(row.p99);
    lines.push(
      `  ${row.event.padEnd(19)} ${String(row.count).padStart(6)}  p50 ${ms(row.p50)}  p90 ${ms(row.p90)}  p99 ${p99}  max ${ms(row.max)}  ${style.dim(deadline)}`,
    );
  }
  if (tally.failures.size > 0) {
    lines.push(style.bold('failures by reason'));
    for (const [reason, { count, callId }] of [...tally.failures].sort((a, b) => b[1].count - a[1].count)) {
      lines.push(`  ${style.red(String(count).padStart(6))}  ${printable(reason)} ${style.dim(`(first: call ${callId})`)}`);
    }
  }
  if (tally.slowest !== undefined) lines.push(`${style.bold('slowest call')} ${tally.slowest.callId}: ${ms(tally.slowest.ms)}`);
  const again =
    reproduce === undefined ? '' : ` · reproduce${failedCall !== undefined ? ` call ${failedCall}` : ''}: send call ${reproduce}`;
  const played = tally.passed + tally.failed;
  const cut = stopped === undefined ? '' : ` (${stopped.words} after ${played} of ${stopped.of} calls)`;
  lines.push(`calls: ${summaryLine(tally.passed, tally.failed, style)}${cut}${again}`);
  return lines;
}

/** How `send call` shows what the engine reports: one call in full, many calls a line per failed call. */
export interface CallsView {
  label: string;
  url: string;
  many: boolean;
  chaos: { faults: readonly Fault[]; seed: number } | undefined;
  style: Style;
}

/** Shown before many calls: how many, how many at once, the scenario, the run's seed. */
export function callsHeading(play: PlayCallsOptions, view: CallsView): string {
  const calls = play.calls ?? 1;
  const concurrency = callsAtOnce(play);
  return `${view.style.bold(`${calls} calls`)} · ${concurrency} at a time · ${view.label} · ${play.dialect ?? 'hms'}${view.chaos !== undefined ? ` · seed ${view.chaos.seed}` : ''} → ${view.url}`;
}

/** An event of the engine as a record and as lines; undefined when this view does not show it. */
export function callEventView(
  event: CallEvent,
  play: PlayCallsOptions,
  view: CallsView,
): { json?: () => object; text: () => readonly string[] } | undefined {
  const { style } = view;
  if (view.many) return event.type === 'call' ? callDoneView(event.call, event.done, style) : undefined;
  switch (event.type) {
    case 'start': {
      const reproduce = event.seed !== undefined && view.chaos !== undefined ? reproduceArgs(view.chaos.faults, event.seed) : undefined;
      const heading = `${style.bold('call')} ${event.callId} · ${view.label} · ${play.dialect ?? 'hms'}${play.web ? ' · web' : ''}${play.fail ? ' · fails' : ''} → ${view.url}`;
      const plan = event.plan;
      return {
        ...(plan !== undefined ? { json: () => planJson(plan, event.seed) } : {}),
        text: () => [...(plan !== undefined ? planLines(plan, event.seed, reproduce, style) : []), heading],
      };
    }
    case 'step':
      return { json: () => callStepJson(event.report, event.callId), text: () => callStepLines(event.report, style) };
    case 'not-sent':
      return {
        json: () => ({ type: 'not-sent', event: event.step.event, label: event.step.label, call_id: event.callId, reason: event.reason }),
        text: () => [style.dim(`–     ${event.step.event}  ${event.step.label}  ${event.reason}`)],
      };
    case 'end-check':
      if (event.failure === undefined) return undefined;
      return {
        json: () => ({ type: 'check', phase: 'end', call_id: event.callId, ok: false, message: event.failure }),
        text: () => [`${style.red('✗')} check at the end of the call: ${event.failure}`],
      };
    default:
      return undefined;
  }
}

/** One of many calls, done: a record each, a line when it failed (with the seed that plays it again). */
function callDoneView(call: number, done: PlayedCall, style: Style) {
  return {
    json: () => ({
      type: 'call',
      index: call,
      call_id: done.callId,
      ...(done.seed !== undefined ? { seed: done.seed } : {}),
      faults: done.plan?.faults.map((planned) => planned.fault) ?? [],
      passed: done.result.passed,
      failed: done.result.failed,
      ...(done.failure !== undefined ? { failure: done.failure } : {}),
    }),
    text: () =>
      done.failure === undefined
        ? []
        : [`${style.red('✗')} call ${call} ${done.callId}${done.seed !== undefined ? ` (seed ${done.seed})` : ''}: ${done.failure}`],
  };
}

/** The JUnit cases of a played call: a case per delivery, and one for the check at the end. */
export function callEventCase(testReport: TestReport, event: CallEvent, view: CallsView): void {
  const suite = view.many ? `send call ${view.label} call ${event.call}` : `send call ${view.label} → ${view.url}`;
  if (event.type === 'step') {
    const { report } = event;
    testReport.add(suite, () => {
      const tag = deliveryTag(report.delivery);
      return {
        name: `${String(report.index).padStart(2, '0')} ${report.step.event} ${report.step.label}${tag ? ` ${tag}` : ''} call ${event.callId}`,
        ...(report.ok ? {} : { failure: stepFailure(report) }),
        seconds: (report.reply?.latencyMs ?? 0) / 1000,
      };
    });
  } else if (event.type === 'end-check') {
    testReport.add(suite, () => ({
      name: `end check call ${event.callId}`,
      ...(event.failure !== undefined ? { failure: event.failure } : {}),
      seconds: 0,
    }));
  }
}

/** One call's summary: its steps (and fuzzed tools), where it stopped, the seed and what plays it again. */
export function callSummary(
  played: PlayedCall,
  fuzzed: { passed: number; failed: number } | undefined,
  chaos: { faults: readonly Fault[]; seed: number } | undefined,
  fuzzSeed: number | undefined,
): SummaryOptions & { passed: number; failed: number } {
  const { result } = played;
  const stopped = result.failed > 0 && result.endCheckFailure === undefined;
  const seed = chaos?.seed ?? fuzzSeed;
  return {
    passed: result.passed + (fuzzed?.passed ?? 0),
    failed: result.failed + (fuzzed?.failed ?? 0),
    fields: { call_id: played.callId, ...(seed !== undefined ? { seed } : {}) },
    suffix: `${stopped ? ' (the call stopped at the failed step)' : ''}${chaos !== undefined ? ` · reproduce: send call ${reproduceArgs(chaos.faults, chaos.seed)}` : ''}`,
  };
}
