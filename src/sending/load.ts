import { Pool } from 'undici';
import { classifyNetworkError, type NetworkFailure, type ReceivedReply } from './http.js';
import { countIn, emptyStats, type LoadStats } from './load-stats.js';

export interface LoadOptions {
  url: URL;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** Builds each request: re-timestamped and re-signed. */
  next: () => SignedRequest;
  onProgress?: (done: number) => void;
  /** Asked before each request: true stops sending; the requests in flight still finish. */
  stopped?: () => boolean;
  /** Judges each reply; a returned reason counts the reply as failed under that reason. */
  judge?: (reply: ReceivedReply) => string | undefined;
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

/** A pool of keep-alive connections to the target, one request at a time on each. */
export function loadPool(url: URL, connections: number, timeoutMs: number): Pool {
  return new Pool(url.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

export type DispatchOutcome = { reply: Omit<ReceivedReply, 'latencyMs'> } | { failure: NetworkFailure };

/**
 * One POST on the pool's raw dispatch: no promise or body stream per request. The body of the reply is
 * kept only when `keepBody` (replies that are judged).
 */
export function dispatchPost(
  pool: Pool,
  url: URL,
  request: SignedRequest,
  options: { timeoutMs: number; keepBody: boolean },
  done: (outcome: DispatchOutcome) => void,
): void {
  let status = 0;
  let contentType: string | undefined;
  const chunks: Buffer[] | undefined = options.keepBody ? [] : undefined;
  pool.dispatch(
    { path: `${url.pathname}${url.search}`, method: 'POST', headers: request.headers, body: request.body },
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
      onResponseEnd: () => done({ reply: { status, contentType, body: Buffer.concat(chunks ?? []) } }),
      onResponseError: (_controller, error) => done({ failure: classifyNetworkError(error, url, options.timeoutMs) }),
    },
  );
}

/**
 * Sends `count` requests over `concurrency` keep-alive connections; memory stays flat for any count.
 * Each lane sends its next request from the previous one's completion callback.
 */
export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const pool = loadPool(options.url, options.concurrency, options.timeoutMs);
  const stats = emptyStats();
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
        const t0 = performance.now();
        dispatchPost(
          pool,
          options.url,
          options.next(),
          { timeoutMs: options.timeoutMs, keepBody: options.judge !== undefined },
          (outcome) => {
            if ('failure' in outcome) {
              countIn(stats.errors, outcome.failure.kind);
              if (outcome.failure.kind === 'refused' && stats.sent === 0) {
                issued = options.count;
                reject(outcome.failure);
                return;
              }
              finish();
              return;
            }
            const latencyMs = performance.now() - t0;
            stats.latency.record(latencyMs);
            countIn(stats.statuses, outcome.reply.status);
            stats.answered++;
            const reason = options.judge?.({ ...outcome.reply, latencyMs });
            if (reason !== undefined) countIn(stats.failures, reason);
            finish();
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
