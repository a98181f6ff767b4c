import { isAscii } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { nestsDeeperThan } from '../platform/json-depth.js';
import { serialiseJson } from '../platform/json-forms.js';
import { type FailureReason, type HeaderBag, headerValue, SIGNATURE_HEADER, SIGNATURE_PREFIX, TIMESTAMP_HEADER } from './signature.js';

/** A secret the user gave, with how to name it without showing it. */
export interface KnownSecret {
  secret: string;
  /** `--secret #2`, `HMS_WEBHOOK_SECRET`, `--secret-file line 3` */
  label: string;
  /** false for a secret that is known but not the one requests are verified with. */
  accepted: boolean;
}

export type DiagnosisCause =
  | 'other-platform'
  | 'other-secret'
  | 'reserialised-body'
  | 'timestamp-milliseconds'
  | 'body-only'
  | 'body-then-timestamp'
  | 'sha1'
  | 'uppercase-hex'
  | 'base64'
  | 'trailing-newline'
  | 'crlf'
  | 'charset'
  | 'secret-whitespace'
  | 'secret-prefix'
  | 'unknown';

export interface Diagnosis {
  /** The mistakes that together explain the signature; `unknown` alone when none does. */
  causes: DiagnosisCause[];
  /** One sentence: what went wrong and what to change. */
  message: string;
}

interface Mistake {
  cause: DiagnosisCause;
  message: string;
}

/** Headers other webhook platforms sign with, so a request meant for another receiver can be named. */
const FOREIGN_SIGNATURES: readonly { platform: string; header: string }[] = [
  { platform: 'Vapi', header: 'x-vapi-signature' },
  { platform: 'Vapi', header: 'x-vapi-secret' },
  { platform: 'Retell', header: 'x-retell-signature' },
  { platform: 'ElevenLabs', header: 'elevenlabs-signature' },
  { platform: 'Stripe', header: 'stripe-signature' },
  { platform: 'Standard Webhooks', header: 'webhook-signature' },
  { platform: 'Svix (Standard Webhooks)', header: 'svix-signature' },
  { platform: 'GitHub', header: 'x-hub-signature-256' },
  { platform: 'Twilio', header: 'x-twilio-signature' },
];

const OUR_HEADERS = 'this platform signs with X-Webhook-Signature: sha256=<hex>, X-Webhook-Timestamp and X-Webhook-Event';

/** The platform a request's signature headers belong to, when they are another platform's. */
export function foreignSignature(headers: HeaderBag): Mistake | undefined {
  const found = FOREIGN_SIGNATURES.find(({ header }) => headerValue(headers, header) !== undefined);
  if (found === undefined) return undefined;
  return {
    cause: 'other-platform',
    message: `the request carries ${found.platform}'s signature header (${found.header}), not this platform's: ${OUR_HEADERS}`,
  };
}

/** The usual mistake behind a timestamp that fails, or undefined when it is just old or early. */
export function diagnoseTimestamp(headers: HeaderBag): Diagnosis | undefined {
  const timestamp = headerValue(headers, TIMESTAMP_HEADER);
  if (timestamp !== undefined && /^\d{13,16}$/.test(timestamp)) {
    return {
      causes: ['timestamp-milliseconds'],
      message: 'X-Webhook-Timestamp is in milliseconds: send unix seconds, Math.floor(Date.now() / 1000), and sign with the same value',
    };
  }
  return undefined;
}

interface Key {
  key: string | Buffer;
  mistakes: Mistake[];
}

interface SignedMessage {
  parts: (string | Buffer)[];
  mistakes: Mistake[];
}

/**
 * Why a signature does not match: tries the usual mistakes of senders (and of code that copies a
 * request on its way) and names the combination that reproduces the signature. Offline and
 * diagnostic only — the verdict itself comes from verify().
 */
/**
 * Where the body being diagnosed comes from, which decides whose mistake a changed body is:
 * `received` — the bytes as they arrived (a capture, the listener): the sender changed them;
 * `file` — a body file given by hand: the copy differs from what was signed;
 * undefined — a receiver's own check: it should verify the raw bytes.
 */
