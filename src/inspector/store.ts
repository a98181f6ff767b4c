import { type EventType, isEvent } from '../platform/events.js';
import { shownUrl } from '../output/printable.js';
import { checkReceivedReply } from '../platform/reply-check.js';
import { calledToolNames, formatPath, replyDeadlineMs } from '../platform/schemas/index.js';
import type { ListenEvent } from '../receiving/listener.js';

/** One request as the inspector keeps it: what the page shows, and the bytes to re-send. */
export interface InspectedRequest {
  /** The capture sequence: SSE `id:`, from 1, never reused within a run (not even after a clear). */
  id: number;
  receivedAt: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  event: string | null;
  dialect: string | null;
  callId: string | null;
  /** The tools a tool-calls request calls. */
  tools: string[];
  passed: boolean;
  /** The verdict's reason in one line: the signature's, a bad request's, a failed save's. */
  reason: string | null;
  diagnosis: string | null;
  errors: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
  reply: { status: number; body: string; contentType: string | null };
  latencyMs: number;
  /** What the platform waits for this event's reply; null when it ignores the reply. */
  deadlineMs: number | null;
  /** What the platform makes of the reply, in plain words. */
  outcome: string[];
  forwardedTo: string | null;
  /** Why the forward target refused a request whose signature is valid (a re-serialised body, another secret). */
  forwardHint: string | null;
}

/** Bodies can be 10 MB each: the inspector keeps at most this much of them, whatever --ui-keep says. */
export const MAX_KEPT_BYTES = 256 * 1024 * 1024;

/** The list row of a request: what the live list shows and the SSE stream sends, snake_case as every --json. */
export interface RequestSummary {
  id: number;
  received_at: string;
  path: string;
  event: string | null;
  dialect: string | null;
  call_id: string | null;
  tools: string[];
  passed: boolean;
  reason: string | null;
  latency_ms: number;
  deadline_ms: number | null;
  status: number;
  bytes: number;
}

/** A latency as every --json gives it: milliseconds to two decimals. */
export const shownMs = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The requests the inspector holds: the last `keep` (and at most MAX_KEPT_BYTES of bodies), oldest
 * dropped first (`--save` is the durable record). Listeners hear each new request and each clear.
 */
export class RequestStore {
  private readonly requests: InspectedRequest[] = [];
  private nextId = 1;
  private bytes = 0;
  private readonly listeners = new Set<(change: { added: InspectedRequest } | { cleared: true }) => void>();

  constructor(
    readonly keep: number,
    private readonly maxBytes = MAX_KEPT_BYTES,
  ) {}

  add(event: ListenEvent): InspectedRequest {
    const request = inspect(this.nextId++, event);
    this.requests.push(request);
    this.bytes += request.body.length;
    // Oldest out first, past --ui-keep requests or past maxBytes of bodies (the newest always stays).
    while (this.requests.length > 1 && (this.requests.length > this.keep || this.bytes > this.maxBytes))
      this.bytes -= this.requests.shift()!.body.length;
    for (const listener of this.listeners) listener({ added: request });
    return request;
  }

  list(): readonly InspectedRequest[] {
    return this.requests;
  }

  get(id: number): InspectedRequest | undefined {
    return this.requests.find((request) => request.id === id);
  }

  /** The requests after `id` still held, oldest first: what a reconnecting stream missed. */
  after(id: number): InspectedRequest[] {
    return this.requests.filter((request) => request.id > id);
  }

  clear(): void {
    this.requests.length = 0;
    this.bytes = 0;
    for (const listener of this.listeners) listener({ cleared: true });
  }

  subscribe(listener: (change: { added: InspectedRequest } | { cleared: true }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function summaryOf(request: InspectedRequest): RequestSummary {
  return {
    id: request.id,
    received_at: request.receivedAt,
    path: request.path,
    event: request.event,
    dialect: request.dialect,
    call_id: request.callId,
    tools: request.tools,
    passed: request.passed,
    reason: request.reason,
    latency_ms: shownMs(request.latencyMs),
    deadline_ms: request.deadlineMs,
    status: request.reply.status,
    bytes: request.body.length,
  };
}

function inspect(id: number, event: ListenEvent): InspectedRequest {
  // No prototype: a header named __proto__ from the wire is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(event.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const known = isEvent(event.event) ? event.event : undefined;
  const replyBody = event.answer.bytes?.toString('utf8') ?? event.answer.body;
  const contentType = event.answer.contentType === undefined ? 'application/json' : event.answer.contentType;
  return {
    id,
    receivedAt: event.receivedAt.toISOString(),
    method: event.method,
    path: event.path,
    headers,
    body: event.body,
    event: event.event ?? null,
    dialect: event.dialect ?? null,
    callId: event.callId ?? null,
    tools: calledToolNames(event.document),
    passed: event.passed,
    reason: reasonOf(event),
    diagnosis: event.diagnosis?.message ?? null,
    errors: event.errors.map((f) => ({ path: formatPath(f.path), message: f.message })),
    warnings: event.warnings.map((f) => ({ path: formatPath(f.path), message: f.message })),
    reply: { status: event.answer.status, body: replyBody, contentType },
    latencyMs: event.latencyMs,
    deadlineMs: known === undefined ? null : (replyDeadlineMs(known) ?? null),
    outcome: outcomeOf(event, known, replyBody),
    forwardedTo: event.forward?.url !== undefined ? shownUrl(event.forward.url) : null,
    forwardHint: event.forward?.hint ?? null,
  };
}

/** The one-line reason of a verdict, in the order a developer fixes things. */
function reasonOf(event: ListenEvent): string | null {
  if (event.badRequest !== undefined) return event.badRequest;
  if (event.saveFailure !== undefined) return event.saveFailure;
  if (event.signature.checked && !event.signature.ok) return `${event.signature.reason}: ${event.signature.message}`;
  if (event.forward?.failure !== undefined) return event.forward.failure;
  if (event.replyCut !== undefined) return event.replyCut;
  const error = event.errors[0];
  if (error !== undefined) return `schema: ${formatPath(error.path)}: ${error.message}`;
  const replyFailure = event.forward?.verdict?.checks.find((check) => check.severity === 'failure');
  return replyFailure === undefined ? null : `reply ${replyFailure.name}: ${replyFailure.message}`;
}

function outcomeOf(event: ListenEvent, known: EventType | undefined, replyBody: string): string[] {
  if (event.forward?.verdict !== undefined) return event.forward.verdict.outcome;
  if (known === undefined || event.document === undefined || event.answer.status >= 300) return [];
  return checkReceivedReply({
    event: known,
    dialect: event.dialect ?? 'hms',
    request: event.document,
    reply: { status: event.answer.status, contentType: 'application/json', body: Buffer.from(replyBody), latencyMs: event.latencyMs },
  }).outcome;
}
