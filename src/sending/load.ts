import { Pool } from 'undici';
import { classifyNetworkError, type ReceivedReply } from './http.js';
import { LatencyHistogram } from './latency-histogram.js';

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
