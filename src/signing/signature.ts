import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TOLERANCE_SECONDS } from '../defaults.js';

export { DEFAULT_TOLERANCE_SECONDS };

export const SIGNATURE_HEADER = 'x-webhook-signature';
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const EVENT_HEADER = 'x-webhook-event';
export const USER_AGENT = 'HMS-Sovereign/1.0';
export const SIGNATURE_PREFIX = 'sha256=';

export type Body = string | Uint8Array;

/** The headers the platform sends, with the names it uses on the wire. */
export interface PlatformHeaders {
  'Content-Type': 'application/json';
  'User-Agent': string;
  'X-Webhook-Event': string;
  'X-Webhook-Timestamp': string;
  'X-Webhook-Signature'?: string;
}

export interface SignInput {
  body: Body;
  secret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number | string;
  /** Defaults to the body's `message.type`. */
  event?: string;
}

export type FailureReason =
  | 'missing-signature'
  | 'missing-timestamp'
  | 'malformed-timestamp'
  | 'timestamp-too-old'
  | 'timestamp-in-future'
  | 'malformed-signature'
  | 'signature-mismatch';

export type VerifyResult = { ok: true; secretIndex: number } | { ok: false; reason: FailureReason; message: string };

export type HeaderBag = { get(name: string): string | null } | Record<string, string | readonly string[] | undefined>;

export interface VerifyInput {
  body: Body;
  headers: HeaderBag;
  secrets: string | readonly string[];
  /** Unix seconds (number) or a Date; defaults to now. */
  now?: number | Date;
  toleranceSeconds?: number;
}

/** Lowercase hex HMAC-SHA256 of "<timestamp>.<body>", hashed without copying the body. */
export function computeSignature(secret: string, timestamp: string, body: Body): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export function unixSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}

/** Headers for an unsigned delivery: what the platform sends when no webhook_secret is set. */
export function unsignedHeaders(input: Omit<SignInput, 'secret'>): PlatformHeaders {
  const timestamp = normaliseTimestamp(input.timestamp);
  return {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Webhook-Event': input.event ?? eventOfBody(input.body),
    'X-Webhook-Timestamp': timestamp,
  };
}

/** The headers the platform sends for this body, signed with `secret`. */
export function sign(input: SignInput): Required<PlatformHeaders> {
  if (input === null || typeof input !== 'object') throw new TypeError('sign() takes { body, secret, timestamp? }');
  assertBody(input.body, 'sign');
  assertSecret(input.secret, 'sign');
  const headers = unsignedHeaders(input);
  return {
    ...headers,
    'X-Webhook-Signature': SIGNATURE_PREFIX + computeSignature(input.secret, headers['X-Webhook-Timestamp'], input.body),
  };
}

/** The platform's headers: signed with `secret`, or unsigned when there is none (an assistant without webhook_secret). */
export function platformHeaders(input: Omit<SignInput, 'secret'> & { secret: string | undefined }): Record<string, string> {
  const { secret, ...rest } = input;
  return secret === undefined ? { ...unsignedHeaders(rest) } : { ...sign({ ...rest, secret }) };
}

/** Checks a delivery the way a careful receiver should; every failure carries its reason. */
export function verify(input: VerifyInput): VerifyResult {
  if (input === null || typeof input !== 'object') throw new TypeError('verify() takes { body, headers, secrets }');
  assertBody(input.body, 'verify');
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new TypeError('verify() needs at least one secret: a string or an array of strings');
  }
  for (const secret of secrets) assertSecret(secret, 'verify');
  if (input.headers === null || typeof input.headers !== 'object') {
    throw new TypeError('verify() needs headers: a plain object or a Headers instance');
  }
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !(tolerance >= 0)) {
    throw new TypeError('verify(): toleranceSeconds must be a number >= 0');
  }
  const now = input.now instanceof Date ? unixSeconds(input.now) : (input.now ?? unixSeconds());
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('verify(): now must be unix seconds or a Date');

  const signatureValue = headerValue(input.headers, SIGNATURE_HEADER);
  if (signatureValue === undefined || signatureValue === '') {
    return fail(
      'missing-signature',
      'the X-Webhook-Signature header is missing: the request is unsigned (the platform signs only when the assistant has a webhook_secret)',
    );
  }
  const timestamp = headerValue(input.headers, TIMESTAMP_HEADER);
  if (timestamp === undefined || timestamp === '') {
    return fail('missing-timestamp', 'the X-Webhook-Timestamp header is missing: the signature cannot be checked without it');
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    return fail('malformed-timestamp', `X-Webhook-Timestamp ${JSON.stringify(clip(timestamp))} is not unix seconds (digits only)`);
  }
  const age = now - Number(timestamp);
  if (age > tolerance) {
    return fail(
      'timestamp-too-old',
      `the timestamp is ${age} s old, more than the ${tolerance} s tolerance: a replay, a delayed delivery, or a wrong clock`,
    );
  }
  if (-age > tolerance) {
    const hint = Number(timestamp) > 1e12 ? 'it looks like milliseconds; the platform sends unix seconds' : "check the sender's clock";
    return fail('timestamp-in-future', `the timestamp is ${-age} s in the future, more than the ${tolerance} s tolerance: ${hint}`);
  }
  const hex = signatureValue.startsWith(SIGNATURE_PREFIX) ? signatureValue.slice(SIGNATURE_PREFIX.length) : signatureValue;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    return fail(
      'malformed-signature',
      `X-Webhook-Signature ${JSON.stringify(clip(signatureValue))} is not "sha256=" followed by 64 hex digits`,
    );
  }
  // Compare the hex text, not the decoded bytes: the platform sends lowercase, as the SDK expects.
  const given = Buffer.from(hex, 'latin1');
  let matched = -1;
  secrets.forEach((secret, index) => {
    const expected = Buffer.from(computeSignature(secret, timestamp, input.body), 'latin1');
    if (timingSafeEqual(given, expected) && matched === -1) matched = index;
  });
  if (matched === -1) {
    return fail(
      'signature-mismatch',
      secrets.length === 1
        ? 'the signature does not match this secret and body'
        : `the signature matches none of the ${secrets.length} secrets`,
    );
  }
  return { ok: true, secretIndex: matched };
}

/** Case-insensitive header lookup over a Headers instance or a plain object (first value of a list). */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) return value[0];
  return typeof value === 'string' ? value : undefined;
}

function fail(reason: FailureReason, message: string): VerifyResult {
  return { ok: false, reason, message };
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function normaliseTimestamp(timestamp: number | string | undefined): string {
  if (timestamp === undefined) return String(unixSeconds());
  if (typeof timestamp === 'number' && Number.isInteger(timestamp)) return String(timestamp);
  if (typeof timestamp === 'string') return timestamp;
  throw new TypeError('timestamp must be whole unix seconds (a number or a string)');
}

function eventOfBody(body: Body): string {
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    const type = (JSON.parse(text) as { message?: { type?: unknown } } | null)?.message?.type;
    if (typeof type === 'string') return type;
  } catch {
    // not JSON: fall through to the TypeError below
  }
  throw new TypeError('the body has no message.type: pass event to name the X-Webhook-Event header');
}

function assertBody(body: unknown, fn: string): asserts body is Body {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError(`${fn}(): body must be a string or bytes (Buffer/Uint8Array), the raw request body`);
  }
}

function assertSecret(secret: unknown, fn: string): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new TypeError(`${fn}(): a secret must be a non-empty string`);
  }
}
