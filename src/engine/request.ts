import { randomBytes } from 'node:crypto';
import { type Clock, systemClock, unixSecondsOf } from '../clock.js';
import { InputError, UsageError } from '../errors.js';
import { readJsonInput } from '../input.js';
import { convertDialect, type Dialect, detectDialect, spellingIn } from '../platform/dialect.js';
import { payloadToSend } from '../platform/fixtures.js';
import { applySet, applyUnset } from '../platform/json-path.js';
import { eventOf, formatPath, validatePayload } from '../platform/schemas/index.js';
import { isStatusExpectation } from '../platform/reply-check.js';
import type { OutgoingRequest } from '../sending/http.js';
import { fingerprint, resolveSecrets } from '../signing/secrets.js';
import { sign, unsignedHeaders } from '../signing/signature.js';
import type { SecretOptions } from '../signing/secrets.js';

/**
 * What sending one event, load and a ramp share: the payload (a fixture, or `data`: a file, `-` for
 * stdin, or the JSON itself), its edits, and how each request is signed or forged. Plain values, as
 * a command's flags or a library caller give them.
 */
export interface RequestOptions extends SecretOptions {
  data?: string;
  dialect?: Dialect;
  /** `path=value` edits (the value is JSON when it parses as JSON). */
  set: readonly string[];
  unset: readonly string[];
  /** Sign at this unix time instead of now, or now shifted by `skew` seconds. */
  timestamp?: number;
  skew?: number;
  badSignature?: boolean;
  wrongSecret?: boolean;
  unsigned?: boolean;
  tamper?: boolean;
  /** The status that makes the pass instead of a 2xx: `401`, `4xx`. */
  expectStatus?: string;
}

/** Sending an event's requests somewhere: the payload and its signing, the receiver, the time allowed, the I/O. */
export interface EventRequestOptions extends RequestOptions {
  /** The receiver. */
  url: URL;
  /** A fixture name, `event[/variant]`, unless `data` gives the payload. */
  fixture?: string;
  timeoutMs: number;
  /** Judge every reply against this budget instead of the platform's deadline. */
  deadlineMs?: number;
  clock?: Clock;
  stdin?: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
  /** A warning about the request (an edit the platform never sends, no secret …). */
  onNote?(text: string): void;
}

/** The request of `options`, ready to make (signed at each make). */
export function prepareEventRequest(options: EventRequestOptions): Promise<PreparedRequest> {
  return prepareRequest(
    options.fixture,
    options.url,
    options,
    { env: options.env ?? {}, stdin: options.stdin ?? process.stdin, clock: options.clock ?? systemClock },
    options.onNote ?? (() => {}),
  );
}

export type Forgery = 'bad-signature' | 'wrong-secret' | 'unsigned' | 'tamper';

const FORGERY_FLAGS: readonly [Forgery, 'badSignature' | 'wrongSecret' | 'unsigned' | 'tamper'][] = [
  ['bad-signature', 'badSignature'],
  ['wrong-secret', 'wrongSecret'],
  ['unsigned', 'unsigned'],
  ['tamper', 'tamper'],
];

export interface PreparedRequest {
  event: string;
  dialect: Dialect;
  document: unknown;
  forgery: Forgery | undefined;
  /** How the request is signed, for the output: the forgery, unsigned, or the secret's fingerprint. */
  signedWith: string;
  /**
   * A request signed now (or at --timestamp / --skew); for one route of routed tool calls, that
   * route's share of the payload, to its URL, signed with its tool's secret when it has one.
   */
  make(part?: { url: URL; document: unknown; secret: string | undefined }): OutgoingRequest;
}