export type BodyOrigin = 'received' | 'file';

/**
 * How many bytes one diagnosis may run through HMAC: enough for every usual mistake of a platform
 * payload, while a 5 MB forged body or a secret file of 10 000 lines cannot hold a thread for long.
 */
export const DIAGNOSIS_BUDGET_BYTES = 32 * 1024 * 1024;

const BUDGET_SPENT: Diagnosis = {
  causes: ['unknown'],
  message: `not diagnosed in full: trying each usual mistake would hash more than ${DIAGNOSIS_BUDGET_BYTES / 1024 / 1024} MiB (a large body, or many secrets); check that the secret is this assistant's webhook_secret and that the body is byte for byte what was signed`,
};

export function diagnoseSignature(input: {
  body: Buffer;
  headers: HeaderBag;
  secrets: readonly KnownSecret[];
  origin?: BodyOrigin;
}): Diagnosis {
  const { body, headers } = input;
  const foreign = foreignSignature(headers);
  const value = headerValue(headers, SIGNATURE_HEADER);
  if (value === undefined || value === '') {
    return foreign !== undefined
      ? sentence([foreign])
      : {
          causes: ['unknown'],
          message: 'the request is unsigned: set the webhook_secret of the assistant so the platform signs, or verify with --unsigned',
        };
  }
  const given = value.replace(/^(sha256|sha1)=/i, '');
  const timestamp = headerValue(headers, TIMESTAMP_HEADER);
  const accepted = input.secrets.filter((s) => s.accepted);

  const keys = input.secrets.flatMap((known) => keyVariants(known, accepted));
  const messages = messageVariants(body, timestamp, input.origin);
  const candidates: { key: Key; message: SignedMessage }[] = [];
  for (const key of keys) for (const message of messages) candidates.push({ key, message });
  // Fewest mistakes first, so the simplest explanation wins.
  candidates.sort((a, b) => a.key.mistakes.length + a.message.mistakes.length - (b.key.mistakes.length + b.message.mistakes.length));

  let budget = DIAGNOSIS_BUDGET_BYTES;
  for (const { key, message } of candidates) {
    budget -= message.parts.reduce((size, part) => size + part.length, 0);
    if (budget < 0) return BUDGET_SPENT;
    const encoding = matchingEncoding(given, key.key, message.parts);
    if (encoding !== undefined) return sentence([...key.mistakes, ...message.mistakes, ...encoding]);
  }
  // A timestamp taken in milliseconds while the header says seconds: try each millisecond of that second.
  if (timestamp !== undefined && /^\d{1,11}$/.test(timestamp)) {
    for (const known of accepted) {
      budget -= 1000 * (body.length + 16);
      if (budget < 0) return BUDGET_SPENT;
      for (let ms = 0; ms < 1000; ms++) {
        const encoding = matchingEncoding(given, known.secret, [`${Number(timestamp) * 1000 + ms}.`, body]);
        if (encoding !== undefined) {
          return sentence([
            {
              cause: 'timestamp-milliseconds',
              message:
                'the signature was computed with the timestamp in milliseconds: sign "<unix seconds>.<body>" with the same seconds you send in X-Webhook-Timestamp',
            },
            ...encoding,
          ]);
        }
      }
    }
  }
  if (foreign !== undefined) return sentence([foreign]);
  return {
    causes: ['unknown'],
    message:
      "no known mistake explains it: check that the secret is this assistant's webhook_secret and that the body is byte for byte what was signed",
  };
}

function sentence(mistakes: Mistake[]): Diagnosis {
  if (mistakes.length === 0) return { causes: ['unknown'], message: 'the signature matches: nothing to diagnose' };
  return { causes: mistakes.map((m) => m.cause), message: mistakes.map((m) => m.message).join('; and ') };
}

