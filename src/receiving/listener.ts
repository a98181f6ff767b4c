import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { answerFor, type ReplyPlan } from './reply-plan.js';
import { type CaptureReply, type CaptureVerdict, CaptureWriter, captureLine } from '../captures/capture-file.js';
import type { Dialect } from '../platform/dialect.js';
import { CannotRun } from '../errors.js';
import { whyUnreadable } from '../input.js';
import type { ReplyVerdict } from '../platform/reply-check.js';
import { inspectDelivery } from '../platform/delivery.js';
import type { Finding } from '../platform/schemas/index.js';
import type { Diagnosis } from '../signing/diagnosis.js';
import { SignatureThread } from './signature-thread.js';
import type { VerifyResult } from '../signing/signature.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Only this path receives webhooks; others get 404. */
  path: string;
  secrets: string[];
  toleranceSeconds: number;
  /** false: answer as if the signature were valid, but still report it. */
  enforce: boolean;
  maxBodyBytes: number;
  replies: ReplyPlan;
  delayMs: number;
  forwardTo?: URL;
  /** How long to wait for the forward target; by default the event's deadline plus a margin. */
  forwardTimeoutMs?: number;
  /** Capture file: each request is saved before it is answered. */
  save?: string;
  onEvent: (event: ListenEvent) => void;
  /** What the listener did on its own that the user should know: a torn capture line ended, the file created again. */
  onWarning?: (text: string) => void;
}

export type SignatureVerdict = { checked: false } | ({ checked: true } & VerifyResult);

/** Everything the listener learned about one request, for printing and the summary. */
export interface ListenEvent {
  receivedAt: Date;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set for requests that are not webhooks at all: not JSON, wrong method or path, too large. */
  badRequest?: string;
  event?: string;
  dialect?: Dialect;
  callId?: string;
  document?: unknown;
  signature: SignatureVerdict;
  errors: Finding[];
  warnings: Finding[];
  answer: Answer;
  forward?: { url: string; status?: number; latencyMs?: number; verdict?: ReplyVerdict; failure?: string; hint?: string };
  /** Why a signature failed, as verify would say it: a wrong secret, a re-serialised body, a timestamp in ms… */
  diagnosis?: Diagnosis;
  /** Why the capture line could not be saved (the request was then answered 507). */
  saveFailure?: string;
  /** Why the reply did not reach the client whole: a forwarded reply that broke off, a connection cut at stop. */
  replyCut?: string;
  /** A fault of ours while answering; the event says so in badRequest. */
  internalError?: unknown;
  latencyMs: number;
  passed: boolean;
}

/** What the listener answers. `body` is the text shown and saved; a forwarded reply is relayed as its own bytes. */
export interface Answer {
  status: number;
  body: string;
  /** The forwarded reply's Content-Type as it came (null: it had none); otherwise JSON. */
  contentType?: string | null;
  /** A forwarded reply's bytes, exactly (the first megabyte at most). */
  bytes?: Buffer;
  /** The rest of a forwarded reply past what is kept, streamed through and not kept. */
  rest?: AsyncIterator<Buffer>;
  /** The headers the listener set on the reply (Node adds Date and the framing). */
  headers?: Record<string, string>;
}

/** An event once answered, before its latency and verdict are known. */
export type Answered = Omit<ListenEvent, 'latencyMs' | 'passed'>;
/** An event once judged, before it is answered. */
export type Judged = Omit<Answered, 'answer'>;

export interface Listener {
  url: string;
  /**
   * Stops accepting at once, lets the requests in flight finish (each answered and saved), closes idle
   * connections, and after `graceMs` cuts the connections that are still open (a client that never
   * finishes its request). Resolves once every connection is closed and the capture file too.
   */
  close(graceMs?: number): Promise<void>;
  /** SIGHUP: the capture file opened again at its path (after a rotation); false without --save. */
  reopenCaptures(why: string): boolean;
  /** Cuts every connection now: for a second Ctrl-C. */
  abort(): void;
}

