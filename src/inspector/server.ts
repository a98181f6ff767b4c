import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { shownUrl } from '../output/printable.js';
import type { AddressInfo } from 'node:net';
import { isUtf8 } from 'node:buffer';
import type { RequestDetail, ResendAttempt } from './api-types.js';
import { CannotRun } from '../errors.js';
import { packageVersion } from '../package-root.js';
import { NetworkFailure } from '../sending/http.js';
import { type ReplaySigning, replayRequest, sendReplayed } from '../sending/replay.js';
import { parseTarget } from '../sending/target.js';
import { type Clock, unixSecondsOf } from '../clock.js';
import { capturesOf, curlCommand, harOf, sendCommand } from './export.js';
import { inspectorPage } from './page.js';
import { contentSecurityPolicy, newToken, refusalOf, sameToken, sessionCookie } from './security.js';
import { type InspectedRequest, type RequestStore, replyMeaning, shownMs, summaryOf } from './store.js';

export interface InspectorOptions {
  port: number;
  store: RequestStore;
  /** The listener's first secret: re-sent requests are signed with it. Never sent to the page. */
  secret: string | undefined;
  /** Where a re-send goes when the page names no URL: the forward target, else the listener itself. */
  defaultTarget: URL;
  /** The listener's own address: copied commands post there. */
  listenerUrl: URL;
  /** Where the listener forwards what it accepts: a request it refused itself never went there. */
  forwardTo?: URL;
  clock: Clock;
  /** How often an idle event stream gets a comment, so that proxies and browsers keep it open. */
  keepAliveMs?: number;
}

export interface Inspector {
  /** The URL to open, with the token that sets the session cookie. */
  url: string;
  close(): Promise<void>;
}

/** The page shows a body up to this size; the whole of it is a download. */
const SHOWN_BODY_BYTES = 128 * 1024;
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const KEEP_ALIVE_MS = 15_000;

