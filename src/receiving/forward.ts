// The listener's --forward-to: loaded only by a listener that forwards. undici is imported statically
// here, never with import(): bundled, a dynamic import of a CommonJS package yields only its default.
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';
import { isEvent } from '../platform/events.js';
import { checkReceivedReply, type ReplyVerdict } from '../platform/reply-check.js';
import { replyDeadlineMs } from '../platform/schemas/index.js';
import { classifyNetworkError } from '../sending/http.js';
import type { Answered, Judged } from './listener.js';

/** Marks a request this listener forwarded, so that a loop back to a listener is cut. */
export const FORWARDED_HEADER = 'x-hms-webhook-forwarded';
/** What is kept of a forwarded reply, for display and the capture; the rest is streamed through. */
const KEPT_REPLY_BYTES = 1024 * 1024;
/** Waiting for the forward target: the event's deadline (or this, for events without one), plus a margin. */
const DEFAULT_DEADLINE_MS = 10_000;
const FORWARD_MARGIN_MS = 5_000;

/** Relays the exact bytes and headers to the user's server, and its reply — status, Content-Type and bytes — back. */
export async function forward(
  event: Judged,
  body: Buffer,
  req: IncomingMessage,
  target: URL,
  forwardTimeoutMs: number | undefined,
  /** Aborted by a second signal: the forward ends at once. */
  stop?: AbortSignal,
): Promise<Answered> {
  const deadline = isEvent(event.event) ? replyDeadlineMs(event.event) : undefined;
  const timeoutMs = forwardTimeoutMs ?? (deadline ?? DEFAULT_DEADLINE_MS) + FORWARD_MARGIN_MS;
  const headers: Record<string, string> = { [FORWARDED_HEADER]: '1' };
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const started = performance.now();
  try {
    const response = await request(target, {
      method: 'POST',
      headers,
      body,
      signal: stop !== undefined ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs),
    });
    const chunks = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const kept: Buffer[] = [];
    let size = 0;
    let rest: AsyncIterator<Buffer> | undefined;
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      kept.push(next.value);
      size += next.value.length;
      if (size > KEPT_REPLY_BYTES) {
        rest = chunks;
        break;
      }
    }
    const bytes = Buffer.concat(kept);
    const header = response.headers['content-type'];
    const contentType = Array.isArray(header) ? header[0] : header;
    const reply = { status: response.statusCode, contentType, body: bytes, latencyMs: performance.now() - started };
    const verdict: ReplyVerdict | undefined =
      rest !== undefined
        ? {
            ok: response.statusCode >= 200 && response.statusCode < 300,
            checks: [
              { name: 'json', severity: 'warning', message: `the reply is over ${KEPT_REPLY_BYTES} bytes: relayed whole, not checked` },
            ],
            parsed: undefined,
            outcome: [],
          }
        : isEvent(event.event)
          ? checkReceivedReply({ event: event.event, dialect: event.dialect ?? 'hms', request: event.document, reply })
          : undefined;
    // A request whose signature we checked and found valid, refused by the receiver: its check is what is wrong.
    const hint =
      event.signature.checked && event.signature.ok && (reply.status === 401 || reply.status === 403)
        ? 'the signature is valid: your receiver probably verifies a re-serialised body or another secret'
        : undefined;
    return {
      ...event,
      forward: { url: target.href, status: reply.status, latencyMs: reply.latencyMs, verdict, ...(hint ? { hint } : {}) },
      answer: {
        status: reply.status,
        body: bytes.toString('utf8', 0, Math.min(bytes.length, KEPT_REPLY_BYTES)),
        contentType: contentType ?? null,
        bytes,
        rest,
      },
    };
  } catch (error) {
    const failure = classifyNetworkError(error, target, timeoutMs);
    const message =
      failure.kind === 'refused'
        ? `cannot connect to ${target.origin}: connection refused — is your server running?`
        : failure.message.replace(' (raise --timeout to wait longer)', ' (--forward-timeout to wait longer)');
    return {
      ...event,
      forward: { url: target.href, failure: message },
      answer: { status: 502, body: JSON.stringify({ error: `forward failed: ${message}` }) },
    };
  }
}
