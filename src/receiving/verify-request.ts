import type { IncomingMessage } from 'node:http';
import { eventOf } from '../platform/schemas/index.js';
import { DEFAULT_TOLERANCE_SECONDS, type FailureReason, verify } from '../signing/signature.js';

export interface VerifyRequestOptions {
  /** The assistant's webhook_secret; several during a rotation (the first that matches wins). */
  secrets: string | readonly string[];
  /** Accepted timestamp age, both ways; 300 s by default. */
  toleranceSeconds?: number;
  /** Unix seconds to judge the timestamp against; now by default. */
  now?: number;
  /** The largest body read; a larger one is refused with 413 before it is verified. 10 MiB by default. */
  maxBodyBytes?: number;
}

/**
 * What a receiver does next: `ok` with the raw body (verified) and the parsed payload, or the status
 * to answer and why (401 for a signature, 400 for a body that is not JSON, 413 for one too large).
 */
export type VerifiedRequest =
  | { ok: true; body: Buffer; payload: unknown; event: string | undefined; secretIndex: number }
  | { ok: false; status: 400 | 401 | 413; reason: FailureReason | 'not-json' | 'too-large'; message: string };

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

/**
 * Reads a web-standard Request's raw body (Hono, Next.js route handlers, Bun, Deno, Cloudflare) and
 * verifies it: signature over the exact bytes, timestamp window both ways, constant-time compare.
 */
export async function verifyRequest(request: Request, options: VerifyRequestOptions): Promise<VerifiedRequest> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (Number(request.headers.get('content-length') ?? NaN) > limit) return tooLarge(limit);
  // Read in chunks, so that a body without Content-Length is cut at the limit rather than held whole.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (let next = await reader?.read(); next !== undefined && !next.done; next = await reader?.read()) {
    size += next.value.length;
    if (size > limit) {
      await reader?.cancel();
      return tooLarge(limit);
    }
    chunks.push(next.value);
  }
  return verifyBody(Buffer.concat(chunks), request.headers, options);
}

/** The same for Node's IncomingMessage (node:http, Express without a body parser, Fastify's raw request). */
export async function verifyNodeRequest(request: IncomingMessage, options: VerifyRequestOptions): Promise<VerifiedRequest> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return tooLarge(limit);
    chunks.push(chunk);
  }
  return verifyBody(Buffer.concat(chunks), request.headers, options);
}

/** Verifies bytes already read (express.raw, Fastify's parseAs buffer), then parses them. */
export function verifyBody(
  body: Buffer,
  headers: Parameters<typeof verify>[0]['headers'],
  options: Omit<VerifyRequestOptions, 'maxBodyBytes'>,
): VerifiedRequest {
  const result = verify({
    body,
    headers,
    secrets: options.secrets,
    toleranceSeconds: options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  if (!result.ok) return { ok: false, status: 401, reason: result.reason, message: result.message };
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'not-json', message: 'the body is not JSON: the platform always sends JSON' };
  }
  return { ok: true, body, payload, event: eventOf(payload), secretIndex: result.secretIndex };
}

function tooLarge(limit: number): VerifiedRequest {
  return { ok: false, status: 413, reason: 'too-large', message: `the body is over ${limit} bytes` };
}