/** Serves the inspector page and its JSON API on 127.0.0.1 only. */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const token = newToken();
  const nonce = newToken();
  const streams = new Set<ServerResponse>();
  let port = options.port;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: `internal error: ${(error as Error).message}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://inspector.invalid');
    const method = req.method ?? 'GET';
    const refusal = refusalOf(facts(req), token, port);
    // A body nobody reads would make the server close the connection that a client's agent then reuses.
    if (refusal !== undefined || !(method === 'POST' && url.pathname.endsWith('/replay'))) req.resume();
    if (refusal?.status === 421) return text(res, refusal.status, refusal.reason);
    // The printed URL: its token becomes the session cookie, and the token leaves the address bar.
    const given = url.searchParams.get('token');
    if (method === 'GET' && url.pathname === '/' && given !== null) {
      if (!sameToken(given, token)) return text(res, 401, 'this token is not the one the inspector printed');
      res.writeHead(303, { location: '/', 'set-cookie': sessionCookie(token, port), 'cache-control': 'no-store' }).end();
      return;
    }
    if (refusal !== undefined) return text(res, refusal.status, refusal.reason);

    const route = `${method} ${url.pathname}`;
    const idMatch = /^\/api\/requests\/(\d+)(\/body|\/replay)?$/.exec(url.pathname);
    if (route === 'GET /') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy(nonce),
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      });
      res.end(inspectorPage(nonce, options.store.keep));
      return;
    }
    if (route === 'GET /api/requests') return json(res, 200, options.store.list().map(summaryOf));
    if (route === 'DELETE /api/requests') {
      options.store.clear();
      res.writeHead(204).end();
      return;
    }
    if (route === 'GET /api/stream') return stream(req, res);
    if (route === 'GET /api/export.jsonl' || route === 'GET /api/export.har') {
      const chosen = selected(url.searchParams.get('ids'));
      const har = url.pathname.endsWith('.har');
      res.writeHead(200, {
        'content-type': har ? 'application/json' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="hms-webhook-captures.${har ? 'har' : 'jsonl'}"`,
        'cache-control': 'no-store',
      });
      res.end(har ? harOf(chosen, options.defaultTarget.origin, packageVersion()) : capturesOf(chosen));
      return;
    }
    if (idMatch !== null) {
      const request = options.store.get(Number(idMatch[1]));
      if (request === undefined) return json(res, 404, { error: `no request ${idMatch[1]}: it was cleared, or dropped past --ui-keep` });
      if (method === 'GET' && idMatch[2] === undefined) return json(res, 200, detailOf(request));
      if (method === 'GET' && idMatch[2] === '/body') {
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename="request-${request.id}.body"`,
          'cache-control': 'no-store',
        });
        res.end(request.body);
        return;
      }
      if (method === 'POST' && idMatch[2] === '/replay') {
        let input: unknown;
        try {
          input = await readJson(req);
        } catch (error) {
          return json(res, 400, { ok: false, error: `the request is not JSON: ${(error as Error).message}` });
        }
        return json(res, 200, await resend(request, input));
      }
    }
    json(res, 404, { error: `no ${route}` });
  }

  function selected(ids: string | null): InspectedRequest[] {
    const all = options.store.list();
    if (ids === null || ids === '') return [...all];
    const wanted = new Set(ids.split(',').map(Number));
    return all.filter((request) => wanted.has(request.id));
  }

  function detailOf(request: InspectedRequest): RequestDetail {
    const text = isUtf8(request.body) ? request.body.toString('utf8') : null;
    const listenerUrl = new URL(request.path, options.listenerUrl).href;
    return {
      ...summaryOf(request),
      headers: shownHeaders(request.headers),
      diagnosis: request.diagnosis,
      errors: request.errors,
      warnings: request.warnings,
      reply: {
        status: request.reply.status,
        body: request.reply.body,
        content_type: request.reply.contentType,
        headers: shownHeaders(request.reply.headers),
      },
      outcome: request.outcome,
      reply_meaning: replyMeaning(request),
      forwarded_to: request.forwardedTo,
      forward_hint: request.forwardHint,
      not_forwarded:
        options.forwardTo !== undefined && request.forwardedTo === null
          ? `not forwarded to ${shownUrl(options.forwardTo)}: the listener answered ${request.reply.status} itself${request.reason !== null ? ` (${request.reason})` : ''}, so your receiver never saw it`
          : null,
      body_base64: request.body.toString('base64'),
      // The page builds its tree from the text, so that 64-bit numbers keep their digits.
      body_text: text === null ? null : text.slice(0, SHOWN_BODY_BYTES),
      body_cut: request.body.length > SHOWN_BODY_BYTES,
      curl: curlCommand(request, listenerUrl),
      send: sendCommand(request, listenerUrl),
      default_target: shownUrl(options.defaultTarget),
      signs: options.secret !== undefined,
      attempts: request.attempts,
      loaded_from: request.loadedFrom,
    };
  }

  /**
   * `POST /api/requests/:id/replay {to?, body?, resign?}`: sends it again, re-signed unless resign is
   * false, and keeps the result as an attempt of the request (one that comes to this listener is listed
   * under it).
   */
  async function resend(request: InspectedRequest, input: unknown): Promise<ResendAttempt | { ok: false; error: string }> {
    const { to, body, resign } = (input ?? {}) as { to?: unknown; body?: unknown; resign?: unknown };
    if (to !== undefined && typeof to !== 'string') return { ok: false, error: '"to" is a URL' };
    if (body !== undefined && typeof body !== 'string') return { ok: false, error: '"body" is the text to send' };
    let target: URL;
    try {
      // The page shows the default target without its credentials: sent back unchanged, it means the real one.
      target = to === undefined || to === '' || to === shownUrl(options.defaultTarget) ? options.defaultTarget : parseTarget(to);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const signing: ReplaySigning =
      resign === false
        ? { kind: 'as-captured' }
        : options.secret === undefined
          ? { kind: 'unsigned' }
          : { kind: 'resign', secret: options.secret };
    const capture = {
      method: 'POST',
      path: request.path,
      headers: request.headers,
      ...(body === undefined ? { body_base64: request.body.toString('base64') } : { body }),
    };
    const replayed = replayRequest(capture, target, signing, unixSecondsOf(options.clock), { set: [], unset: [] });
    const sentAt = new Date(options.clock.now()).toISOString();
    const attempt = options.store.expectResend(request, replayed.request.headers, replayed.request.body);
    const base = {
      number: attempt.number,
      sent_at: sentAt,
      to: shownUrl(target),
      signed: signing.kind,
      edited: body !== undefined,
      request_id: null,
    };
    let result: ResendAttempt;
    try {
      const { reply, verdict } = await sendReplayed(replayed, request.event ?? undefined, { timeoutMs: 30_000, clock: options.clock });
      result = {
        ...base,
        ok: verdict.ok,
        status: reply.status,
        latency_ms: shownMs(reply.latencyMs),
        checks: verdict.checks,
        outcome: verdict.outcome,
        reply: reply.body.toString('utf8').slice(0, SHOWN_BODY_BYTES),
        error: null,
      };
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      result = { ...base, ok: false, status: null, latency_ms: null, checks: [], outcome: [], reply: null, error: error.message };
    }
    return attempt.record(result);
  }

  /**
   * Server-Sent Events: each new request (`id:` its sequence), the requests dropped past --ui-keep, each
   * re-send's result, clears, and a comment every 15 s; resumes after Last-Event-ID.
   */
  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (request: InspectedRequest) =>
      res.write(`id: ${request.id}\nevent: request\ndata: ${JSON.stringify(summaryOf(request))}\n\n`);
    const last = Number(req.headers['last-event-id'] ?? NaN);
    if (Number.isInteger(last)) for (const request of options.store.after(last)) send(request);
    res.write(': connected\n\n');
    const unsubscribe = options.store.subscribe((change) => {
      if ('added' in change) send(change.added);
      else if ('dropped' in change) res.write(`event: dropped\ndata: ${JSON.stringify(change.dropped)}\n\n`);
      else if ('attempt' in change) res.write(`event: attempt\ndata: ${JSON.stringify(change.attempt)}\n\n`);
      else res.write('event: clear\ndata: {}\n\n');
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs ?? KEEP_ALIVE_MS);
    streams.add(res);
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CannotRun(
          error.code === 'EADDRINUSE'
            ? `cannot serve the inspector on 127.0.0.1:${options.port}: the port is in use (choose another with --ui-port, or 0)`
            : `cannot serve the inspector: ${error.message}`,
        ),
      ),
    );
    // Loopback only, whatever --host the listener has: the inspector shows secrets' effects and re-sends.
    server.listen(options.port, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise((resolve) => {
        for (const res of streams) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Header values as a person reads them: Node gives each byte as one character (latin1), so a value sent
 * as UTF-8 (a right-to-left override, an accent) is decoded as UTF-8 when it is valid UTF-8.
 */
function shownHeaders(headers: Record<string, string>): Record<string, string> {
  const shown: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const bytes = Buffer.from(value, 'latin1');
    shown[name] = /[\u0080-\u00ff]/.test(value) && isUtf8(bytes) ? bytes.toString('utf8') : value;
  }
  return shown;
}

function facts(req: IncomingMessage) {
  return {
    method: req.method ?? 'GET',
    host: req.headers.host,
    cookie: req.headers.cookie,
    origin: req.headers.origin,
    contentType: req.headers['content-type'],
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(value));
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(`${message}\n`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new Error('the request is over 10 MB');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return {};
  return JSON.parse(raw);
}
