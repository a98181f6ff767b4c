import { createHmac, randomBytes } from 'node:crypto';
import { NetworkFailure, postOnce, type OutgoingRequest } from './http.js';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { DUPLICATE_RULE, judgeDuplicate } from '../platform/duplicate-delivery.js';
import { serialiseJson } from '../platform/json-forms.js';
import { refusalHint } from '../platform/refusal-hints.js';
import { sign, TIMESTAMP_HEADER, unsignedHeaders } from '../signing/signature.js';

export type ProbeExpectation = 'accept' | 'refuse';
/** `inconclusive`: the valid request was not accepted, so a refusal proves nothing. */
export type ProbeVerdict = 'pass' | 'fail' | 'warn' | 'inconclusive';

/**
 * valid: the platform's request, compact. reserialised: the same payload written another way, correctly
 * signed, which a receiver verifying the raw bytes accepts. The rest are what a safe receiver refuses.
 */
export type ProbeKind = 'valid' | 'reserialised' | 'forgery' | 'malformed-signature' | 'lenient-timestamp' | 'duplicate';

/** One request of the probe: what it is, what a safe receiver does with it, and why that matters. */
export interface ProbeCase {
  name: string;
  kind: ProbeKind;
  expect: ProbeExpectation;
  /** Accepting this one is a warning, not a failure. */
  acceptIsWarning?: boolean;
  /** What accepting it means, when it is only a warning. */
  acceptNote?: string;
  why: string;
  /** Built when sent, so its timestamp is taken at that moment. */
  request(now: number): OutgoingRequest;
}

export interface ProbeResult {
  probe: ProbeCase;
  status?: number;
  /** The reply's body and redirect target: what names a refusal of the valid request. */
  body?: Buffer;
  location?: string;
  failure?: string;
  verdict: ProbeVerdict;
  note?: string;
}

/** One second past the 300 s tolerance: a request can only age on its way, so this stays refused. */
const PAST_EDGE = 301;
/**
 * A future timestamp comes nearer the tolerance while the request travels and whenever a second
 * boundary falls between signing and checking, so its margin covers a slow delivery.
 */
const FUTURE_EDGE = 330;

/**
 * The valid request, the same payload written the other ways JSON gets written (each correctly
 * signed), and the forgeries a receiver must refuse — all built from one payload.
 */