function keyVariants(known: KnownSecret, accepted: readonly KnownSecret[]): Key[] {
  const base: Mistake[] = known.accepted
    ? []
    : [
        {
          cause: 'other-secret',
          message: `it was signed with the secret in ${known.label}, not with ${accepted.map((s) => s.label).join(' or ') || 'the secret given'}: sign and verify with the same webhook_secret`,
        },
      ];
  const s = known.secret;
  const keys: Key[] = [{ key: s, mistakes: base }];
  const whitespace: Mistake = {
    cause: 'secret-whitespace',
    message:
      'the secret was used with surrounding whitespace on one side (a newline from a file or an environment variable?): trim the webhook_secret where you read it',
  };
  const padded = new Set([s.trim(), `${s}\n`, `${s}\r\n`, `${s} `, ` ${s}`]);
  padded.delete(s);
  for (const variant of padded) if (variant !== '') keys.push({ key: variant, mistakes: [...base, whitespace] });
  const prefix = (how: string): Mistake => ({
    cause: 'secret-prefix',
    message: `the signature matches the secret with its whsec_ prefix ${how}: this platform uses the whole webhook_secret, as is, as the HMAC key`,
  });
  if (s.startsWith('whsec_') && s.length > 6) {
    keys.push({ key: s.slice(6), mistakes: [...base, prefix('removed')] });
    keys.push({
      key: Buffer.from(s.slice(6), 'base64'),
      mistakes: [...base, prefix('removed and the rest base64-decoded (the Standard Webhooks way)')],
    });
  } else {
    keys.push({ key: `whsec_${s}`, mistakes: [...base, prefix('added')] });
  }
  return keys;
}

function messageVariants(body: Buffer, timestamp: string | undefined, origin: BodyOrigin | undefined): SignedMessage[] {
  const messages: SignedMessage[] = [
    {
      parts: [body],
      mistakes: [
        {
          cause: 'body-only',
          message:
            'the signature was computed over the body alone: sign "<timestamp>.<body>", the X-Webhook-Timestamp value and a dot first',
        },
      ],
    },
  ];
  if (timestamp === undefined || timestamp === '') return messages;
  messages.push({ parts: [`${timestamp}.`, body], mistakes: [] });
  messages.push({
    parts: [body, `.${timestamp}`],
    mistakes: [
      {
        cause: 'body-then-timestamp',
        message: 'the signature was computed over "<body>.<timestamp>": put the timestamp first, "<timestamp>.<body>"',
      },
    ],
  });
  if (/^\d{13,16}$/.test(timestamp)) {
    messages.push({
      parts: [`${Math.floor(Number(timestamp) / 1000)}.`, body],
      mistakes: [
        {
          cause: 'timestamp-milliseconds',
          message: 'X-Webhook-Timestamp is in milliseconds while the signature used seconds: send the same unix seconds in both',
        },
      ],
    });
  }
  for (const variant of bodyVariants(body, origin)) messages.push({ parts: [`${timestamp}.`, variant.body], mistakes: [variant.mistake] });
  return messages;
}

