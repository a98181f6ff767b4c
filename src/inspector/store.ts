import { createHash } from 'node:crypto';
import { type Capture, captureBody } from '../captures/capture-file.js';
import { searchTextOf } from '../captures/filter.js';
import { factsOf } from '../captures/selection.js';
import { type EventType, isEvent } from '../platform/events.js';
import { shownUrl } from '../output/printable.js';
import { duration, ms } from '../output/units.js';
import { checkReceivedReply } from '../platform/reply-check.js';
import { calledToolNames, formatPath, replyDeadlineMs, shownFindings, validatePayload } from '../platform/schemas/index.js';
import type { ListenEvent } from '../receiving/listener.js';
import { SIGNATURE_HEADER } from '../signing/signature.js';
import type { RequestSummary, ResendAttempt } from './api-types.js';

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
  reply: { status: number; body: string; contentType: string | null; headers: Record<string, string> };
  latencyMs: number;
  /** What the platform waits for this event's reply; null when it ignores the reply. */
  deadlineMs: number | null;
  /** What the platform makes of the reply, in plain words. */
  outcome: string[];
  forwardedTo: string | null;
  /** Why the forward target refused a request whose signature is valid (a re-serialised body, another secret). */
  forwardHint: string | null;
  /** The request this one is a re-send of, when the inspector sent it here. */
  resendOf: number | null;
  /** Its re-sends from the page, with their results. */
  attempts: ResendAttempt[];
  /** The capture file it was loaded from at start: a request of an earlier run. */
  loadedFrom: string | null;
  /** Header values and the start of the body, for the filter's free text: made once, sent with every list. */
  searchText: string;
}

/** Bodies can be 10 MB each: the inspector keeps at most this much of them, whatever --ui-keep says. */
export const MAX_KEPT_BYTES = 256 * 1024 * 1024;

/** Re-sends kept waiting for their arrival here; past this many, the oldest are forgotten. */
const MAX_PENDING_RESENDS = 100;

/** A latency as every --json gives it: milliseconds to two decimals. */
export const shownMs = (ms: number) => Math.round(ms * 100) / 100;

export type StoreEvent =
  | { added: InspectedRequest }
  | { dropped: number[] }
  | { attempt: { id: number; attempt: ResendAttempt } }
  | { cleared: true };

/** A re-send on its way: which request it is an attempt of, and the request it became here, once it came. */
interface PendingResend {
  original: number;
  number: number;
  arrived: number | null;
  attempt: ResendAttempt | null;
}

/**
 * The requests the inspector holds: the last `keep` (and at most MAX_KEPT_BYTES of bodies), oldest
 * dropped first (`--save` is the durable record). Listeners hear each new request, each drop, each
 * re-send's result and each clear.
 */
export class RequestStore {
  private readonly requests: InspectedRequest[] = [];
  private nextId = 1;
  private bytes = 0;
  private readonly pending = new Map<string, PendingResend>();
  /** How many re-sends of each request were started: the next one's number follows. */
  private readonly attemptsStarted = new Map<number, number>();
  private readonly listeners = new Set<(change: StoreEvent) => void>();

  constructor(
    readonly keep: number,
    private readonly maxBytes = MAX_KEPT_BYTES,
  ) {}

  add(event: ListenEvent): InspectedRequest {
    const request = inspect(this.nextId++, event);
    const key = resendKey(request.headers, request.body);
    const pending = this.pending.get(key);
    if (pending !== undefined && pending.arrived === null) {
      request.resendOf = pending.original;
      pending.arrived = request.id;
      if (pending.attempt !== null) {
        this.pending.delete(key);
        this.settle(pending, pending.attempt);
      }
    }
    return this.hold(request);
  }

  /** A request of an earlier run, from the capture file: shown as such, with the verdict listen recorded. */
  addEarlier(capture: Capture, file: string): InspectedRequest {
    return this.hold(fromCapture(this.nextId++, capture, file));
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
    this.notify({ cleared: true });
  }

  /**
   * A re-send of `original` is about to go out with these headers and body: if it comes to this listener,
   * it is listed as an attempt of its original. Returns the attempt's number and where to record its result.
   */
  expectResend(
    original: InspectedRequest,
    headers: Record<string, string>,
    body: Buffer,
  ): { number: number; record(attempt: ResendAttempt): ResendAttempt } {
    const number = (this.attemptsStarted.get(original.id) ?? 0) + 1;
    this.attemptsStarted.set(original.id, number);
    const key = resendKey(headers, body);
    const pending: PendingResend = { original: original.id, number, arrived: null, attempt: null };
    this.pending.set(key, pending);
    // A re-send to another receiver never comes here: the oldest such keys make room.
    for (const oldest of this.pending.keys()) {
      if (this.pending.size <= MAX_PENDING_RESENDS) break;
      this.pending.delete(oldest);
    }
    return {
      number,
      record: (attempt) => {
        pending.attempt = attempt;
        // The reply came: a re-send to this listener has come too, or its event is on its way (it is
        // reported once answered); the key stays until then, so that it is still linked.
        if (pending.arrived !== null) this.pending.delete(key);
        return this.settle(pending, attempt);
      },
    };
  }