export function probeCases(url: URL, body: Buffer, document: unknown, event: string, secret: string): ProbeCase[] {
  const signed = (timestamp: number | string, bytes: Buffer = body, key = secret): Record<string, string> => ({
    // A lenient form (`+N`, `Nx`) is signed over its exact text below; its number only builds the other headers.
    ...sign({ body: bytes, secret: key, timestamp: Number.parseInt(String(timestamp).replace(/^\+/, ''), 10), event }),
    ...(typeof timestamp === 'string' ? { 'X-Webhook-Timestamp': timestamp, 'X-Webhook-Signature': signature(key, timestamp, bytes) } : {}),
  });
  const notJson = Buffer.from('this is not JSON');
  const tampered = Buffer.from(body.toString('utf8').replace(/^\{/, '{"tampered":true,'));
  const withSignature = (now: number, value: string) => ({ url, headers: { ...signed(now), 'X-Webhook-Signature': value }, body });
  let valid: OutgoingRequest | undefined;
  return [
    {
      name: 'valid request',
      kind: 'valid',
      expect: 'accept',
      why: 'a receiver that refuses a correctly signed delivery loses every event',
      request: (now) => (valid = { url, headers: signed(now), body }),
    },
    ...reserialisedForms(body, document).map(
      ([how, bytes]): ProbeCase => ({
        name: `valid, ${how}`,
        kind: 'reserialised',
        expect: 'accept',
        why: 'the signature covers the bytes as sent: a receiver that re-serialises before verifying refuses real deliveries',
        request: (now) => ({ url, headers: signed(now, bytes), body: bytes }),
      }),
    ),
    {
      name: 'tampered body',
      kind: 'forgery',
      expect: 'refuse',
      why: 'whoever sits on the path could change a payload: a tool’s arguments, a caller’s number',
      request: (now) => ({ url, headers: signed(now), body: tampered }),
    },
    {
      name: 'wrong secret',
      kind: 'forgery',
      expect: 'refuse',
      why: 'anyone could send you events that look like the platform’s',
      request: (now) => ({ url, headers: signed(now, body, randomBytes(24).toString('hex')), body }),
    },
    {
      name: 'missing signature',
      kind: 'forgery',
      expect: 'refuse',
      why: 'a forger simply leaves the header out; only an assistant without webhook_secret sends unsigned',
      request: (now) => ({ url, headers: { ...unsignedHeaders({ body, timestamp: now, event }) }, body }),
    },
    ...(
      [
        ['short signature (sha256=abc)', 'sha256=abc'],
        ['empty signature', ''],
        ['signature that is not hex', `sha256=${'z'.repeat(64)}`],
      ] as const
    ).map(
      ([name, value]): ProbeCase => ({
        name,
        kind: 'malformed-signature',
        expect: 'refuse',
        why: 'a length mismatch makes timingSafeEqual throw: the receiver must answer 401, not crash',
        request: (now) => withSignature(now, value),
      }),
    ),
    {
      name: 'double-prefixed signature',
      kind: 'malformed-signature',
      expect: 'refuse',
      acceptIsWarning: true,
      acceptNote:
        'it strips every "sha256=" before comparing: harmless, since the HMAC itself is right, but the platform sends the prefix once',
      why: 'the platform sends "sha256=" once; a receiver that crashes on this one fails, one that accepts it is lenient',
      request: (now) => withSignature(now, `sha256=${signed(now)['X-Webhook-Signature']}`),
    },
    {
      name: `timestamp ${PAST_EDGE} s old`,
      kind: 'forgery',
      expect: 'refuse',
      why: 'a recorded request could be replayed later: check the age (300 s)',
      request: (now) => ({ url, headers: signed(now - PAST_EDGE), body }),
    },
    {
      name: `timestamp ${FUTURE_EDGE} s in the future`,
      kind: 'forgery',
      expect: 'refuse',
      why: 'a request signed ahead of time could be replayed for minutes: check both directions',
      request: (now) => ({ url, headers: signed(now + FUTURE_EDGE), body }),
    },
    {
      name: 'timestamp in milliseconds',
      kind: 'forgery',
      expect: 'refuse',
      why: 'the platform sends unix seconds; accepting milliseconds means the age check is not working',
      request: (now) => ({ url, headers: signed(now * 1000), body }),
    },
    ...(
      [
        ['timestamp with a fraction (N.0)', (now: number) => `${now}.0`],
        // A leading space never reaches a handler (servers trim header values); trailing text does.
        ['timestamp with trailing text (Nx)', (now: number) => `${now}x`],
        ['timestamp with a plus sign', (now: number) => `+${now}`],
      ] as const
    ).map(
      ([name, text]): ProbeCase => ({
        name,
        kind: 'lenient-timestamp',
        expect: 'refuse',
        acceptIsWarning: true,
        why: 'the platform sends digits only; parseInt-style parsing lets other forms through (signed over that exact text here)',
        request: (now) => ({ url, headers: signed(text(now)), body }),
      }),
    ),
    {
      name: 'signature without its timestamp',
      kind: 'forgery',
      expect: 'refuse',
      why: 'the signature covers "<timestamp>.<body>": without the timestamp it cannot be checked',
      request: (now) => ({
        url,
        headers: Object.fromEntries(Object.entries(signed(now)).filter(([name]) => name.toLowerCase() !== TIMESTAMP_HEADER)),
        body,
      }),
    },
    {
      name: 'non-JSON body (signed)',
      kind: 'forgery',
      expect: 'refuse',
      // Correctly signed, so no forgery: a receiver that verifies, queues the raw body and answers 202 is safe.
      acceptIsWarning: true,
      why: 'the platform always sends JSON: answer 400 to a body you cannot read (accepting it to parse later is safe too)',
      request: (now) => ({ url, headers: signed(now, notJson), body: notJson }),
    },
    // The identical bytes and headers of the valid request, as a duplicate delivery would bring them.
    {
      name: 'the valid request delivered again',
      kind: 'duplicate',
      expect: 'accept',
      why: DUPLICATE_RULE,
      request: (now) => valid ?? { url, headers: signed(now), body },
    },
  ];
}

/** HMAC over "<timestamp>.<body>" with the timestamp as the exact text given. */
function signature(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** The payload written the ways frameworks and languages write JSON; each differs from the compact bytes. */
function reserialisedForms(body: Buffer, document: unknown): [string, Buffer][] {
  const compact = body.toString('utf8');
  const ascii = serialiseJson(document, { indent: '', sortKeys: false, python: false }).replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const forms: [string, string][] = [
    ['pretty-printed', JSON.stringify(document, null, 2)],
    ['with Python json.dumps spacing', serialiseJson(document, { indent: '', sortKeys: false, python: true })],
    // A receiver that parses and stringifies again writes these characters plainly.
    [
      'with \\u escapes',
      ascii === compact ? compact.replace(/"([a-z])/, (_, c: string) => `"\\u00${c.charCodeAt(0).toString(16)}`) : ascii,
    ],
    ['with escaped slashes (\\/)', compact.replaceAll('/', '\\/')],
    ['with its keys in another order', serialiseJson(document, { indent: '', sortKeys: true, python: false })],
    ['with whole numbers as floats (1.0)', serialiseJson(document, { indent: '', sortKeys: false, python: false, floats: true })],
  ];
  return forms.filter(([, text]) => text !== compact).map(([how, text]) => [how, Buffer.from(text)]);
}

/** Sends each case in order, then judges the forgeries against what the valid request got. */
export async function runProbe(cases: readonly ProbeCase[], timeoutMs: number, clock: Clock = systemClock): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of cases) {
    try {
      const reply = await postOnce(probe.request(unixSecondsOf(clock)), timeoutMs, clock);
      const validOk = results.find((result) => result.probe.kind === 'valid')?.verdict === 'pass';
      const judged = judge(probe, reply.status, validOk);
      results.push(
        probe.kind === 'valid' ? { ...judged, body: reply.body, ...(reply.location ? { location: reply.location } : {}) } : judged,
      );
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      results.push(unanswered(probe, error, results.at(-1)));
    }
  }
  const valid = results.find((result) => result.probe.kind === 'valid');
  if (valid === undefined || valid.verdict === 'pass') return results;
  // Without an accepted valid request, a refused forgery proves nothing: the receiver refuses everything.
  valid.note = whyValidFailed(valid);
  return results.map((result) =>
    result === valid ? result : { ...result, verdict: 'inconclusive', note: 'the valid request was not accepted, so this says nothing' },
  );
}

/** The real cause when the valid request is not accepted, in words. */
function whyValidFailed(valid: ProbeResult): string {
  const { status } = valid;
  if (status === undefined) return valid.failure ?? 'no reply in time: is the receiver busy, or is --timeout too short?';
  const hint = refusalHint({
    status,
    body: valid.body ?? Buffer.alloc(0),
    ...(valid.location !== undefined ? { location: valid.location } : {}),
  });
  return `${status}: ${hint ?? 'a correct delivery must get a 2xx'}`;
}

/**
 * A case that got no reply. A timeout is the receiver's answer; a connection closed without a reply
 * is a crash on this request (Go's net/http drops it after a panic); a refused connection is could-not-run
 * on the first case, and after it, a receiver that this probe's previous case brought down.
 */
function unanswered(probe: ProbeCase, error: NetworkFailure, previous: ProbeResult | undefined): ProbeResult {
  if (error.kind === 'timeout')
    return {
      probe,
      failure: error.message,
      verdict: probe.expect === 'accept' ? 'fail' : 'warn',
      note: 'no reply in time: the platform would count this as a failed delivery',
    };
  if (error.kind === 'reset')
    return {
      probe,
      failure: error.message,
      verdict: 'fail',
      note: `no reply: the receiver closed the connection on ${probe.name === 'valid request' ? 'a correct delivery' : `a ${probe.name}`} (a crash?) — ${probe.expect === 'accept' ? 'answer it with a 2xx' : 'answer it with 401, or 400 for a body'}`,
    };
  if (error.kind === 'refused' && previous !== undefined)
    return {
      probe,
      failure: error.message,
      verdict: 'fail',
      note: `no connection: the receiver stopped accepting after "${previous.probe.name}" (it crashed on it?)`,
    };
  throw error;
}

function judge(probe: ProbeCase, status: number, validOk: boolean): ProbeResult {
  const accepted = status >= 200 && status < 300;
  if (probe.kind === 'duplicate') {
    const duplicate = judgeDuplicate({ ok: validOk }, status);
    if (!duplicate.judged) return { probe, status, verdict: 'inconclusive', note: duplicate.reason };
    return { probe, status, verdict: duplicate.ok ? 'pass' : 'fail', ...(duplicate.ok ? {} : { note: duplicate.problem }) };
  }
  if (probe.expect === 'accept') {
    if (accepted) return { probe, status, verdict: 'pass' };
    return { probe, status, verdict: 'fail', ...(probe.kind === 'reserialised' ? { note: RESERIALISED } : {}) };
  }
  if (accepted)
    return { probe, status, verdict: probe.acceptIsWarning ? 'warn' : 'fail', ...(probe.acceptNote ? { note: probe.acceptNote } : {}) };
  if (status >= 500 && probe.kind === 'malformed-signature') return { probe, status, verdict: 'fail', note: CRASHED };
  // A 5xx to what a forger can send (no or a wrong signature, an old timestamp) is a crash anyone can cause.
  if (status >= 500 && !probe.acceptIsWarning) return { probe, status, verdict: 'fail', note: FAILED_ON_FORGERY };
  const note = status >= 500 ? 'refused, but with a server error: answer 400 to a body you cannot read' : undefined;
  return { probe, status, verdict: 'pass', ...(note ? { note } : {}) };
}

const RESERIALISED = 'it verifies a re-serialised copy, not the raw bytes: verify the raw body (express.raw / request.body bytes)';
const FAILED_ON_FORGERY =
  'it failed (5xx) on a request anyone can send: refuse it with 401 before anything can throw, and check the headers are there first';
const CRASHED = 'it crashed (5xx) on a malformed signature: compare lengths before timingSafeEqual, and answer 401';
