import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Clock, systemClock } from '../clock.js';
import { CannotRun } from '../errors.js';
import { DEFAULT_PORT } from '../defaults.js';
import type { RecordedReply } from '../platform/reply-check.js';

export interface OutgoingRequest {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

export type NetworkFailureKind = 'refused' | 'dns' | 'timeout' | 'reset' | 'other';

/** A reply as it came back over the wire, with its latency. */
export interface ReceivedReply extends RecordedReply {
  latencyMs: number;
  /** A redirect's Location: the platform does not follow it, and the hint names it. */
  location?: string;
}

/** The request could not be sent or answered: could not run (exit 2), unless a command reports it as a failed reply. */
export class NetworkFailure extends CannotRun {
  override name = 'NetworkFailure';
  constructor(
    readonly kind: NetworkFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POSTs one request and reads the whole reply; the latency runs until the last byte.
 * Node's own HTTP client, not undici: loading undici and compiling its WebAssembly parser took about
 * two thirds of a single `send` (undici stays for `send load`, where its pool pays off).
 */
export async function postOnce(outgoing: OutgoingRequest, timeoutMs: number, clock: Clock = systemClock): Promise<ReceivedReply> {
  const started = clock.elapsed();
  try {
    const response = await exchange(outgoing, timeoutMs);
    const contentType = response.headers['content-type'];
    const { location } = response.headers;
    return {
      status: response.statusCode ?? 0,
      contentType,
      body: response.body,
      latencyMs: clock.elapsed() - started,
      ...(location !== undefined ? { location } : {}),
    };
  } catch (error) {
    throw classifyNetworkError(error, outgoing.url, timeoutMs);
  }
}

/** GETs a URL and reads the whole reply (a side-effect check's); network failures as postOnce has them. */
export async function getOnce(url: URL, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
  try {
    const response = await exchange({ url, headers: {}, body: Buffer.alloc(0) }, timeoutMs, 'GET');
    return { status: response.statusCode ?? 0, body: response.body };
  } catch (error) {
    throw classifyNetworkError(error, url, timeoutMs);
  }
}

/** One exchange on a connection of its own, closed after the reply: nothing holds the process open after the last output. */
function exchange(
  outgoing: OutgoingRequest,
  timeoutMs: number,
  method: 'POST' | 'GET' = 'POST',
): Promise<IncomingMessage & { body: Buffer }> {
  return new Promise((resolve, reject) => {
    const send = outgoing.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(outgoing.url, {
      method,
      headers: method === 'GET' ? outgoing.headers : { ...outgoing.headers, 'content-length': String(outgoing.body.length) },
      agent: false,
    });
    let reply: IncomingMessage | undefined;
    const timer = setTimeout(() => {
      const error = new Error('timed out');
      error.name = 'TimeoutError';
      // A reply that started but stalls times out too, with this error rather than a reset.
      reply?.destroy(error);
      request.destroy(error);
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      reply = response;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve(Object.assign(response, { body: Buffer.concat(chunks) }));
      });
    });
    request.end(outgoing.body);
  });
}

export function classifyNetworkError(error: unknown, url: URL, timeoutMs: number): NetworkFailure {
  const err = error as { code?: string; name?: string; cause?: { code?: string }; message?: string };
  const code = err.code ?? err.cause?.code;
  const origin = `${url.protocol}//${url.host}`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new NetworkFailure('timeout', `no reply from ${origin} within ${timeoutMs / 1000} s (raise --timeout to wait longer)`);
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkFailure(
      'refused',
      `cannot connect to ${origin}: connection refused — is your receiver running? (\`hms-webhook listen\` starts one on port ${DEFAULT_PORT})`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new NetworkFailure('dns', `cannot resolve ${url.hostname}: check the host in --to`);
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return new NetworkFailure('reset', `${origin} closed the connection before replying`);
  }
  return new NetworkFailure('other', `cannot send to ${origin}: ${err.message ?? String(error)}${code ? ` (${code})` : ''}`);
}