  subscribe(listener: (change: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private settle(pending: PendingResend, attempt: ResendAttempt): ResendAttempt {
    const settled = { ...attempt, request_id: pending.arrived };
    const original = this.get(pending.original);
    if (original === undefined) return settled;
    const at = original.attempts.findIndex((known) => known.number === settled.number);
    if (at === -1) original.attempts.push(settled);
    else original.attempts[at] = settled;
    original.attempts.sort((a, b) => a.number - b.number);
    this.notify({ attempt: { id: original.id, attempt: settled } });
    return settled;
  }

  private hold(request: InspectedRequest): InspectedRequest {
    this.requests.push(request);
    this.bytes += request.body.length;
    // Oldest out first, past --ui-keep requests or past maxBytes of bodies (the newest always stays).
    const dropped: number[] = [];
    while (this.requests.length > 1 && (this.requests.length > this.keep || this.bytes > this.maxBytes)) {
      const oldest = this.requests.shift()!;
      this.bytes -= oldest.body.length;
      dropped.push(oldest.id);
    }
    this.notify({ added: request });
    if (dropped.length > 0) this.notify({ dropped });
    return request;
  }

  private notify(change: StoreEvent): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The signature (or, unsigned, the timestamp) and the body: what tells a re-send apart when it arrives. */
function resendKey(headers: Record<string, string | undefined>, body: Buffer): string {
  return createHash('sha256')
    .update(`${headers[SIGNATURE_HEADER] ?? ''}\n`)
    .update(body)
    .digest('hex');
}

/** How much of the start of a body the page's free text searches. */
const SEARCHED_BYTES = 64 * 1024;

function searchedText(headers: Record<string, string>, body: Buffer): string {
  return searchTextOf(headers, body.subarray(0, SEARCHED_BYTES).toString('utf8'));
}

export function summaryOf(request: InspectedRequest): RequestSummary {
  return {
    id: request.id,
    received_at: request.receivedAt,
    method: request.method,
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
    resend_of: request.resendOf,
    earlier: request.loadedFrom !== null,
    search_text: request.searchText,
  };
}

/** What the reply's status and time mean for this event, in one line. */
export function replyMeaning(request: InspectedRequest): string {
  const { status } = request.reply;
  const refused = status < 200 || status >= 300;
  if (request.event === null || !isEvent(request.event)) return refused ? `refused (${status})` : `answered ${status}`;
  const time = ms(request.latencyMs);
  if (request.deadlineMs === null)
    return refused
      ? `refused (${status}): the platform expects a 2xx for ${request.event} and reads no reply body; no retry is documented, so this delivery is lost to the receiver`
      : `any 2xx is right: the platform reads no reply body for ${request.event}`;
  const deadline = duration(request.deadlineMs);
  if (refused) return `refused (${status}) in ${time}: the platform gets no reply it can use (the deadline is ${deadline})`;
  if (request.latencyMs > request.deadlineMs) return `${time}: past the ${deadline} deadline, so the platform does not use it`;
  return `${time} of the ${deadline} deadline`;
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
    errors: shownFindings(event.errors),
    warnings: shownFindings(event.warnings),
    reply: { status: event.answer.status, body: replyBody, contentType, headers: event.answer.headers ?? {} },
    latencyMs: event.latencyMs,
    deadlineMs: known === undefined ? null : (replyDeadlineMs(known) ?? null),
    outcome: outcomeOf(event, known, replyBody),
    forwardedTo: event.forward?.url !== undefined ? shownUrl(event.forward.url) : null,
    forwardHint: event.forward?.hint ?? null,
    resendOf: null,
    attempts: [],
    loadedFrom: null,
    searchText: searchedText(headers, event.body),
  };
}

/** A saved capture as the inspector shows it: what listen recorded, the request re-read for its event and call. */
function fromCapture(id: number, capture: Capture, file: string): InspectedRequest {
  const body = captureBody(capture);
  const facts = factsOf(capture, body);
  const known = isEvent(facts.event) ? facts.event : undefined;
  // The schema's findings are not saved with a capture: read again, as verify would.
  const validation = facts.document === undefined ? undefined : validatePayload(facts.document);
  const verdict = capture.verdict;
  const signature = verdict?.signature;
  const reason =
    verdict?.reason ??
    verdict?.bad_request ??
    (signature !== undefined && signature !== 'valid' && signature !== 'unchecked' ? `signature: ${signature}` : undefined) ??
    (verdict?.errors !== undefined && verdict.errors > 0 ? `schema: ${verdict.errors} error${verdict.errors === 1 ? '' : 's'}` : undefined);
  return {
    id,
    receivedAt: capture.received_at ?? new Date(0).toISOString(),
    method: capture.method,
    path: capture.path,
    headers: Object.assign(Object.create(null), capture.headers) as Record<string, string>,
    body,
    event: facts.event ?? null,
    dialect: validation?.dialect ?? null,
    callId: facts.callId ?? null,
    tools: calledToolNames(facts.document),
    passed: verdict?.passed ?? false,
    reason: reason ?? (verdict === undefined ? 'no verdict was saved with it' : null),
    diagnosis: null,
    errors: shownFindings(validation?.errors ?? []),
    warnings: shownFindings(validation?.warnings ?? []),
    reply: {
      status: capture.reply?.status ?? 0,
      body: capture.reply?.body ?? '',
      contentType: capture.reply?.content_type ?? null,
      headers: {},
    },
    latencyMs: capture.reply?.latency_ms ?? 0,
    deadlineMs: known === undefined ? null : (replyDeadlineMs(known) ?? null),
    outcome: [],
    forwardedTo: null,
    forwardHint: null,
    resendOf: null,
    attempts: [],
    loadedFrom: file,
    searchText: searchedText(capture.headers, body),
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
