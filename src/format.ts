import { Chalk, type ChalkInstance } from 'chalk';
import { formatPath, type Finding } from './schemas/common.js';

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
  reply?: { status: number; contentType: string | undefined; body: Buffer; latencyMs: number };
  verdict?: { ok: boolean; checks: { name: string; severity: 'pass' | 'warning' | 'failure'; message: string }[]; parsed: unknown; outcome: string[] };
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
  lines.push(`${style.bold('←')} ${reply.status >= 200 && reply.status < 300 ? style.green(String(reply.status)) : style.red(String(reply.status))}  ${ms(reply.latencyMs)}`);
  if (reply.body.length > 0) lines.push(...replyText(reply.body, verdict.parsed).split('\n').map((line) => `  ${line}`));
  for (const check of verdict.checks) {
    if (check.severity === 'pass' && !verbose) continue;
    const mark = check.severity === 'pass' ? style.green(MARK.pass) : check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail);
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
    status: report.reply?.status ?? null,
    latency_ms: report.reply === undefined ? null : Math.round(report.reply.latencyMs * 10) / 10,
    reply: report.verdict?.parsed ?? (report.reply && report.reply.body.length > 0 ? report.reply.body.toString('utf8') : null),
    checks: report.verdict?.checks ?? [{ name: 'reply', severity: 'failure', message: report.failure }],
    outcome: report.verdict?.outcome ?? [],
    ok: report.verdict?.ok === true,
  };
}

export interface LoadReport {
  url: string;
  expect: string;
  concurrency: number;
  stats: {
    sent: number;
    elapsedMs: number;
    latency: { percentile(p: number): number; maxMs: number; meanMs: number };
    statuses: Map<number, number>;
    errors: Map<string, number>;
  };
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
    latency_ms: { mean: round(stats.latency.meanMs), p50: round(stats.latency.percentile(50)), p90: round(stats.latency.percentile(90)), p99: round(stats.latency.percentile(99)), max: round(stats.latency.maxMs) },
    statuses: Object.fromEntries(stats.statuses),
    errors: Object.fromEntries(stats.errors),
    expect: report.expect,
  };
}

export function loadLines(report: LoadReport, style: Style): string[] {
  const json = loadJson(report) as { requests_per_second: number; latency_ms: Record<string, number>; statuses: Record<string, number>; errors: Record<string, number> };
  const statuses = Object.entries(json.statuses).map(([status, count]) => `${status}: ${count}`).join(', ') || 'none';
  const errors = Object.entries(json.errors).map(([kind, count]) => `${kind}: ${count}`).join(', ');
  return [
    `${style.bold('load')} ${report.url}  ${report.stats.sent} requests, ${report.concurrency} connections, ${(report.stats.elapsedMs / 1000).toFixed(2)} s`,
    `  ${style.bold(`${Math.round(json.requests_per_second)} requests/s`)}`,
    `  latency  p50 ${ms(json.latency_ms.p50!)}  p90 ${ms(json.latency_ms.p90!)}  p99 ${ms(json.latency_ms.p99!)}  max ${ms(json.latency_ms.max!)}`,
    `  status   ${statuses}`,
    ...(errors ? [`  ${style.red(`errors   ${errors}`)}`] : []),
  ];
}
