import { type OutgoingRequest, postOnce, type ReceivedReply } from './http.js';
import type { Clock } from '../clock.js';
import { detectDialect } from '../platform/dialect.js';
import type { EventType } from '../platform/events.js';
import { checkReceivedReply, judgedAs, type ReplyVerdict } from '../platform/reply-check.js';
import { InputError } from '../errors.js';
import { captureBody, type Capture } from '../captures/capture-file.js';
import { applySet, applyUnset } from '../platform/json-path.js';
import { eventOf } from '../platform/schemas/index.js';
import { computeSignature, EVENT_HEADER, SIGNATURE_HEADER, SIGNATURE_PREFIX, TIMESTAMP_HEADER } from '../signing/signature.js';

/** How a replayed request is signed: anew with a secret, exactly as captured, or not at all. */
export type ReplaySigning = { kind: 'resign'; secret: string } | { kind: 'as-captured' } | { kind: 'unsigned' };

/** Body edits before signing, as `send --set/--unset` makes them. */
export interface BodyEdits {
  set: readonly string[];
  unset: readonly string[];
}

/** Headers that describe the captured connection, not the request: the new connection sets its own. */
const CONNECTION_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'proxy-connection',
  // A listener that forwarded this request marked it; a replay is a new delivery.
  'x-hms-webhook-forwarded',
]);

/** A captured request that no HTTP client can send again as it was: its line is skipped, the others replayed. */
export class UnsendableCapture extends InputError {}

/**
 * The request to send again: the captured body bytes (or the edited JSON), the captured headers but
 * the connection's own, and the signature as `signing` says, timestamped `timestamp` when re-signed.
 */
export function replayRequest(
  capture: Capture,
  url: URL,
  signing: ReplaySigning,
  timestamp: number,
  edits: BodyEdits,
): { request: OutgoingRequest; document: unknown } {
  let body = captureBody(capture);
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    document = undefined;
  }
  if (edits.set.length > 0 || edits.unset.length > 0) {
    if (document === null || typeof document !== 'object')
      throw new InputError('the body is not a JSON object, so --set and --unset cannot edit it');
    for (const assignment of edits.set) applySet(document, assignment);
    for (const path of edits.unset) applyUnset(document, path);
    body = Buffer.from(JSON.stringify(document));
  }
  // No prototype: a captured header named __proto__ is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(capture.headers)) {
    const key = name.toLowerCase();
    if (typeof value !== 'string' || CONNECTION_HEADERS.has(key)) continue;
    if (signing.kind !== 'as-captured' && (key === SIGNATURE_HEADER || key === TIMESTAMP_HEADER)) continue;
    // A line break or NUL in a value would split the request into two (header injection): Node refuses to send it.
    if (/[\r\n\0]/.test(value)) throw new UnsendableCapture(`its ${key} header holds a line break or NUL, which no HTTP client sends`);
    headers[key] = value;
  }
  // An edit of message.type changes the event; otherwise the captured header stays as it was.
  const event =
    (edits.set.length > 0 || edits.unset.length > 0 ? eventOf(document) : undefined) ?? headers[EVENT_HEADER] ?? eventOf(document);
  if (event !== undefined) headers[EVENT_HEADER] = event;
  if (signing.kind === 'resign') {
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = SIGNATURE_PREFIX + computeSignature(signing.secret, String(timestamp), body);
  } else if (signing.kind === 'unsigned') {
    // The platform sends a timestamp without a signature when the assistant has no webhook_secret.
    headers[TIMESTAMP_HEADER] = String(timestamp);
  }
  return { request: { url, headers, body }, document };
}

/**
 * Sends a request made by replayRequest and judges its reply as `send` does. A request that gets no
 * reply throws NetworkFailure, for the caller to count or report.
 */
export async function sendReplayed(
  replayed: { request: OutgoingRequest; document: unknown },
  event: string | undefined,
  options: { timeoutMs: number; clock: Clock; expectStatus?: string },
): Promise<{ reply: ReceivedReply; verdict: ReplyVerdict; judgedAs: EventType }> {
  const reply = await postOnce(replayed.request, options.timeoutMs, options.clock);
  const as = judgedAs(event);
  const verdict = checkReceivedReply({
    event: as,
    dialect: detectDialect(replayed.document),
    request: replayed.document,
    reply,
    ...(options.expectStatus !== undefined ? { expectStatus: options.expectStatus } : {}),
  });
  return { reply, verdict, judgedAs: as };
}
