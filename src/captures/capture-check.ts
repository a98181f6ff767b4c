import { captureBody, type Capture } from './capture-file.js';
import { inspectDelivery } from '../platform/delivery.js';
import { type BodyOrigin, type Diagnosis, diagnoseFailure, type KnownSecret } from '../signing/diagnosis.js';
import { isEvent } from '../platform/events.js';
import { checkReceivedReply, type ReplyVerdict } from '../platform/reply-check.js';
import type { Finding } from '../platform/schemas/index.js';
import { verify, type Body, type FailureReason } from '../signing/signature.js';

export interface CaptureCheckOptions {
  /** Secrets the requests are verified with (accepted) and others known to the user, for the diagnosis. Empty: signatures are not checked. */
  secrets: readonly KnownSecret[];
  toleranceSeconds: number;
  /** Unix seconds to judge timestamps against; undefined: each capture's received_at, else the current time. */
  now?: number;
  ignoreTime?: boolean;
  /** The current time, used when a capture has no usable received_at. */
  clock: () => number;
}

export type SignatureCheck =
  | { checked: false }
  | {
      checked: true;
      ok: true;
      secretLabel: string /** Above 0: signed with a secret other than the first (rotation). */;
      secretIndex: number;
    }
  | { checked: true; ok: false; reason: FailureReason; message: string; diagnosis?: Diagnosis };

/** Everything `verify` found about one captured request. */
export interface CaptureCheck {
  receivedAt: string | undefined;
  event: string | undefined;
  dialect: string | undefined;
  callId: string | undefined;
  /** Set when the request is not a webhook delivery at all: another method, not JSON. */
  notWebhook?: string;
  signature: SignatureCheck;
  errors: Finding[];
  warnings: Finding[];
  /** The recorded reply, judged as the platform would use it; absent when none was recorded. */
  reply?: ReplyVerdict;
  passed: boolean;
}

/** Checks one captured request: signature and timestamp, schema, event header, and its recorded reply. */
export function checkCapture(capture: Capture, options: CaptureCheckOptions): CaptureCheck {
  // Text bodies stay strings: their UTF-8 bytes are what was received, and no copy is made.
  const body = capture.body_base64 === undefined && typeof capture.body === 'string' ? capture.body : captureBody(capture);
  const headers = capture.headers;
  const receivedAt = typeof capture.received_at === 'string' ? capture.received_at : undefined;
  // A received_at that is not a date is said, not silently replaced by the current time.
  const badTime =
    capture.received_at !== undefined &&
    options.now === undefined &&
    !options.ignoreTime &&
    !Number.isFinite(Date.parse(String(capture.received_at)))
      ? [
          {
            path: ['received_at'],
            message: `${JSON.stringify(capture.received_at)} is not a date, so the timestamp cannot be judged: give --now or --ignore-time`,
          },
        ]
      : [];
  const signature = checkSignature(body, capture, badTime.length > 0 ? { ...options, ignoreTime: true } : options);
  const base = { receivedAt, signature, errors: badTime, warnings: [] };
  if (typeof capture.method === 'string' && capture.method.toUpperCase() !== 'POST') {
    return {
      ...base,
      event: undefined,
      dialect: undefined,
      callId: undefined,
      notWebhook: `method ${capture.method}: the platform POSTs`,
      passed: false,
    };
  }
  // A request the listener refused before reading it: say what it was, not that its (empty) body is not JSON.
  const refusedStatus = capture.reply?.status;
  if (refusedStatus === 404 || refusedStatus === 413) {
    return {
      ...base,
      event: undefined,
      dialect: undefined,
      callId: undefined,
      notWebhook:
        refusedStatus === 404
          ? `path ${capture.path} is not the webhook path (the listener answered 404)`
          : "the body was over the listener's --max-body (it answered 413 and did not keep it)",
      passed: false,
    };
  }
  const content = inspectDelivery(body, headers);
  if (content.notJson !== undefined) {
    return {
      ...base,
      event: undefined,
      dialect: undefined,
      callId: undefined,
      notWebhook: `the body is ${content.notJson}`,
      passed: false,
    };
  }
  const errors = [...badTime, ...content.errors];
  const requestOk = errors.length === 0 && (!signature.checked || signature.ok);
  // A reply to a request that should have been refused says nothing about the receiver's answers.
  const reply =
    requestOk && isEvent(content.event)
      ? checkRecordedReply(capture, content.event, content.dialect ?? 'hms', content.document)
      : undefined;
  return {
    receivedAt,
    event: content.event,
    dialect: content.dialect,
    callId: content.callId,
    signature,
    errors,
    warnings: content.warnings,
    reply,
    passed: requestOk && (reply === undefined || reply.ok),
  };
}