/** Starts the receiver; resolves once it accepts connections. */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  // Loaded at start, never on a request: a load that failed there (EMFILE) would stay failed for every later one.
  const forwarding = options.forwardTo !== undefined ? await import('./forward.js') : undefined;
  const writer = options.save !== undefined ? new CaptureWriter(options.save, options.onWarning) : undefined;
  const signatures = new SignatureThread(
    options.secrets.map((secret, index) => ({ secret, label: `secret #${index + 1}`, accepted: true })),
    options.toleranceSeconds,
  );
  const state: ListenerState = {
    closing: false,
    stop: new AbortController(),
    ...(forwarding !== undefined ? { forwarding } : {}),
    saved: new WeakSet(),
    signatures,
  };
  // Every request being handled, so that closing waits for each to become its event.
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const receivedAt = new Date();
    const handling = handle(req, res, receivedAt, options, writer, state).catch((error: unknown) => {
      // Still one event and one capture line for the request: failed, with the reason, so nothing goes unreported.
      if (!res.headersSent) res.writeHead(500).end();
      const reason = `internal error while answering: ${error instanceof Error ? error.message : String(error)}`;
      unjudged(reason, 500, { receivedAt, req, saved: state.saved.has(req), internalError: error });
    });
    inFlight.add(handling);
    handling.finally(() => inFlight.delete(handling));
  });
  // `Expect: 100-continue`: the body is invited only when it will be read; one declared over --max-body
  // gets its 413 at once, never a 100 Continue first, and the connection is closed after it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > options.maxBodyBytes) res.shouldKeepAlive = false;
    else res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string; rawPacket?: Buffer }, socket: Duplex) => {
    // A client that went away is no malformed request: between requests it is none at all, and mid-body
    // the request's own handler reports it (the client closed the connection before the whole body came).
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    unjudged(
      `a request Node's HTTP parser refuses (${error.code ?? 'unknown'}: ${error.reason ?? error.message}): no client of the platform sends one — a smuggling attempt, or a broken client`,
      status,
      { ...(error.rawPacket !== undefined ? { raw: error.rawPacket } : {}) },
    );
  });
  // CONNECT asks for a tunnel: no webhook does, and without this it would be cut without a word.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    unjudged(`CONNECT ${req.url ?? ''}: a tunnel, not a webhook (the platform POSTs)`, 405);
  });
  /**
   * A request that was never judged — one Node refused to parse, a tunnel, a fault of ours, a connection
   * turned away — as an event with its reason, counted as failed, and (unless `saved` or nothing of it
   * came) a line in the capture file.
   */
  const unjudged = (
    reason: string,
    status: number,
    from: { receivedAt?: Date; req?: IncomingMessage; raw?: Buffer; saved?: boolean; internalError?: unknown } = {},
  ) => {
    const receivedAt = from.receivedAt ?? new Date();
    const body = from.raw ?? Buffer.alloc(0);
    const [method, path, headers] = [from.req?.method ?? '', from.req?.url ?? '', from.req?.headers ?? {}];
    if (from.saved !== true && status !== 0)
      void writer
        ?.append(
          captureLine(receivedAt, method, path, headers, body, {
            verdict: { passed: false, bad_request: reason },
            reply: { status, body: '' },
          }),
        )
        .catch(() => {});
    options.onEvent({
      receivedAt,
      method,
      path,
      headers,
      body,
      badRequest: reason,
      ...(from.internalError !== undefined ? { internalError: from.internalError } : {}),
      signature: { checked: false },
      errors: [],
      warnings: [],
      answer: { status, body: '' },
      latencyMs: 0,
      passed: false,
    });
  };
  server.keepAliveTimeout = 65_000;
  // Node keeps only the first 1000 headers by default and drops the rest unsaid; take them all and say so.
  server.maxHeadersCount = 0;
  // Out of file descriptors, libuv closes new connections without a word. Held under the limit, with room
  // for the capture file and forwarding, each one turned away is heard ('drop'): said, counted, and the
  // listener keeps the descriptors it needs to recover.
  const descriptors = connectionRoom(options.forwardTo !== undefined);
  let dropped = 0;
  if (descriptors !== undefined) {
    server.maxConnections = descriptors.connections;
    server.on('drop', () => {
      dropped++;
      const why = `out of file descriptors: ulimit -n ${descriptors.limit} lets this listener hold ${descriptors.connections} connections at once; raise it (ulimit -n 4096)`;
      if (dropped === 1) options.onWarning?.(`warning: a connection was closed unanswered, ${why}`);
      unjudged(`a connection closed unanswered (no reply, status 0): ${why}`, 0);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // Nothing will be saved: the capture file opened for it is closed again.
      void writer?.close();
      if (error.code === 'EADDRINUSE')
        reject(
          new CannotRun(
            `port ${options.port} on ${options.host} is in use: stop the other listener, or pick another --port (0 picks a free one)`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new CannotRun(`cannot listen on ${options.host}: no such local address`));
      else if (error.code === 'EACCES') reject(new CannotRun(`not allowed to listen on port ${options.port}: use a port above 1023`));
      else reject(error);
    });
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}${options.path}`,
    close: async (graceMs = Number.POSITIVE_INFINITY) => {
      state.closing = true;
      const cut = Number.isFinite(graceMs)
        ? setTimeout(() => {
            state.cutAfterMs = graceMs;
            server.closeAllConnections();
          }, graceMs)
        : undefined;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(cut);
      // A request cut at the end of the grace period (or by a second signal) still becomes its event
      // before the file closes and the summary is printed: what it waited on is cut too, so this is prompt.
      await Promise.allSettled([...inFlight]);
      await signatures.close();
      if (dropped > 1)
        options.onWarning?.(
          `warning: ${dropped} connections were closed unanswered: out of file descriptors (ulimit -n ${descriptors?.limit})`,
        );
      await writer?.close();
    },
    reopenCaptures: (why) => {
      writer?.reopen(why);
      return writer !== undefined;
    },
    abort: () => {
      state.closing = true;
      state.stop.abort();
      server.closeAllConnections();
      void signatures.close();
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  receivedAt: Date,
  options: ListenerOptions,
  writer: CaptureWriter | undefined,
  state: ListenerState,
): Promise<void> {
  const started = performance.now();
  const path = req.url ?? '/';
  const base: Omit<Judged, 'body'> = {
    receivedAt,
    method: req.method ?? '',
    path,
    headers: req.headers,
    signature: { checked: false },
    errors: [],
    warnings: [],
  };

  let diagnosing: Promise<Diagnosis | undefined> | undefined;
  const finish = async (event: Answered, extraHeaders: Record<string, string> = {}) => {
    const judged =
      event.badRequest === undefined &&
      event.errors.length === 0 &&
      (!event.signature.checked || event.signature.ok) &&
      (event.forward === undefined || event.forward.verdict?.ok === true);
    let saveFailure: string | undefined;
    try {
      await writer?.append(
        captureLine(receivedAt, event.method, path, req.headers, event.body, {
          verdict: verdictOf(event, judged),
          reply: recordedReply(event),
        }),
      );
      state.saved.add(req);
    } catch (error) {
      saveFailure = `cannot save ${writer?.path}: ${whyUnreadable(error) ?? (error as Error).message}`;
    }
    // No 2xx without its capture: a request whose line is not wholly on disk is answered 507.
    const answer: Answer =
      saveFailure === undefined ? event.answer : { status: 507, body: JSON.stringify({ error: 'the capture could not be saved' }) };
    if (answer !== event.answer) await event.answer.rest?.return?.();
    if (options.delayMs > 0 && event.badRequest === undefined) await delay(options.delayMs, state.stop.signal);
    const type = answer.contentType;
    const headers: Record<string, string> = {
      ...(type === undefined ? { 'content-type': 'application/json' } : type === null ? {} : { 'content-type': type }),
      ...extraHeaders,
      // Once stopping, each answer closes its connection, so a keep-alive client cannot hold the listener open.
      ...(state.closing ? { connection: 'close' } : {}),
    };
    res.writeHead(answer.status, headers);
    const replyCut = await sendAnswer(res, answer, state.stop.signal);
    const latencyMs = performance.now() - started;
    const diagnosis = await diagnosing;
    options.onEvent({
      ...event,
      ...(diagnosis !== undefined ? { diagnosis } : {}),
      answer: { ...answer, headers },
      saveFailure,
      ...(replyCut !== undefined ? { replyCut } : {}),
      passed: judged && saveFailure === undefined && replyCut === undefined,
      latencyMs,
    });
  };
  const refuse = (status: number, problem: string, body: Buffer) =>
    finish({ ...base, body, badRequest: problem, answer: { status, body: JSON.stringify({ error: problem }) } });

  const pathname = path.split('?')[0];
  const headerCount = req.rawHeaders.length / 2;
  if (headerCount > MAX_HEADERS) {
    req.resume();
    return refuse(431, `${headerCount} headers, more than ${MAX_HEADERS}: the platform sends a handful`, Buffer.alloc(0));
  }
  if (req.method !== 'POST') {
    req.resume();
    return finish(
      {
        ...base,
        body: Buffer.alloc(0),
        badRequest: `method ${req.method} not allowed: the platform POSTs`,
        answer: { status: 405, body: JSON.stringify({ error: 'method not allowed: POST only' }) },
      },
      { allow: 'POST' },
    );
  }
  if (pathname !== options.path) {
    req.resume();
    return refuse(404, `path ${pathname} is not ${options.path} (--path)`, Buffer.alloc(0));
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBodyBytes) {
    req.resume();
    return refuse(413, `body of ${declared} bytes is over --max-body ${options.maxBodyBytes}`, Buffer.alloc(0));
  }
  const body = await readBody(req, options.maxBodyBytes);
  if (body === 'over') return refuse(413, `body is over --max-body ${options.maxBodyBytes} bytes`, Buffer.alloc(0));
  if (!Buffer.isBuffer(body)) {
    const came = `${body.aborted} of ${req.headers['content-length'] ?? 'an undeclared number of'} bytes came`;
    return refuse(
      400,
      state.cutAfterMs !== undefined
        ? `cut at stop: the request was still arriving when --grace (${state.cutAfterMs / 1000} s) ran out (${came})`
        : `the client closed the connection before the whole body came (${came})`,
      Buffer.alloc(0),
    );
  }

  const content = inspectDelivery(body, req.headers);
  if (content.notJson !== undefined) return refuse(400, content.notJson, body);
  let signature: SignatureVerdict = { checked: false };
  if (options.secrets.length > 0) {
    // A failure is diagnosed on its own thread while the request is answered: a forgery costs the others nothing.
    const judged = await state.signatures.judge(body, req.headers);
    signature = { checked: true, ...judged.verdict };
    diagnosing = judged.diagnosis;
  }
  const event: Judged = { ...base, body, ...content, signature };
  if (signature.checked && !signature.ok && options.enforce) {
    return finish({ ...event, answer: { status: 401, body: JSON.stringify({ error: `invalid signature: ${signature.reason}` }) } });
  }
  if (options.forwardTo !== undefined && state.forwarding !== undefined) {
    const { forward, FORWARDED_HEADER } = state.forwarding;
    // A request that a listener already forwarded: forwarding it again would go round for ever.
    if (req.headers[FORWARDED_HEADER] !== undefined) {
      return refuse(508, `a forwarding loop: this request was already forwarded by hms-webhook listen (${FORWARDED_HEADER})`, body);
    }
    return finish(await forward(event, body, req, options.forwardTo, options.forwardTimeoutMs, state.stop.signal));
  }
  return finish({
    ...event,
    answer: { status: 200, body: JSON.stringify(answerFor(event.event, content.document, event.dialect ?? 'hms', options.replies)) },
  });
}

/** Writes the answer: a forwarded reply as its own bytes, the part past what was kept streamed through. */
/**
 * Sends the answer; says why it did not reach the client whole, if it did not: the event then tells
 * what the client got. A forwarded reply that breaks off mid-stream cuts the client's connection, so
 * the client sees a broken reply, never a short one that looks whole.
 */
async function sendAnswer(res: ServerResponse, answer: Answer, stop: AbortSignal): Promise<string | undefined> {
  const gone = () =>
    stop.aborted
      ? 'not delivered: a second signal cut the connection before the reply was sent'
      : 'not delivered: the client closed the connection before the reply was sent';
  if (res.socket === null || res.socket.destroyed) return gone();
  if (answer.rest === undefined) {
    res.end(answer.bytes ?? answer.body);
    return undefined;
  }
  let sent = answer.bytes?.length ?? 0;
  res.write(answer.bytes);
  try {
    for (let next = await answer.rest.next(); next.done !== true; next = await answer.rest.next()) {
      sent += next.value.length;
      if (!res.write(next.value)) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return gone();
    }
  } catch (error) {
    res.destroy();
    return `the forwarded reply broke off after ${sent} bytes (${(error as Error).message}): the client got status ${answer.status} and those bytes, then its connection was cut`;
  }
  res.end();
  return undefined;
}

/** A pause that a second signal ends at once. */
function delay(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done);
  });
}

/** More headers than any real delivery has: reported, never silently cut. */
const MAX_HEADERS = 1000;

/** The whole body; 'over' past the limit, 'aborted' when the client went away before its end. */
/** Descriptors kept back for what is not a connection: stdio, the capture file, the inspector, Node's own. */
const RESERVED_DESCRIPTORS = 16;

/**
 * How many connections fit under the open-files limit (Linux: /proc/self/limits), beside the
 * descriptors open now and a reserve; half as many when each may need a second one to forward.
 * Undefined where the limit cannot be read.
 */
function connectionRoom(forwarding: boolean): { limit: number; connections: number } | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft === undefined || soft === 'unlimited') return undefined;
    const limit = Number(soft);
    const free = limit - readdirSync('/proc/self/fd').length - RESERVED_DESCRIPTORS;
    return { limit, connections: Math.max(1, forwarding ? Math.floor(free / 2) : free) };
  } catch {
    return undefined;
  }
}

/** What a listener's requests need to know of it: stopping, and whether --grace ran out and cut the rest. */
interface ListenerState {
  closing: boolean;
  /** Aborted by a second signal: delays, forwards and diagnoses in flight end at once. */
  stop: AbortController;
  cutAfterMs?: number;
  /** The forwarding module (undici, the reply checks), loaded at start only with --forward-to. */
  forwarding?: typeof import('./forward.js');
  /** The requests whose capture line is written: a fault after it adds no second line. */
  saved: WeakSet<IncomingMessage>;
  signatures: SignatureThread;
}

/** The body; 'over' past the limit; or how many bytes came before the connection closed. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'over' | { aborted: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      // Past the limit, stop keeping bytes but drain the rest so the 413 can be read by the sender.
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'over' : Buffer.concat(chunks, size)));
    req.on('error', () => resolve({ aborted: size }));
    req.on('close', () => {
      if (!req.complete) resolve({ aborted: size });
    });
  });
}

function verdictOf(event: Answered, passed: boolean): CaptureVerdict {
  return {
    passed,
    ...(event.badRequest !== undefined ? { bad_request: event.badRequest } : {}),
    signature: event.signature.checked ? (event.signature.ok ? 'valid' : event.signature.reason) : 'unchecked',
    errors: event.errors.length,
    warnings: event.warnings.length,
  };
}

/** The answer as saved in the capture; a forwarded reply keeps its latency so `verify` can judge the deadline. */
function recordedReply(event: Answered): CaptureReply {
  const { status, body, contentType, rest } = event.answer;
  return {
    status,
    body,
    ...(typeof contentType === 'string' ? { content_type: contentType } : {}),
    // Past what is kept, the capture holds the start of the reply only.
    ...(rest !== undefined ? { truncated: true } : {}),
    ...(event.forward?.latencyMs !== undefined ? { latency_ms: Math.round(event.forward.latencyMs * 10) / 10 } : {}),
  };
}