export async function prepareRequest(
  name: string | undefined,
  url: URL,
  options: RequestOptions,
  io: { env: NodeJS.ProcessEnv; stdin: NodeJS.ReadableStream; clock: Clock },
  note: (text: string) => void,
): Promise<PreparedRequest> {
  const forgery = chooseForgery(options);
  if (options.expectStatus !== undefined && !isStatusExpectation(options.expectStatus)) {
    throw new UsageError(`--expect-status ${options.expectStatus}: give a status such as 401 or a class such as 4xx`);
  }
  const secret = resolveSecrets(options, io.env, note)[0];
  if (forgery === 'tamper' && secret === undefined) {
    throw new UsageError(
      '--tamper changes the body after signing: give the secret to sign with (--secret, HMS_WEBHOOK_SECRET or --secret-file)',
    );
  }
  const signing =
    forgery === 'unsigned'
      ? undefined
      : forgery === 'wrong-secret' || forgery === 'bad-signature'
        ? randomBytes(24).toString('hex')
        : secret;
  const { body, document, dialect } = await buildBody(name, options, io.stdin, io.clock.now());
  const event = eventOf(document);
  if (event === undefined) {
    throw new InputError('the payload has no message.type: the event header cannot be set (use --set message.type=status-update)');
  }
  // An edited payload is still sent, but whatever the platform never sends is said, once each.
  if (options.set.length > 0 || options.unset.length > 0) {
    const { errors, warnings } = validatePayload(document, { dialect });
    for (const finding of [...errors, ...warnings]) {
      note(`warning: the platform never sends this: ${formatPath(finding.path)}: ${finding.message}`);
    }
    for (const [key, twin] of twinKeys(document, dialect)) {
      note(`warning: the platform never sends this: ${key} (the other dialect's spelling) next to ${twin}`);
    }
  }
  if (signing === undefined && forgery === undefined) {
    note(
      'no secret (--secret, HMS_WEBHOOK_SECRET or --secret-file): sending unsigned, as the platform does for an assistant without webhook_secret',
    );
  }
  const make = (part?: { url: URL; document: unknown; secret: string | undefined }): OutgoingRequest => {
    const timestamp = options.timestamp ?? unixSecondsOf(io.clock) + (options.skew ?? 0);
    const to = part?.url ?? url;
    const bytes = part === undefined || part.document === document ? body : Buffer.from(JSON.stringify(part.document));
    const secretOf = forgery === undefined && part?.secret !== undefined ? part.secret : signing;
    if (secretOf === undefined) return { url: to, headers: { ...unsignedHeaders({ body: bytes, timestamp, event }) }, body: bytes };
    const headers: Record<string, string> = { ...sign({ body: bytes, secret: secretOf, timestamp, event }) };
    if (forgery === 'bad-signature') headers['X-Webhook-Signature'] = `sha256=${randomBytes(32).toString('hex')}`;
    return { url: to, headers, body: forgery === 'tamper' ? tamperWith(bytes) : bytes };
  };
  const signedWith = forgery ?? (secret === undefined ? 'unsigned' : `signed, secret ${fingerprint(secret)}…`);
  return { event, dialect, document, forgery, signedWith, make };
}

function chooseForgery(options: RequestOptions): Forgery | undefined {
  const chosen = FORGERY_FLAGS.filter(([, key]) => options[key] === true).map(([flag]) => flag);
  if (chosen.length > 1) throw new UsageError(`--${chosen[0]} and --${chosen[1]} cannot be combined: choose one forgery per send`);
  return chosen[0];
}

/** Changes the body after it was signed, the way a proxy or an attacker would. */
function tamperWith(body: Buffer): Buffer {
  const text = body.toString('utf8');
  const marker = '{"message":{';
  return Buffer.from(text.startsWith(marker) ? `${marker}"tampered":true,${text.slice(marker.length)}` : `${text} `);
}

/** The payload: a fixture or --data, in the chosen dialect, with --set and --unset applied. */
export async function buildBody(
  name: string | undefined,
  options: RequestOptions,
  stdin: NodeJS.ReadableStream,
  now: number,
): Promise<{ body: Buffer; document: unknown; dialect: Dialect }> {
  if (options.data !== undefined) {
    const { bytes, document } = await readJsonInput('--data', options.data, stdin, true);
    const detected = detectDialect(document);
    const stated = eventOf(document);
    if (name !== undefined && name.split('/')[0] !== stated) {
      throw new UsageError(`--data holds a ${stated ?? 'payload without message.type'}, not ${name}: drop the event or fix the file`);
    }
    const dialect = options.dialect ?? detected;
    if (dialect === detected && options.set.length === 0 && options.unset.length === 0) return { body: bytes, document, dialect };
    const converted = convertDialect(document, detected, dialect);
    edit(converted, options);
    return { body: Buffer.from(JSON.stringify(converted)), document: converted, dialect };
  }
  if (name === undefined) {
    throw new UsageError('send needs an event (e.g. send status-update/ended) or --data FILE; `hms-webhook fixtures` lists them');
  }
  const dialect = options.dialect ?? 'hms';
  const { document } = payloadToSend(name, dialect, new Date(now));
  edit(document, options);
  return { body: Buffer.from(JSON.stringify(document)), document, dialect };
}

function edit(document: unknown, options: RequestOptions): void {
  for (const assignment of options.set) applySet(document, assignment);
  for (const path of options.unset) applyUnset(document, path);
}

/** Keys spelled the other dialect's way next to their twin in this dialect, such as durationSeconds beside duration_seconds. */
function twinKeys(document: unknown, dialect: Dialect): [string, string][] {
  const found: [string, string][] = [];
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) {
      const twin = spellingIn(dialect, key);
      if (twin !== undefined && Object.hasOwn(node, twin)) found.push([key, twin]);
      stack.push(child);
    }
  }
  return found;
}
