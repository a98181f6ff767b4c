import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, InputError, Interrupted, UsageError } from '../../errors.js';
import { whyUnreadable } from '../../input.js';
import { rampChartSvg } from '../../output/ramp-chart.js';
import { Reporter } from '../../output/reporter.js';
import { duration, type Style } from '../../output/style.js';
import { keyIn } from '../../platform/dialect.js';
import { isEvent } from '../../platform/events.js';
import { checkReceivedReply, DEADLINE_WARNING_SHARE } from '../../platform/reply-check.js';
import { newToolCallId } from '../../platform/scenario.js';
import { asObject } from '../../platform/schemas/common.js';
import { replyDeadlineMs } from '../../platform/schemas/index.js';
import { failedOf } from '../../sending/load.js';
import { kneeOf, type RampStep, runRamp as runRampSteps } from '../../sending/ramp.js';
import { parseTarget } from '../../sending/target.js';
import type { LoadOptions } from './command.js';
import { statsJson } from './render.js';
import { prepareRequest } from '../../engine/request.js';

/** The concurrencies of `--ramp FROM..TO` by `--ramp-step` (default FROM), TO always the last. */
export function rampConcurrencies(from: number, to: number, step: number): number[] {
  const steps: number[] = [];
  for (let concurrency = from; concurrency < to; concurrency += step) steps.push(concurrency);
  steps.push(to);
  return steps;
}

/**
 * `send load EVENT --ramp FROM..TO`: raises the concurrent calls step by step and finds the knee, the
 * most calls the receiver holds with p99 under 80 % of the deadline and no failed reply.
 */
export async function runRamp(name: string | undefined, options: LoadOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const { from, to } = options.ramp!;
  const concurrencies = rampConcurrencies(from, to, options.rampStep ?? from);
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  const url = parseTarget(options.to);
  const prepared = await prepareRequest(name, url, options, io, (text) => reporter.note(text));
  if (!isEvent(prepared.event)) throw new InputError(`the payload is a ${prepared.event}: --ramp judges the platform's four events`);
  const event = prepared.event;
  const deadlineMs = options.deadline !== undefined ? options.deadline * 1000 : replyDeadlineMs(event);
  if (deadlineMs === undefined) {
    throw new UsageError(`the platform ignores the reply to ${event} and sets it no deadline: give --deadline SECONDS`);
  }
  const d = prepared.dialect;
  const document = asObject(prepared.document)!;
  // Each call keeps its id from step to step: the calls of a step go on while more join.
  const callIds = Array.from({ length: to }, () => randomUUID());
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  io.signals.once('SIGINT', onInterrupt);
  const thresholdMs = deadlineMs * DEADLINE_WARNING_SHARE;
  const header = `${reporter.style.bold('ramp')} ${event} → ${url.href}  deadline ${duration(deadlineMs)} (holds: p99 under ${duration(thresholdMs)}, no failed reply); each call 1 request every ${duration(options.pace)}, ${options.stepSeconds} s a step`;
  if (!reporter.json) reporter.lines([header, rowOf(['calls', 'req/s', 'p50', 'p99', 'failed'])]);
  let steps: RampStep[];
  try {
    steps = await runRampSteps({
      url,
      concurrencies,
      stepMs: options.stepSeconds * 1000,
      paceMs: options.pace,
      timeoutMs: options.timeout * 1000,
      deadlineMs,
      stopped: () => interrupted,
      next: (lane) => {
        const sent = structuredClone(document);
        const message = asObject(sent.message)!;
        const call = asObject(message.call);
        if (call !== undefined) call.id = callIds[lane];
        const list = message[keyIn(d, 'tool_call_list')];
        if (Array.isArray(list)) {
          for (const toolCall of list.map(asObject)) if (toolCall !== undefined) toolCall.id = newToolCallId();
        }
        const { headers, body } = prepared.make({ url, document: sent, secret: undefined });
        return {
          request: { headers, body },
          judge: (reply) => {
            const verdict = checkReceivedReply({ event, dialect: d, request: sent, reply, expectStatus: options.expectStatus });
            return verdict.ok ? undefined : verdict.checks.find((check) => check.severity === 'failure')?.name;
          },
        };
      },
      onStep: (step) => {
        if (!reporter.json) reporter.line(stepRow(step, reporter.style));
      },
    });
  } finally {
    io.signals.off('SIGINT', onInterrupt);
  }
  const knee = kneeOf(steps);
  const answer = `${answerOf(event, steps, knee, deadlineMs)}${interrupted ? ' (stopped by Ctrl-C)' : ''}`;
  if (options.plot !== undefined) {
    const svg = rampChartSvg({
      title: answer,
      points: steps.map((step) => ({
        concurrency: step.concurrency,
        p50Ms: step.latency.percentile(50),
        p99Ms: step.latency.percentile(99),
        failed: failedOf(step),
      })),
      deadlineMs,
      thresholdMs,
      knee,
    });
    try {
      writeFileSync(options.plot, svg);
    } catch (error) {
      throw new InputError(`cannot write --plot ${options.plot}: ${whyUnreadable(error) ?? (error as Error).message}`);
    }
  }
  reporter.result(
    () => ({
      type: 'ramp',
      url: url.href,
      event,
      deadline_ms: deadlineMs,
      threshold_ms: thresholdMs,
      pace_ms: options.pace,
      step_seconds: options.stepSeconds,
      steps: steps.map(stepJson),
      knee: knee ?? null,
      answer,
      ...(interrupted ? { interrupted: true } : {}),
    }),
    () => [answer],
  );
  if (interrupted) throw new Interrupted();
  if (knee === undefined) throw new CheckFailed(answer);
}

/** The answer in one line: "holds 140 concurrent tool-calls within 10 s; at 160 p99 is 9.1 s". */
export function answerOf(event: string, steps: readonly RampStep[], knee: number | undefined, deadlineMs: number): string {
  const past = steps.find((step) => !step.holds);
  const why = (step: RampStep) => {
    const failed = failedOf(step);
    const reasons = [...step.failures, ...step.errors].map(([reason, count]) => `${reason} ${count}`).join(', ');
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

function stepJson(step: RampStep): Record<string, unknown> {
  return { concurrency: step.concurrency, ...statsJson(step), holds: step.holds };
}

function rowOf(cells: readonly string[]): string {
  const widths = [7, 9, 10, 10, 8];
  return `  ${cells.map((cell, at) => (at < widths.length ? cell.padStart(widths[at]!) : cell)).join(' ')}`;
}

function stepRow(step: RampStep, style: Style): string {
  const failed = failedOf(step);
  return rowOf([
    String(step.concurrency),
    (step.answered / (step.elapsedMs / 1000)).toFixed(1),
    duration(step.latency.percentile(50)),
    duration(step.latency.percentile(99)),
    String(failed),
    step.holds ? style.green('holds') : style.red('past the knee'),
  ]);
}