function checkSignature(body: Body, capture: Capture, options: CaptureCheckOptions): SignatureCheck {
  const accepted = options.secrets.filter((s) => s.accepted);
  if (accepted.length === 0) return { checked: false };
  const result = verify({
    body,
    headers: capture.headers,
    secrets: accepted.map((s) => s.secret),
    now: timeReference(capture, options),
    toleranceSeconds: options.ignoreTime ? Infinity : options.toleranceSeconds,
  });
  if (result.ok) return { checked: true, ok: true, secretLabel: accepted[result.secretIndex]!.label, secretIndex: result.secretIndex };
  if (result.reason === 'timestamp-too-old' || result.reason === 'timestamp-in-future') {
    // The age alone failed: say whether the signature itself holds, so both are known.
    const ageless = verify({ body, headers: capture.headers, secrets: accepted.map((s) => s.secret), toleranceSeconds: Infinity });
    const copied = capture.received_at === undefined ? ' — use --ignore-time or --now for a request copied from a log' : '';
    if (ageless.ok) {
      const diagnosis = diagnoseFailure(result.reason, Buffer.from(body), capture.headers, options.secrets, originOf(capture));
      return {
        checked: true,
        ok: false,
        reason: result.reason,
        message: `the signature is valid, but ${result.message}${copied}`,
        ...(diagnosis ? { diagnosis } : {}),
      };
    }
    const diagnosis = diagnoseFailure(ageless.reason, Buffer.from(body), capture.headers, options.secrets, originOf(capture));
    return {
      checked: true,
      ok: false,
      reason: ageless.reason,
      message: `${ageless.message}; and ${result.message}`,
      ...(diagnosis ? { diagnosis } : {}),
    };
  }
  const diagnosis = diagnoseFailure(result.reason, Buffer.from(body), capture.headers, options.secrets, originOf(capture));
  return { checked: true, ok: false, reason: result.reason, message: result.message, ...(diagnosis ? { diagnosis } : {}) };
}

/** A capture holds the bytes as they arrived; a request given by hand (no received_at) is a copy in a file. */
function originOf(capture: Capture): BodyOrigin {
  return capture.received_at === undefined ? 'file' : 'received';
}

/** --now, else the moment the capture was received (old captures still verify), else the current time. */
function timeReference(capture: Capture, options: CaptureCheckOptions): number {
  if (options.now !== undefined) return options.now;
  const received = typeof capture.received_at === 'string' ? Date.parse(capture.received_at) : NaN;
  return Number.isFinite(received) ? Math.floor(received / 1000) : options.clock();
}

function checkRecordedReply(
  capture: Capture,
  event: Parameters<typeof checkReceivedReply>[0]['event'],
  dialect: 'hms' | 'flireo',
  request: unknown,
): ReplyVerdict | undefined {
  const recorded = capture.reply;
  if (recorded === undefined) return undefined;
  return checkReceivedReply({
    event,
    dialect,
    request,
    reply: {
      status: recorded.status,
      contentType: recorded.content_type,
      body: Buffer.from(recorded.body, 'utf8'),
      latencyMs: recorded.latency_ms,
    },
  });
}
