import { Chalk, type ChalkInstance } from 'chalk';
import type { LoadStats } from '../sending/http.js';
import type { ListenEvent } from '../receiving/listener.js';
import type { CallStepReport } from '../sending/call.js';
import type { CaptureCheck } from '../captures/capture-check.js';
import type { ProbeResult, ProbeVerdict } from '../sending/probe.js';
import type { ReceivedReply, ReplyVerdict } from '../platform/reply-check.js';
import { formatPath, type Finding } from '../platform/schemas/common.js';

export type Style = ChalkInstance;

/**
 * Colour only for a terminal, and never when NO_COLOR is set (any non-empty value) or
 * --no-color was given; FORCE_COLOR is left to chalk.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function createStyle(enabled: boolean): Style {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export const MARK = { pass: '✓', fail: '✗', warn: '⚠' } as const;

/** A finding placed in its file: `file:line:col  path: message`. */
export interface PlacedFinding extends Finding {
  line?: number;
  column?: number;
}

export interface DocumentResult {
  source: string;
  event: string | undefined;
  dialect: string;
  kind: 'payload' | 'reply';
  errors: PlacedFinding[];
  warnings: PlacedFinding[];
}

function place(source: string, finding: PlacedFinding): string {
  const at = finding.line === undefined ? source : `${source}:${finding.line}:${finding.column}`;
  return `${at}  ${formatPath(finding.path)}: ${finding.message}`;
}

export function documentLines(result: DocumentResult, style: Style): string[] {
  const ok = result.errors.length === 0;
  const what = result.kind === 'reply' ? `${result.event ?? '?'} reply` : (result.event ?? 'unknown event');
  const head = `${ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${result.source}  ${style.dim(`${what} · ${result.dialect}`)}`;
  return [
    head,
    ...result.errors.map((f) => `    ${style.red(place(result.source, f))}`),
    ...result.warnings.map((f) => `    ${style.yellow(`${MARK.warn} ${place(result.source, f)} (warning)`)}`),
  ];
}

export function documentJson(result: DocumentResult): Record<string, unknown> {
  const finding = (f: PlacedFinding) => ({ path: formatPath(f.path), message: f.message, line: f.line, column: f.column });
  return {
    type: 'document',
    source: result.source,
    kind: result.kind,
    event: result.event ?? null,
    dialect: result.dialect,
    valid: result.errors.length === 0,
    errors: result.errors.map(finding),
    warnings: result.warnings.map(finding),
  };
}

/** The summary line every checking command ends with. */
export function summaryLine(passed: number, failed: number, style: Style): string {
  const text = `${passed} passed, ${failed} failed`;
  return failed > 0 ? style.red(text) : style.green(text);
}

