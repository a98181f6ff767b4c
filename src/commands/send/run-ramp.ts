import { writeFileSync } from 'node:fs';
import { shownUrl } from '../../output/printable.js';
import type { CommandContext } from '../../cli/command-context.js';
import { rampConcurrencies, rampLoad, type RampOutcome } from '../../engine/send-load.js';
import { StopRequest } from '../../cli/stop-request.js';
import { CheckFailed, InputError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { rampChartSvg } from '../../output/ramp-chart.js';
import { Reporter } from '../../output/reporter.js';
import { duration } from '../../output/units.js';
import { failedOf } from '../../sending/load-stats.js';
import type { LoadOptions } from './command.js';
import { eventRequestOf } from './request-flags.js';
import { rampJson, rampRow, rampStepRow } from './load-render.js';

/** `send load EVENT --ramp FROM..TO`: the engine's rampLoad, a row per step, the answer, the chart. */
export async function runRamp(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const { from, to } = options.ramp!;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  // The flags as the engine's options, the receiver among them: parsed once.
  const request = eventRequestOf(name, options, io, reporter);
  const { url } = request;
  const stop = new StopRequest(io.signals);
  let ramp: RampOutcome;
  try {
    ramp = await rampLoad({
      ...request,
      concurrencies: rampConcurrencies(from, to, options.rampStep ?? from),
      stepMs: options.stepSeconds * 1000,
      everyMs: options.every,
      stopped: () => stop.stopped,
      onStart: ({ event, deadlineMs, thresholdMs }) => {
        if (reporter.json) return;
        const each = `each call 1 request every ${duration(options.every)}, ${options.stepSeconds} s a step`;
        reporter.lines([
          `${reporter.style.bold('ramp')} ${event} → ${shownUrl(url)}  deadline ${duration(deadlineMs)} (holds: p99 under ${duration(thresholdMs)}, no failed reply); ${each}`,
          rampRow(['calls', 'req/s', 'p50', 'p99', 'failed']),
        ]);
      },
      onStep: (step) => {
        if (!reporter.json) reporter.line(rampStepRow(step, reporter.style));
      },
    });
  } finally {
    stop.release();
  }
  const answer = `${ramp.answer}${stop.stopped ? ` (${stop.words})` : ''}`;
  if (options.plot !== undefined) writePlot(options.plot, ramp, answer);
  reporter.result(
    () => rampJson(ramp, { url: url.href, everyMs: options.every, stepSeconds: options.stepSeconds, answer, interrupted: stop.stopped }),
    () => [answer],
  );
  if (stop.stopped) throw stop.interrupted();
  if (ramp.knee === undefined) throw new CheckFailed(answer);
}

/** `--plot FILE`: p50 and p99 per step against the deadline and the threshold, the answer as its title. */
function writePlot(file: string, ramp: RampOutcome, answer: string): void {
  const svg = rampChartSvg({
    title: answer,
    points: ramp.steps.map((step) => ({
      concurrency: step.concurrency,
      p50Ms: step.latency.percentile(50),
      p99Ms: step.latency.percentile(99),
      failed: failedOf(step),
    })),
    deadlineMs: ramp.deadlineMs,
    thresholdMs: ramp.thresholdMs,
    knee: ramp.knee,
  });
  try {
    writeFileSync(file, svg);
  } catch (error) {
    throw new InputError(`cannot write --plot ${file}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
}
