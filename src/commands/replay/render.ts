import type { ReplayReport } from '../../engine/replay-captures.js';
import type { TestCase } from '../../output/test-report.js';
import type { OutputRecord } from '../../output/records.js';
import { stepFailure } from '../../platform/reply-check.js';
import { callLabel, MARK, type Style } from '../../output/style.js';
import { ms } from '../../output/units.js';
import { printable } from '../../output/printable.js';
import { replyResultJson } from '../send/render.js';

/** `✓ captures.jsonl:3  tool-calls  call 5c4d…  200  12 ms  outcome`, then what failed or differs. */
export function replayLines(report: ReplayReport, style: Style): string[] {
  const what = printable(
    `${report.event ?? '?'}  ${report.callId !== undefined ? `call ${callLabel(report.callId, true)}` : 'no call id'}`,
  );
  const head = `${report.ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${style.dim(printable(report.location))}  ${style.bold(what)}`;
  if (report.reply === undefined || report.verdict === undefined) return [`${head}  ${style.red(printable(report.failure ?? 'no reply'))}`];
  const status = report.reply.status < 300 ? style.green(String(report.reply.status)) : style.red(String(report.reply.status));
  const outcome = report.verdict.outcome[0];
  const lines = [`${head}  ${status}  ${ms(report.reply.latencyMs)}${outcome !== undefined ? `  ${style.cyan(printable(outcome))}` : ''}`];
  for (const check of report.verdict.checks) {
    if (check.severity === 'pass') continue;
    const mark = check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail);
    lines.push(`    ${mark} ${check.name}: ${printable(check.message)}`);
  }
  const comparison = report.comparison;
  if (comparison?.notCompared !== undefined) lines.push(`    ${style.yellow(MARK.warn)} compare: not compared: ${comparison.notCompared}`);
  for (const difference of comparison?.differences ?? []) lines.push(`    ${style.red(MARK.fail)} compare: ${printable(difference)}`);
  return lines;
}

export function replayJson(report: ReplayReport): OutputRecord<'replay'> {
  return {
    type: 'replay',
    location: report.location,
    event: report.event ?? null,
    call_id: report.callId ?? null,
    request: { headers: report.request.headers, bytes: report.request.body.length },
    ...replyResultJson(report),
    ...(report.comparison !== undefined
      ? {
          compare: {
            differences: report.comparison.differences,
            ...(report.comparison.notCompared !== undefined ? { not_compared: report.comparison.notCompared } : {}),
          },
        }
      : {}),
    ok: report.ok,
  };
}

/** A replayed request as a JUnit case: what failed, and what differs from the recorded reply. */
export function replayCase(report: ReplayReport): TestCase {
  return {
    name: `${report.location} ${report.event ?? '?'}${report.callId !== undefined ? ` call ${report.callId}` : ''}`,
    ...(report.ok
      ? {}
      : {
          failure: [stepFailure(report), ...(report.comparison?.differences ?? []).map((d) => `compare: ${d}`)].filter(Boolean).join('; '),
        }),
    seconds: (report.reply?.latencyMs ?? 0) / 1000,
  };
}