/** One send and what came of it: a reply with its verdict, or a failure to get one. */
export interface SendReport {
  url: string;
  event: string;
  dialect: string;
  signedWith: string;
  attempt: number;
  repeat: number;
  request: { headers: Record<string, string>; body: Buffer };
  reply?: ReceivedReply;
  verdict?: ReplyVerdict;
  /** Why no reply came (a timeout). */
  failure?: string;
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

function replyText(body: Buffer, parsed: unknown): string {
  if (parsed !== undefined) return JSON.stringify(parsed, null, 2);
  const text = body.toString('utf8');
  return text === '' ? '(empty body)' : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export function sendLines(report: SendReport, style: Style, verbose: boolean): string[] {
  const repeat = report.repeat > 1 ? ` [${report.attempt}/${report.repeat}]` : '';
  const lines = [`${style.bold('→ POST')} ${report.url}  ${report.event} · ${report.dialect} · ${report.signedWith}${repeat}`];
  if (verbose) {
    for (const [name, value] of Object.entries(report.request.headers)) lines.push(style.dim(`  ${name}: ${value}`));
    lines.push(style.dim(`  ${report.request.body.toString('utf8')}`));
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
        .map((line) => `  ${line}`),
    );
  for (const check of verdict.checks) {
    if (check.severity === 'pass' && !verbose) continue;
    const mark =
      check.severity === 'pass' ? style.green(MARK.pass) : check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail);
    lines.push(`${mark} ${check.name}: ${check.message}`);
  }
  for (const outcome of verdict.outcome) lines.push(`  ${style.cyan('platform:')} ${outcome}`);
  lines.push(verdict.ok ? style.green(`${MARK.pass} reply ok`) : style.red(`${MARK.fail} reply failed`));
  return lines;
}

export function sendJson(report: SendReport, verbose: boolean): Record<string, unknown> {
  return {
    type: 'send',
    url: report.url,
    event: report.event,
    dialect: report.dialect,
    attempt: report.attempt,
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
function replyResultJson(result: { reply?: ReceivedReply; verdict?: ReplyVerdict; failure?: string }): Record<string, unknown> {
  return {
    status: result.reply?.status ?? null,
    latency_ms: result.reply === undefined ? null : Math.round(result.reply.latencyMs * 10) / 10,
    checks: result.verdict?.checks ?? [{ name: 'reply', severity: 'failure', message: result.failure }],
    outcome: result.verdict?.outcome ?? [],
  };
}

export interface LoadReport {
  url: string;
  expect: string;
  concurrency: number;
  stats: LoadStats;
}

export function loadJson(report: LoadReport): Record<string, unknown> {
  const { stats } = report;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    type: 'load',
    url: report.url,
    sent: stats.sent,
    concurrency: report.concurrency,
    elapsed_ms: round(stats.elapsedMs),
    requests_per_second: round(stats.sent / (stats.elapsedMs / 1000)),
    latency_ms: {
      mean: round(stats.latency.meanMs),
      p50: round(stats.latency.percentile(50)),
      p90: round(stats.latency.percentile(90)),
      p99: round(stats.latency.percentile(99)),
      max: round(stats.latency.maxMs),
    },
    statuses: Object.fromEntries(stats.statuses),
    errors: Object.fromEntries(stats.errors),
    expect: report.expect,
  };
}

export function loadLines(report: LoadReport, style: Style): string[] {
  const json = loadJson(report) as {
    requests_per_second: number;
    latency_ms: Record<string, number>;
    statuses: Record<string, number>;
    errors: Record<string, number>;
  };
  const statuses =
    Object.entries(json.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ') || 'none';
  const errors = Object.entries(json.errors)
    .map(([kind, count]) => `${kind}: ${count}`)
    .join(', ');
  return [
    `${style.bold('load')} ${report.url}  ${report.stats.sent} requests, ${report.concurrency} connections, ${(report.stats.elapsedMs / 1000).toFixed(2)} s`,
    `  ${style.bold(`${Math.round(json.requests_per_second)} requests/s`)}`,
    `  latency  p50 ${ms(json.latency_ms.p50!)}  p90 ${ms(json.latency_ms.p90!)}  p99 ${ms(json.latency_ms.p99!)}  max ${ms(json.latency_ms.max!)}`,
    `  status   ${statuses}`,
    ...(errors ? [`  ${style.red(`errors   ${errors}`)}`] : []),
  ];
}

function signatureText(event: ListenEvent): string {
  const s = event.signature;
  if (!s.checked) return 'signature unchecked (no secret)';
  return s.ok ? `signature valid${s.secretIndex > 0 ? ` (secret #${s.secretIndex + 1})` : ''}` : `signature ${s.reason}: ${s.message}`;
}

/** The few facts of each event a developer looks for first. */
function essentials(event: ListenEvent): string[] {
  const message = (event.document as { message?: Record<string, any> } | undefined)?.message;
  if (message === undefined || message === null || typeof message !== 'object') return [];
  const pick = (hms: string, flireo: string) => message[hms] ?? message[flireo];
  const phone = pick('phone_number', 'phoneNumber') ?? {};
  switch (event.event) {
    case 'assistant-request':
      return [
        `caller ${message.customer?.number ?? 'unknown (web call)'} → ${phone.number ?? 'web'}${phone.name ? ` (${phone.name})` : ''}`,
      ];
    case 'status-update': {
      const reason = pick('end_reason', 'endReason');
      return [`status ${message.call?.status}${reason ? ` (${reason})` : ''}${message.error ? ` — error: ${message.error}` : ''}`];
    }
    case 'tool-calls': {
      const list = pick('tool_call_list', 'toolCallList');
      return Array.isArray(list)
        ? list.map((call: any) => `${call?.function?.name}(${JSON.stringify(call?.function?.arguments ?? {})})  ${call?.id}`)
        : [];
    }
    case 'end-of-call-report': {
      const duration = pick('duration_seconds', 'durationSeconds');
      const reason = pick('end_reason', 'endReason');
      const summary = typeof message.summary === 'string' ? message.summary : '';
      return [`${duration ?? '?'} s${reason ? `, ${reason}` : ''}: ${summary.length > 160 ? `${summary.slice(0, 159)}…` : summary}`];
    }
    default:
      return [];
  }
}

export function listenLines(event: ListenEvent, style: Style, detail: 'quiet' | 'normal' | 'verbose'): string[] {
  const time = event.receivedAt.toISOString().slice(11, 23);
  const mark = event.passed ? style.green(MARK.pass) : style.red(MARK.fail);
  const status = event.answer.status < 300 ? style.green(String(event.answer.status)) : style.red(String(event.answer.status));
  const latency = ms(event.latencyMs);
  if (event.badRequest !== undefined) {
    return [`${mark} ${style.dim(time)}  ${event.method} ${event.path}  ${style.red(event.badRequest)}  → ${status}`];
  }
  const call = event.callId ? `call ${event.callId.slice(0, 8)}` : 'no call id';
  const head = `${mark} ${style.dim(time)}  ${style.bold(event.event ?? '?')} · ${event.dialect}  ${call}  → ${status}  ${latency}`;
  if (detail === 'quiet') return [head];
  const lines = [head, ...essentials(event).map((line) => `    ${line}`)];
  const sig = signatureText(event);
  lines.push(`    ${!event.signature.checked ? style.dim(sig) : event.signature.ok ? style.green(sig) : style.red(sig)}`);
  for (const f of event.errors) lines.push(`    ${style.red(`${MARK.fail} ${formatPath(f.path)}: ${f.message}`)}`);
  for (const f of event.warnings) lines.push(`    ${style.yellow(`${MARK.warn} ${formatPath(f.path)}: ${f.message} (warning)`)}`);
  if (event.forward) {
    const f = event.forward;
    if (f.failure) lines.push(`    ${style.red(`forward ${f.url}: ${f.failure}`)}`);
    else {
      lines.push(`    forward ${f.url} → ${f.status}  ${ms(f.latencyMs ?? 0)}`);
      for (const check of f.verdict?.checks ?? [])
        if (check.severity !== 'pass')
          lines.push(
            `    ${check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail)} ${check.name}: ${check.message}`,
          );
      for (const outcome of f.verdict?.outcome ?? []) lines.push(`    ${style.cyan('platform:')} ${outcome}`);
    }
  }
  if (event.answer.body !== '{}' || detail === 'verbose')
    lines.push(
      `    ${style.dim(`reply ${event.answer.body.length > 300 && detail !== 'verbose' ? `${event.answer.body.slice(0, 299)}…` : event.answer.body}`)}`,
    );
  if (detail === 'verbose') {
    for (const [name, value] of Object.entries(event.headers)) lines.push(style.dim(`    ${name}: ${String(value)}`));
    lines.push(
      ...JSON.stringify(event.document, null, 2)
        .split('\n')
        .map((line) => style.dim(`    ${line}`)),
    );
  }
  return lines;
}

export function listenJson(event: ListenEvent, verbose: boolean): Record<string, unknown> {
  const s = event.signature;
  return {
    type: 'event',
    received_at: event.receivedAt.toISOString(),
    method: event.method,
    path: event.path,
    event: event.event ?? null,
    dialect: event.dialect ?? null,
    call_id: event.callId ?? null,
    passed: event.passed,
    ...(event.badRequest !== undefined ? { bad_request: event.badRequest } : {}),
    signature: !s.checked
      ? { checked: false }
      : s.ok
        ? { checked: true, ok: true, secret_index: s.secretIndex }
        : { checked: true, ok: false, reason: s.reason, message: s.message },
    errors: event.errors.map((f) => ({ path: formatPath(f.path), message: f.message })),
    warnings: event.warnings.map((f) => ({ path: formatPath(f.path), message: f.message })),
    reply: { status: event.answer.status, body: event.answer.body },
    ...(event.forward
      ? {
          forward: {
            url: event.forward.url,
            status: event.forward.status ?? null,
            latency_ms: event.forward.latencyMs ?? null,
            failure: event.forward.failure,
            checks: event.forward.verdict?.checks ?? [],
            outcome: event.forward.verdict?.outcome ?? [],
          },
        }
      : {}),
    latency_ms: Math.round(event.latencyMs * 100) / 100,
    ...(verbose ? { headers: event.headers, body: event.body.toString('utf8') } : {}),
  };
}

/** One request `verify` checked, and where it came from. */
export interface VerifyReport {
  /** file:line, file#entry, or "request" for one given by hand. */
  location: string;
  file?: string;
  line?: number;
  check: CaptureCheck;
}

/** Every failure of a checked request, in the order a developer fixes them. */
export function verifyFailures(check: CaptureCheck): string[] {
  const problems: string[] = [];
  if (check.notWebhook !== undefined) problems.push(check.notWebhook);
  const s = check.signature;
  if (s.checked && !s.ok) problems.push(`${s.reason}: ${s.message}${s.diagnosis ? ` — ${s.diagnosis.message}` : ''}`);
  if (check.errors.length > 0) {
    const [first] = check.errors;
    problems.push(
      `schema: ${formatPath(first!.path)}: ${first!.message}${check.errors.length > 1 ? ` (+${check.errors.length - 1} more)` : ''}`,
    );
  }
  for (const c of check.reply?.checks ?? []) if (c.severity === 'failure') problems.push(`reply ${c.name}: ${c.message}`);
  return problems;
}

export function verifyLine(report: VerifyReport, style: Style): string {
  const { check } = report;
  const time = check.receivedAt !== undefined ? check.receivedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
  const what = `${check.event ?? '?'}  ${check.callId ? `call ${check.callId.slice(0, 8)}` : 'no call id'}`;
  const head = `${check.passed ? style.green(MARK.pass) : style.red(MARK.fail)} ${style.dim(report.location)}  ${style.dim(time)}  ${style.bold(what)}`;
  if (!check.passed) return `${head}  ${style.red(verifyFailures(check).join('; '))}`;
  const signedWith =
    check.signature.checked && check.signature.ok && check.signature.secretIndex > 0 ? ` (signed with ${check.signature.secretLabel})` : '';
  const notes =
    check.warnings.length > 0 ? style.yellow(`  ${MARK.warn} ${check.warnings.length} warning${check.warnings.length > 1 ? 's' : ''}`) : '';
  return `${head}${style.dim(signedWith)}${notes}`;
}

export function verifyJson(report: VerifyReport): Record<string, unknown> {
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
    errors: check.errors.map((f) => ({ path: formatPath(f.path), message: f.message })),
    warnings: check.warnings.map((f) => ({ path: formatPath(f.path), message: f.message })),
    reply: check.reply === undefined ? null : { ok: check.reply.ok, checks: check.reply.checks, outcome: check.reply.outcome },
  };
}

/** A GitHub Actions error annotation, so a failure shows on the file and line in the run's summary. */
export function githubAnnotation(report: VerifyReport): string {
  const property = (text: string) =>
    text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C');
  const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const place = [report.file !== undefined ? `file=${property(report.file)}` : '', report.line !== undefined ? `line=${report.line}` : '']
    .filter(Boolean)
    .join(',');
  const what = `${report.check.event ?? 'request'}${report.check.callId ? ` (call ${report.check.callId})` : ''}`;
  return `::error${place ? ` ${place}` : ''}::${data(`${what}: ${verifyFailures(report.check).join('; ')}`)}`;
}

/** One step of a played call: event, status, latency, and what the platform makes of the reply. */
export function callStepLines(report: CallStepReport, style: Style): string[] {
  const { step } = report;
  const head = `${report.ok ? style.green(MARK.pass) : style.red(MARK.fail)} ${String(report.index).padStart(2)}  ${style.bold(step.event)}  ${style.dim(step.label)}`;
  if (report.reply === undefined || report.verdict === undefined) return [`${head}  ${style.red(report.failure ?? 'no reply')}`];
  const status = report.reply.status < 300 ? style.green(String(report.reply.status)) : style.red(String(report.reply.status));
  const lines = [
    `${head}  ${status}  ${ms(report.reply.latencyMs)}${report.verdict.outcome[0] ? `  ${style.cyan(report.verdict.outcome[0])}` : ''}`,
  ];
  for (const check of report.verdict.checks) {
    if (check.severity === 'pass') continue;
    lines.push(`      ${check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail)} ${check.name}: ${check.message}`);
  }
  return lines;
}

export function callStepJson(report: CallStepReport, callId: string): Record<string, unknown> {
  return {
    type: 'step',
    index: report.index,
    event: report.step.event,
    label: report.step.label,
    call_id: callId,
    ...replyResultJson(report),
    ok: report.ok,
  };
}

/** The probe's table: case, expected, got, verdict, why it matters. */
export function probeLines(results: readonly ProbeResult[], style: Style): string[] {
  const verdictText = { pass: 'pass', fail: 'FAIL', warn: 'warn' } as const;
  const rows = results.map((r) => [
    r.probe.name,
    r.probe.expect === 'accept' ? '2xx' : 'refused (non-2xx)',
    r.status !== undefined ? String(r.status) : 'no reply',
    verdictText[r.verdict],
    r.note ?? r.probe.why,
  ]);
  const header = ['case', 'expected', 'got', 'verdict', 'why it matters'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const paint = (verdict: ProbeVerdict, text: string) =>
    verdict === 'pass' ? style.green(text) : verdict === 'fail' ? style.red(text) : style.yellow(text);
  const line = (cells: string[]) => cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  return [
    style.bold(line(header)),
    ...rows.map((cells, index) => {
      const verdict = results[index]!.verdict;
      const padded = cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell));
      padded[3] = paint(verdict, padded[3]!);
      return padded.join('  ');
    }),
  ];
}

export function probeJson(result: ProbeResult): Record<string, unknown> {
  return {
    type: 'probe',
    case: result.probe.name,
    expected: result.probe.expect === 'accept' ? '2xx' : 'non-2xx',
    status: result.status ?? null,
    verdict: result.verdict,
    why: result.probe.why,
    ...(result.note ? { note: result.note } : {}),
    ...(result.failure ? { failure: result.failure } : {}),
  };
}

export interface VerifyRendering {
  json: boolean;
  /** Only failures are printed (the summary still counts every request). */
  quiet: boolean;
  /** GitHub Actions annotations for failures. */
  annotate: boolean;
}

/** A checked request as output: its stdout text (empty when quiet hides it) and its stderr annotation. */
export function renderVerifyReport(report: VerifyReport, style: Style, how: VerifyRendering): { out: string; annotation: string } {
  const failedCheck = !report.check.passed;
  const out = how.json ? `${JSON.stringify(verifyJson(report))}\n` : !how.quiet || failedCheck ? `${verifyLine(report, style)}\n` : '';
  return { out, annotation: how.annotate && failedCheck ? `${githubAnnotation(report)}\n` : '' };
}
