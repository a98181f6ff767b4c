import type { Reporter } from '../../output/reporter.js';
import type { TestReport } from '../../output/test-report.js';
import type { OutputRecord } from '../../output/records.js';
import type { ListenEvent } from '../../receiving/listener.js';
import { type FilterFacts, filterMatches, searchTextOf } from '../../captures/filter.js';
import { calledToolNames } from '../../platform/schemas/index.js';
import { nestsDeeperThan } from '../../platform/json-depth.js';
import { routeSourceText, toolsOf } from '../../platform/assistant-tools.js';
import { asObject, formatPath, shownFindings } from '../../platform/schemas/common.js';
import { callLabel, MARK, type Style } from '../../output/style.js';
import { ms } from '../../output/units.js';
import { printable, shownUrl } from '../../output/printable.js';

function signatureText(event: ListenEvent): string {
  const s = event.signature;
  if (!s.checked) return 'signature unchecked (no secret)';
  if (s.ok) return `signature valid${s.secretIndex > 0 ? ` (secret #${s.secretIndex + 1})` : ''}`;
  return `signature ${s.reason}: ${s.message}${event.diagnosis ? ` — ${event.diagnosis.message}` : ''}`;
}

type Json = Record<string, unknown>;
const fields = (value: unknown): Json => (value !== null && typeof value === 'object' ? (value as Json) : {});

/** The few facts of each event a developer looks for first. */
function essentials(event: ListenEvent): string[] {
  const raw = fields(event.document).message;
  if (raw === null || typeof raw !== 'object') return [];
  const message = fields(raw);
  const pick = (hms: string, flireo: string) => message[hms] ?? message[flireo];
  const phone = fields(pick('phone_number', 'phoneNumber'));
  switch (event.event) {
    case 'assistant-request':
      return [
        `caller ${fields(message.customer).number ?? 'unknown (web call)'} → ${phone.number ?? 'web'}${phone.name ? ` (${phone.name})` : ''}`,
      ];
    case 'status-update': {
      const reason = pick('end_reason', 'endReason');
      return [`status ${fields(message.call).status}${reason ? ` (${reason})` : ''}${message.error ? ` — error: ${message.error}` : ''}`];
    }
    case 'tool-calls': {
      const list = pick('tool_call_list', 'toolCallList');
      const calls = Array.isArray(list)
        ? list.map((item) => {
            const call = fields(item);
            const fn = fields(call.function);
            return `${fn.name}(${JSON.stringify(fn.arguments ?? {})})  ${call.id}`;
          })
        : [];
      return [...calls, routeLine(event)];
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

/** Which tools a tool-calls request was for and whose route brought it here, from the assistant it echoes. */
function toolRoutes(event: ListenEvent): { name: string; async: boolean; route: 'tool' | 'assistant' }[] {
  const message = fields(fields(event.document).message);
  const list = message[event.dialect === 'flireo' ? 'toolCallList' : 'tool_call_list'];
  const tools = toolsOf(asObject(message.assistant));
  const names = Array.isArray(list) ? [...new Set(list.map((item) => fields(fields(item).function).name))] : [];
  return names
    .filter((name): name is string => typeof name === 'string')
    .map((name) => {
      const tool = tools.find((candidate) => candidate.name === name);
      return { name, async: tool?.async === true, route: tool?.url !== undefined ? 'tool' : 'assistant' };
    });
}

function routeLine(event: ListenEvent): string {
  const described = toolRoutes(event).map(
    (tool) => `${tool.name}${tool.async ? ' (async)' : ''} by ${routeSourceText(tool.route === 'tool' ? 'tool' : 'receiver')}`,
  );
  return `route ${event.path}: ${described.join(', ') || 'no tool calls'}`;
}

export function listenLines(event: ListenEvent, style: Style, detail: 'quiet' | 'normal' | 'verbose'): string[] {
  // Everything but the time, marks and numbers came from the wire: each piece is made printable first.
  const p = printable;
  const time = event.receivedAt.toISOString().slice(11, 23);
  const mark = event.passed ? style.green(MARK.pass) : style.red(MARK.fail);
  const status = event.answer.status < 300 ? style.green(String(event.answer.status)) : style.red(String(event.answer.status));
  const latency = ms(event.latencyMs);
  if (event.badRequest !== undefined) {
    return [`${mark} ${style.dim(time)}  ${p(event.method)} ${p(event.path)}  ${style.red(p(event.badRequest))}  → ${status}`];
  }
  const call = event.callId ? `call ${p(callLabel(event.callId, true))}` : 'no call id';
  const head = `${mark} ${style.dim(time)}  ${style.bold(p(event.event ?? '?'))} · ${event.dialect}  ${call}  → ${status}  ${latency}`;
  if (detail === 'quiet') return [head];
  const lines = [head, ...essentials(event).map((line) => `    ${p(line)}`)];
  const sig = p(signatureText(event));
  lines.push(`    ${!event.signature.checked ? style.dim(sig) : event.signature.ok ? style.green(sig) : style.red(sig)}`);
  for (const f of event.errors) lines.push(`    ${style.red(`${MARK.fail} ${p(formatPath(f.path))}: ${p(f.message)}`)}`);
  for (const f of event.warnings) lines.push(`    ${style.yellow(`${MARK.warn} ${p(formatPath(f.path))}: ${p(f.message)} (warning)`)}`);
  if (event.forward) {
    const f = event.forward;
    if (f.failure) lines.push(`    ${style.red(`forward ${shownUrl(f.url)}: ${p(f.failure)}`)}`);
    else {
      lines.push(`    forward ${shownUrl(f.url)} → ${f.status}  ${ms(f.latencyMs ?? 0)}`);
      for (const check of f.verdict?.checks ?? [])
        if (check.severity !== 'pass')
          lines.push(
            `    ${check.severity === 'warning' ? style.yellow(MARK.warn) : style.red(MARK.fail)} ${check.name}: ${p(check.message)}`,
          );
      for (const outcome of f.verdict?.outcome ?? []) lines.push(`    ${style.cyan('platform:')} ${p(outcome)}`);
      if (f.hint) lines.push(`    ${style.yellow(`hint: ${f.hint}`)}`);
    }
  }
  const reply = event.answer.body.length > 300 && detail !== 'verbose' ? `${event.answer.body.slice(0, 299)}…` : event.answer.body;
  if (event.answer.body !== '{}' || detail === 'verbose') lines.push(`    ${style.dim(`reply ${p(reply)}`)}`);
  if (event.replyCut !== undefined) lines.push(`    ${style.red(p(event.replyCut))}`);
  if (detail === 'verbose') {
    for (const [name, value] of Object.entries(event.headers)) lines.push(style.dim(`    ${p(name)}: ${p(String(value))}`));
    // Pretty-printing recurses: a document nested deeper than any payload is shown as it came.
    const body =
      event.document !== undefined && !nestsDeeperThan(event.document)
        ? JSON.stringify(event.document, null, 2)
        : event.body.toString('utf8');
    lines.push(...body.split('\n').map((line) => style.dim(`    ${p(line)}`)));
  }
  return lines;
}

export function listenJson(event: ListenEvent, verbose: boolean): OutputRecord<'event'> {
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
        : { checked: true, ok: false, reason: s.reason, message: s.message, diagnosis: event.diagnosis ?? null },
    ...(event.event === 'tool-calls' ? { tools: toolRoutes(event) } : {}),
    errors: shownFindings(event.errors),
    warnings: shownFindings(event.warnings),
    reply: { status: event.answer.status, body: event.answer.body },
    ...(event.replyCut !== undefined ? { reply_cut: event.replyCut } : {}),
    ...(event.forward
      ? {
          forward: {
            url: shownUrl(event.forward.url),
            status: event.forward.status ?? null,
            latency_ms: event.forward.latencyMs ?? null,
            failure: event.forward.failure,
            checks: event.forward.verdict?.checks ?? [],
            outcome: event.forward.verdict?.outcome ?? [],
            ...(event.forward.hint ? { hint: event.forward.hint } : {}),
          },
        }
      : {}),
    latency_ms: Math.round(event.latencyMs * 100) / 100,
    ...(verbose ? { headers: event.headers, body: event.body.toString('utf8') } : {}),
  };
}

/** Why an event failed, in one line: bad request, save, signature, schema, forwarded reply. */
export function listenFailure(event: ListenEvent): string {
  const s = event.signature;
  return [
    event.badRequest,
    event.saveFailure,
    s.checked && !s.ok ? signatureText(event) : undefined,
    ...event.errors.map((f) => `schema: ${formatPath(f.path)}: ${f.message}`),
    event.forward?.failure,
    event.replyCut,
    ...(event.forward?.verdict?.checks.filter((c) => c.severity === 'failure').map((c) => `reply ${c.name}: ${c.message}`) ?? []),
  ]
    .filter((part): part is string => part !== undefined)
    .join('; ');
}

/**
 * Writes each request as it comes: a JSON line or a block of text, batched per turn of the loop (under
 * load one write, not one a request), a JUnit case each, and a failing disk or internal fault said once.
 */
export class EventWriter {
  private pending: string[] = [];
  private readonly said = new Set<string>();

  constructor(
    private readonly reporter: Reporter,
    private readonly testReport: TestReport,
    private readonly path: string,
    private readonly detail: 'quiet' | 'normal' | 'verbose',
    private readonly env: NodeJS.ProcessEnv,
    /** `--filter`: only the requests that match are printed (every one is still answered, saved and counted). */
    private readonly filter?: string,
  ) {}

  add(event: ListenEvent): void {
    this.testReport.add(`listen ${this.path}`, () => ({
      name: `${event.receivedAt.toISOString()} ${event.event ?? event.method}${event.callId !== undefined ? ` call ${event.callId}` : ''}`,
      ...(event.passed ? {} : { failure: listenFailure(event) }),
      seconds: event.latencyMs / 1000,
    }));
    if (event.saveFailure !== undefined) this.sayOnce(event.saveFailure);
    if (event.internalError !== undefined && !this.said.has(String(event.badRequest))) {
      this.sayOnce(`${event.badRequest}${this.env.HMS_WEBHOOK_DEBUG ? '' : ' (run with HMS_WEBHOOK_DEBUG=1 for the stack)'}`);
      if (this.env.HMS_WEBHOOK_DEBUG) this.reporter.stderr(String((event.internalError as Error)?.stack ?? event.internalError));
    }
    if (this.filter !== undefined && !filterMatches(this.filter, listenFacts(event))) return;
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(
      this.reporter.json
        ? `${JSON.stringify(listenJson(event, this.detail === 'verbose'))}\n`
        : `${listenLines(event, this.reporter.style, this.detail).join('\n')}\n`,
    );
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.reporter.write(text);
  }

  private sayOnce(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.reporter.note(text);
  }
}

/** listen's first line with --json: it accepts connections, here. */
export function listeningJson(url: string): OutputRecord<'listening'> {
  return { type: 'listening', url };
}

/** What the filter grammar reads of a received request. */
function listenFacts(event: ListenEvent): FilterFacts {
  return {
    event: event.event,
    callId: event.callId,
    passed: event.passed,
    status: event.answer.status,
    path: event.path,
    tools: calledToolNames(event.document),
    reason: event.badRequest,
    text: searchTextOf(event.headers, event.body.toString('utf8')),
  };
}
