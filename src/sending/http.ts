import { Pool, request } from 'undici';
import { LatencyHistogram } from './latency-histogram.js';
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

/** POSTs one request and reads the whole reply; the latency runs until the last byte. */
export async function postOnce(outgoing: OutgoingRequest, timeoutMs: number, clock: Clock = systemClock): Promise<ReceivedReply> {
  const started = clock.elapsed();
  try {
    const response = await request(outgoing.url, {
      method: 'POST',
      headers: outgoing.headers,
      body: outgoing.body,
      signal: AbortSignal.timeout(timeoutMs),
      // One request and done: a kept-alive connection would hold the process open after the last output.
      reset: true,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      body,
      latencyMs: clock.elapsed() - started,
    };
  } catch (error) {
    throw classifyNetworkError(error, outgoing.url, timeoutMs);
  }
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

export interface LoadOptions {
  url: URL;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** Builds each request: re-timestamped and re-signed. */
  next: () => { headers: Record<string, string>; body: Buffer };
  onProgress?: (done: number) => void;
  /** Asked before each request: true stops sending; the requests in flight still finish. */
  stopped?: () => boolean;
  /** Judges each reply; a returned reason counts the reply as failed under that reason. */
  judge?: (reply: ReceivedReply) => string | undefined;
}

export interface LoadStats {
  sent: number;
  /** Requests that got a reply: the throughput counts these, not connection errors. */
  answered: number;
  /** Replies that failed the judge, by reason. */
  failures: Map<string, number>;
  elapsedMs: number;
  latency: LatencyHistogram;
  statuses: Map<number, number>;
  errors: Map<string, number>;
}

/**
 * Sends `count` requests over `concurrency` keep-alive connections; memory stays flat for any count.
 * Each lane sends its next request from the previous one's completion callback, on the pool's raw
 * dispatch: no promise or body stream per request.
 */
export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const pool = new Pool(options.url.origin, {
    connections: options.concurrency,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const path = `${options.url.pathname}${options.url.search}`;
  const stats: LoadStats = {
    sent: 0,
    answered: 0,
    elapsedMs: 0,
    latency: new LatencyHistogram(),
    statuses: new Map(),
    errors: new Map(),
    failures: new Map(),
  };
  let issued = 0;
  let active = 0;
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = () => {
        active--;
        stats.sent++;
        options.onProgress?.(stats.sent);
        launch();
      };
      const launch = (): void => {
        if (issued >= options.count || options.stopped?.() === true) {
          if (active === 0) resolve();
          return;
        }
        issued++;
        active++;
        const { headers, body } = options.next();
        const t0 = performance.now();
        let status = 0;
        let contentType: string | undefined;
        // Bodies are kept only when replies are judged.
        const chunks: Buffer[] | undefined = options.judge === undefined ? undefined : [];
        pool.dispatch(
          { path, method: 'POST', headers, body },
          {
            // Present so undici takes this for a handler of its current (controller) interface.
            onRequestStart: () => {},
            onResponseStart: (_controller, statusCode, headers) => {
              status = statusCode;
              const type = headers['content-type'];
              contentType = Array.isArray(type) ? type[0] : type;
            },
            onResponseData: (_controller, chunk) => {
              chunks?.push(chunk);
            },
            onResponseEnd: () => {
              const latencyMs = performance.now() - t0;
              stats.latency.record(latencyMs);
              stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
              stats.answered++;
              const reason = options.judge?.({ status, contentType, body: Buffer.concat(chunks ?? []), latencyMs });
              if (reason !== undefined) stats.failures.set(reason, (stats.failures.get(reason) ?? 0) + 1);
              finish();
            },
            onResponseError: (_controller, error) => {
              const failure = classifyNetworkError(error, options.url, options.timeoutMs);
              stats.errors.set(failure.kind, (stats.errors.get(failure.kind) ?? 0) + 1);
              if (failure.kind === 'refused' && stats.sent === 0) {
                issued = options.count;
                reject(failure);
                return;
              }
              finish();
            },
          },
        );
      };
      for (let lane = 0; lane < Math.min(options.concurrency, options.count); lane++) launch();
    });
  } finally {
    stats.elapsedMs = performance.now() - started;
    if (!pool.destroyed) await pool.destroy();
  }
  return stats;
}