/** Bodies the signed one may have been before something on the way changed it. */
function bodyVariants(body: Buffer, origin: BodyOrigin | undefined): { body: Buffer; mistake: Mistake }[] {
  const variants: { body: Buffer; mistake: Mistake }[] = [];
  const add = (candidate: Buffer, mistake: Mistake) => {
    if (!candidate.equals(body) && !variants.some((v) => v.body.equals(candidate))) variants.push({ body: candidate, mistake });
  };
  // The fix belongs to whoever changed the bytes: the sender, the copy in a file, or the receiver's check.
  const raw =
    origin === 'received'
      ? 'these are the bytes as they arrived, so the sender changed them: it must send exactly the bytes it signed'
      : origin === 'file'
        ? 'the body file is not the bytes that were signed: copy the raw body byte for byte'
        : 'verify the raw request bytes, not a decoded or re-serialised copy';
  if (body.length > 0 && body[body.length - 1] === 0x0a) {
    const cut = body.length > 1 && body[body.length - 2] === 0x0d ? 2 : 1;
    const ending = cut === 2 ? 'CRLF' : 'newline';
    add(body.subarray(0, body.length - cut), {
      cause: 'trailing-newline',
      message:
        origin === 'file'
          ? `the body file ends with one ${ending} that the signed body did not have (editors add one): remove it`
          : `a trailing ${ending} was added to the body after signing: ${raw}`,
    });
  }
  if (body.includes('\r\n')) {
    add(Buffer.from(body.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'), {
      cause: 'crlf',
      message: `the line endings of the body were changed to CRLF after signing: ${raw}`,
    });
  }
  const text = body.toString('utf8');
  if (!isAscii(body)) {
    const charset: Mistake = {
      cause: 'charset',
      message: `the body was decoded with another charset than UTF-8 (Latin-1?) and encoded again, which changed its non-ASCII characters: ${raw}`,
    };
    add(Buffer.from(text, 'latin1'), charset);
    add(Buffer.from(body.toString('latin1'), 'utf8'), charset);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return variants;
  }
  // The re-serialisers recurse: a document nested deeper than any payload is not re-serialised.
  if (nestsDeeperThan(document)) return variants;
  const forms: [string, string][] = [
    ['compact, as JSON.stringify writes it', serialiseJson(document, { indent: '', sortKeys: false, python: false })],
    ['with 2-space indentation', serialiseJson(document, { indent: '  ', sortKeys: false, python: false })],
    ['with 4-space indentation', serialiseJson(document, { indent: '    ', sortKeys: false, python: false })],
    ['with its keys reordered (sorted)', serialiseJson(document, { indent: '', sortKeys: true, python: false })],
    ['with Python json.dumps spacing', serialiseJson(document, { indent: '', sortKeys: false, python: true })],
    ['with its keys sorted and Python json.dumps spacing', serialiseJson(document, { indent: '', sortKeys: true, python: true })],
  ];
  for (const [how, form] of forms) {
    add(Buffer.from(form, 'utf8'), {
      cause: 'reserialised-body',
      message: `the body was changed after signing: the signature matches a re-serialised copy (${how}) — ${origin === undefined ? 'verify the raw request bytes, not JSON.stringify(req.body)' : raw}`,
    });
  }
  return variants;
}

/** Which digest encoding of HMAC(key, message) the given signature is, with the mistake it implies. */
function matchingEncoding(given: string, key: string | Buffer, parts: readonly (string | Buffer)[]): Mistake[] | undefined {
  const digest = (algorithm: 'sha256' | 'sha1') => {
    const hmac = createHmac(algorithm, key);
    for (const part of parts) hmac.update(part);
    return hmac.digest();
  };
  const sha256 = digest('sha256');
  const hex = sha256.toString('hex');
  if (same(given, hex)) return [];
  if (same(given.toLowerCase(), hex))
    return [
      {
        cause: 'uppercase-hex',
        message: 'the hex digest is upper case: send it in lower case, as the platform does (receivers compare the text)',
      },
    ];
  if (same(given, sha256.toString('base64')) || same(given, sha256.toString('base64url'))) {
    return [{ cause: 'base64', message: `the digest is base64-encoded: send ${SIGNATURE_PREFIX}<lowercase hex>` }];
  }
  if (given.length === 40 || given.length === 28 || given.length === 27) {
    const sha1 = digest('sha1');
    if (
      same(given.toLowerCase(), sha1.toString('hex')) ||
      same(given, sha1.toString('base64')) ||
      same(given, sha1.toString('base64url'))
    ) {
      return [{ cause: 'sha1', message: 'the signature is HMAC-SHA1: compute HMAC-SHA256' }];
    }
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a, 'latin1');
  const right = Buffer.from(b, 'latin1');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The diagnosis that fits a failed verification: why the signature or the timestamp is wrong; none for a request that is only old. */
export function diagnoseFailure(
  reason: FailureReason,
  body: Buffer,
  headers: HeaderBag,
  secrets: readonly KnownSecret[],
  origin?: BodyOrigin,
): Diagnosis | undefined {
  switch (reason) {
    case 'missing-signature':
    case 'malformed-signature':
    case 'signature-mismatch':
    case 'missing-timestamp':
      return diagnoseSignature({ body, headers, secrets, origin });
    case 'malformed-timestamp':
    case 'timestamp-in-future': {
      const foreign = foreignSignature(headers);
      return diagnoseTimestamp(headers) ?? (foreign && { causes: [foreign.cause], message: foreign.message });
    }
    case 'timestamp-too-old':
      return undefined;
  }
}
