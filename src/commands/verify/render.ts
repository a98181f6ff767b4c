import type { CaptureCheck } from '../../captures/capture-check.js';
import { formatPath, shownFindings } from '../../platform/schemas/common.js';
import type { VerifyReport } from '../../engine/verify-captures.js';
import type { OutputRecord } from '../../output/records.js';
import { callLabel, MARK, type Style } from '../../output/style.js';
import { printable } from '../../output/printable.js';

/** Every failure of a checked request, in the order a developer fixes them. */
export function verifyFailures(check: CaptureCheck): string[] {
  const problems: string[] = [];
  if (check.notWebhook !== undefined) problems.push(check.notWebhook);
  const s = check.signature;
  if (s.checked && !s.ok) problems.push(`${s.reason}: ${s.message}${s.diagnosis ? ` — ${s.diagnosis.message}` : ''}`);
  for (const error of check.errors) problems.push(`schema: ${formatPath(error.path)}: ${error.message}`);
  for (const c of check.reply?.checks ?? []) if (c.severity === 'failure') problems.push(`reply ${c.name}: ${c.message}`);
  return problems;
}

/** `short`: UUID call ids cut to 8 characters, for a person at a terminal (never in -q, JSON or annotations). */
export function verifyLine(report: VerifyReport, style: Style, short = false): string {
  const { check } = report;
  // The time, event, call id and messages come from the capture file: made printable before styling.
  const time = printable(check.receivedAt !== undefined ? check.receivedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-');
  const what = printable(`${check.event ?? '?'}  ${check.callId ? `call ${callLabel(check.callId, short)}` : 'no call id'}`);
  const head = `${check.passed ? style.green(MARK.pass) : style.red(MARK.fail)} ${style.dim(printable(report.location))}  ${style.dim(time)}  ${style.bold(what)}`;
  if (!check.passed) return `${head}  ${style.red(printable(verifyFailures(check).join('; ')))}`;
  const signedWith =
    check.signature.checked && check.signature.ok && check.signature.secretIndex > 0 ? ` (signed with ${check.signature.secretLabel})` : '';
  const notes =
    check.warnings.length > 0 ? style.yellow(`  ${MARK.warn} ${check.warnings.length} warning${check.warnings.length > 1 ? 's' : ''}`) : '';
  return `${head}${style.dim(signedWith)}${notes}`;
}

export function verifyJson(report: VerifyReport): OutputRecord<'request'> {
  const { check } = report;
  const s = check.signature;
  return {
    type: 'request',
    location: report.location,
    ...(report.file !== undefined ? { file: report.file } : {}),
    ...(report.line !== undefined ? { line: report.line } : {}),
    received_at: check.receivedAt ?? null,
    event: check.event ?? null,
    dialect: check.dialect ?? null,
    call_id: check.callId ?? null,
    passed: check.passed,
    ...(check.notWebhook !== undefined ? { not_webhook: check.notWebhook } : {}),
    signature: !s.checked
      ? { checked: false }
      : s.ok
        ? { checked: true, ok: true, secret: s.secretLabel }
        : { checked: true, ok: false, reason: s.reason, message: s.message, diagnosis: s.diagnosis ?? null },
    errors: shownFindings(check.errors),
    warnings: shownFindings(check.warnings),
    reply: check.reply === undefined ? null : { ok: check.reply.ok, checks: check.reply.checks, outcome: check.reply.outcome },
  };
}

/** A GitHub Actions error annotation, so a failure shows on the file and line in the run's summary. */
export function githubAnnotation(report: VerifyReport): string {
  const property = (text: string) =>
    text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
  const data = (text: string) => printable(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
  const place = [report.file !== undefined ? `file=${property(report.file)}` : '', report.line !== undefined ? `line=${report.line}` : '']
    .filter(Boolean)
    .join(',');
  const what = `${report.check.event ?? 'request'}${report.check.callId ? ` (call ${report.check.callId})` : ''}`;
  return `::error${place ? ` ${place}` : ''}::${data(`${what}: ${verifyFailures(report.check).join('; ')}`)}`;
}

export interface VerifyRendering {
  json: boolean;
  /** Only failures are printed (the summary still counts every request). */
  quiet: boolean;
  /** GitHub Actions annotations for failures. */
  annotate: boolean;
  /** stdout is a terminal: UUID call ids are shown short. */
  terminal: boolean;
  /** Every warning in full, under its request. */
  verbose: boolean;
}

/** A checked request as output: its stdout text (empty when quiet hides it) and its stderr annotation. */
export function renderVerifyReport(report: VerifyReport, style: Style, how: VerifyRendering): { out: string; annotation: string } {
  const failedCheck = !report.check.passed;
  const out = how.json
    ? `${JSON.stringify(verifyJson(report))}\n`
    : !how.quiet || failedCheck
      ? `${verifyLine(report, style, how.terminal && !how.quiet)}\n${how.verbose ? warningLines(report, style) : ''}`
      : '';
  return { out, annotation: how.annotate && failedCheck ? `${githubAnnotation(report)}\n` : '' };
}

/** A line that is not a capture, skipped: a record on stdout under --json, and one line on stderr. */
export function renderUnreadable(
  location: string,
  place: { line?: number; entry?: number },
  message: string,
  how: VerifyRendering,
): { out: string; err: string } {
  return {
    out: how.json ? `${JSON.stringify({ type: 'unreadable', location, ...place, message })}\n` : '',
    err: `hms-webhook: ${printable(message)} — skipped; the other lines are checked\n`,
  };
}

/** The warnings of a request, one a line, with their paths (verify -v). */
function warningLines(report: VerifyReport, style: Style): string {
  return report.check.warnings
    .map((w) => `    ${style.yellow(`${MARK.warn} ${printable(formatPath(w.path))}: ${printable(w.message)}`)}\n`)
    .join('');
}
