import type { SendReport } from '../../engine/send-event.js';
import { routeSourceText } from '../../platform/assistant-tools.js';
import type { ReceivedReply } from '../../sending/http.js';
import type { ReplyVerdict } from '../../platform/reply-check.js';
import { MARK, type Style } from '../../output/style.js';
import { ms } from '../../output/units.js';
import { printable, shownUrl } from '../../output/printable.js';
import type { OutputRecord, ReplyResultFields } from '../../output/records.js';

/** `check_stock (its own url)`, `lookup (--route)`: which tools a routed request carries, and where that route came from. */
function routeText(route: NonNullable<SendReport['route']>, async: boolean | undefined): string {
  return `${route.tools.join(', ')} (${routeSourceText(route.source)}${async ? ', async' : ''})`;
}

function replyText(body: Buffer, parsed: unknown): string {
  if (parsed !== undefined) return JSON.stringify(parsed, null, 2);
  const text = body.toString('utf8');
  return text === '' ? '(empty body)' : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export function sendLines(report: SendReport, style: Style, verbose: boolean): string[] {
  const repeat = report.repeat > 1 ? ` [${report.attempt}/${report.repeat}]` : '';
  const routed = report.route !== undefined ? ` · ${printable(routeText(report.route, report.async))}` : '';
  const lines = [
    `${style.bold('→ POST')} ${printable(shownUrl(report.url))}  ${report.event}${routed} · ${report.dialect} · ${report.signedWith}${repeat}`,
  ];
  if (verbose) {
    for (const [name, value] of Object.entries(report.request.headers)) lines.push(style.dim(`  ${name}: ${printable(value)}`));
    lines.push(style.dim(`  ${printable(report.request.body.toString('utf8'))}`));
  }
  if (report.failure !== undefined || report.reply === undefined || report.verdict === undefined) {
    lines.push(`${style.red(MARK.fail)} ${report.failure ?? 'no reply'}`);
    return lines;
  }
  const { reply, verdict } = report;
  lines.push(
    `${style.bold('←')} ${reply.status >= 200 && reply.status < 300 ? style.green(String(reply.status)) : style.red(String(reply.status))}  ${ms(reply.latencyMs)}`,
  );
  if (reply.body.length > 0)
    lines.push(
      ...replyText(reply.body, verdict.parsed)
        .split('\n')
        .map((line) => `  ${printable(line)}`),
    );
  for (const check of verdict.checks) {
    if (check.severity === 'pass' && !verbose) continue;
    const mark =
      check.severity === 'pass' ? style.green(MARK.pass) : check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail);
    lines.push(`${mark} ${check.name}: ${printable(check.message)}`);
  }
  for (const outcome of verdict.outcome) lines.push(`  ${style.cyan('platform:')} ${printable(outcome)}`);
  lines.push(verdict.ok ? style.green(`${MARK.pass} reply ok`) : style.red(`${MARK.fail} reply failed`));
  return lines;
}

export function sendJson(report: SendReport, verbose: boolean): OutputRecord<'send'> {
  return {
    type: 'send',
    url: shownUrl(report.url),
    event: report.event,
    dialect: report.dialect,
    attempt: report.attempt,
    ...(report.route !== undefined ? { route: report.route } : {}),
    ...(report.async ? { async: true } : {}),
    request: {
      headers: report.request.headers,
      bytes: report.request.body.length,
      ...(verbose ? { body: report.request.body.toString('utf8') } : {}),
    },
    ...replyResultJson(report),
    reply: report.verdict?.parsed ?? (report.reply && report.reply.body.length > 0 ? report.reply.body.toString('utf8') : null),
    ok: report.verdict?.ok === true,
  };
}

/** What came of a sent request, as JSON: the reply's status, latency, checks and outcome, or why none came. */
export function replyResultJson(result: { reply?: ReceivedReply; verdict?: ReplyVerdict; failure?: string }): ReplyResultFields {
  return {
    status: result.reply?.status ?? null,
    latency_ms: result.reply === undefined ? null : Math.round(result.reply.latencyMs * 10) / 10,
    checks: result.verdict?.checks ?? [{ name: 'reply', severity: 'failure', message: result.failure }],
    outcome: result.verdict?.outcome ?? [],
  };
}
