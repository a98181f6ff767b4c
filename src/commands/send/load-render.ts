import { failedOf, type LoadStats } from '../../sending/load-stats.js';
import { shownUrl } from '../../output/printable.js';
import type { RampStep } from '../../sending/ramp.js';
import type { RampOutcome } from '../../engine/send-load.js';
import type { ArtilleryProjectWritten } from '../../engine/artillery.js';
import type { Style } from '../../output/style.js';
import { duration, ms } from '../../output/units.js';
import type { LoadFigures, OutputRecord } from '../../output/records.js';

export interface LoadReport {
  url: string;
  expect: string;
  concurrency: number;
  stats: LoadStats;
  /** Set when Ctrl-C stopped the run before `count`: the figures are of what was sent so far. */
  /** Stopped before `count` by a signal: `by` says which (`stopped by SIGTERM`). */
  interruptedAt?: { count: number; by: string };
}

export function loadJson(report: LoadReport): OutputRecord<'load'> {
  return {
    type: 'load',
    url: shownUrl(report.url),
    concurrency: report.concurrency,
    ...statsJson(report.stats),
    expect: report.expect,
    ...(report.interruptedAt ? { interrupted: true, count: report.interruptedAt.count } : {}),
  };
}

/** The figures of a load run, or of one step of a ramp. */
export function statsJson(stats: LoadStats): LoadFigures {
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    sent: stats.sent,
    elapsed_ms: round(stats.elapsedMs),
    answered: stats.answered,
    // Throughput is of answered requests: a connection reset is no throughput.
    requests_per_second: round(stats.answered / (stats.elapsedMs / 1000)),
    latency_ms: {
      mean: round(stats.latency.meanMs),
      p50: round(stats.latency.percentile(50)),
      p90: round(stats.latency.percentile(90)),
      p99: round(stats.latency.percentile(99)),
      max: round(stats.latency.maxMs),
    },
    statuses: Object.fromEntries(stats.statuses),
    errors: Object.fromEntries(stats.errors),
    failures: Object.fromEntries(stats.failures),
  };
}

export function loadLines(report: LoadReport, style: Style): string[] {
  const json = loadJson(report) as {
    requests_per_second: number;
    latency_ms: Record<string, number>;
    statuses: Record<string, number>;
    errors: Record<string, number>;
    failures: Record<string, number>;
  };
  const statuses =
    Object.entries(json.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ') || 'none';
  const counts = (map: Record<string, number>) =>
    Object.entries(map)
      .map(([kind, count]) => `${kind}: ${count}`)
      .join(', ');
  const errors = counts(json.errors);
  const failures = counts(json.failures);
  return [
    `${style.bold('load')} ${shownUrl(report.url)}  ${report.stats.sent} requests${report.interruptedAt ? ` (${report.interruptedAt.by}, of ${report.interruptedAt.count})` : ''}, ${report.concurrency} connections, ${(report.stats.elapsedMs / 1000).toFixed(2)} s`,
    `  ${style.bold(`${Math.round(json.requests_per_second)} requests/s`)} answered`,
    `  latency  p50 ${ms(json.latency_ms.p50!)}  p90 ${ms(json.latency_ms.p90!)}  p99 ${ms(json.latency_ms.p99!)}  max ${ms(json.latency_ms.max!)}`,
    `  status   ${statuses}`,
    ...(failures ? [`  ${style.red(`failed   ${failures}`)}`] : []),
    ...(errors ? [`  ${style.red(`errors   ${errors}`)}`] : []),
  ];
}

/** `send load --ramp`'s record: every step, the knee and the answer. */
export function rampJson(
  ramp: RampOutcome,
  run: { url: string; everyMs: number; stepSeconds: number; answer: string; interrupted: boolean },
): OutputRecord<'ramp'> {
  return {
    type: 'ramp',
    url: shownUrl(run.url),
    event: ramp.event,
    deadline_ms: ramp.deadlineMs,
    threshold_ms: ramp.thresholdMs,
    every_ms: run.everyMs,
    step_seconds: run.stepSeconds,
    steps: ramp.steps.map((step) => ({ concurrency: step.concurrency, ...statsJson(step), holds: step.holds })),
    knee: ramp.knee ?? null,
    answer: run.answer,
    ...(run.interrupted ? { interrupted: true } : {}),
  };
}

export function rampRow(cells: readonly string[]): string {
  const widths = [7, 9, 10, 10, 8];
  return `  ${cells.map((cell, at) => (at < widths.length ? cell.padStart(widths[at]!) : cell)).join(' ')}`;
}

export function rampStepRow(step: RampStep, style: Style): string {
  return rampRow([
    String(step.concurrency),
    (step.answered / (step.elapsedMs / 1000)).toFixed(1),
    duration(step.latency.percentile(50)),
    duration(step.latency.percentile(99)),
    String(failedOf(step)),
    step.holds ? style.green('holds') : style.red('past the knee'),
  ]);
}

/** `send load --emit artillery`: the project written, and the command that runs it. */
export function emitJson(written: ArtilleryProjectWritten): OutputRecord<'emit'> {
  return {
    type: 'emit',
    engine: 'artillery',
    dir: written.dir,
    files: written.files,
    requests_per_user: written.requestsPerUser,
    run: written.run,
  };
}
