import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Listener, type ListenerOptions, startListener } from '../src/receiving/listener.js';
import { runCli } from './helpers.js';

/** What the test receiver saw of one request. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The signature checked with this file's own few lines of node:crypto, as the platform docs show. */
  signatureValid: boolean | undefined;
}

export interface Answer {
  status?: number;
  body?: string;
  delayMs?: number;
  contentType?: string;
}

/** Answers a request; a stateful receiver may take its time (a database, a lock). */
export type Responder = (request: Received) => Answer | Promise<Answer>;

/** A receiver written from the platform docs (the seeds' Node example), not from our signing core. */
export async function startReceiver(
  secret: string | undefined,
  respond: Responder = () => ({}),
  /** Where it listens: 127.0.0.1, or 0.0.0.0 to stand for a host off this machine at one of its other addresses. */
  host = '127.0.0.1',
): Promise<{ url: string; port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const timestamp = String(req.headers['x-webhook-timestamp'] ?? '');
      const signature = req.headers['x-webhook-signature'];
      let signatureValid: boolean | undefined;
      if (secret !== undefined && typeof signature === 'string') {
        const sigHex = signature.replace(/^sha256=/, '');
        const expected = createHmac('sha256', secret)
          .update(Buffer.concat([Buffer.from(`${timestamp}.`), body]))
          .digest('hex');
        signatureValid = sigHex.length === expected.length && timingSafeEqual(Buffer.from(sigHex), Buffer.from(expected));
      }
      const request: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, signatureValid };
      received.push(request);
      const answer = await respond(request);
      const reply = () => {
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' });
        res.end(answer.body ?? '{}');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies the way a correct receiver does: tool results for every id, an assistant for calls. */
export const correctReplies = (request: Received): Answer => {
  if (request.signatureValid === false) return { status: 401, body: '{"error":"invalid signature"}' };
  const message = (JSON.parse(request.body.toString('utf8')) as { message: Record<string, unknown> }).message;
  if (message.type === 'tool-calls') {
    const flireo = 'toolCallList' in message;
    const list = (flireo ? message.toolCallList : message.tool_call_list) as { id: string }[];
    return {
      body: JSON.stringify({ results: list.map((call) => ({ [flireo ? 'toolCallId' : 'tool_call_id']: call.id, result: { ok: true } })) }),
    };
  }
  if (message.type === 'assistant-request') return { body: JSON.stringify({ assistant: { name: 'Receptie' } }) };
  return { body: '{}' };
};

/** The built-in listener on a free port of 127.0.0.1: a correct receiver that refuses what probe forges. */
export function startBuiltInListener(secret: string, options: Partial<ListenerOptions> = {}): Promise<Listener> {
  return startListener({
    host: '127.0.0.1',
    port: 0,
    path: '/',
    secrets: [secret],
    toleranceSeconds: 300,
    enforce: true,
    maxBodyBytes: 1 << 20,
    replies: {},
    delayMs: 0,
    onEvent: () => {},
    ...options,
  });
}

/**
 * Real traffic: each `send call` (with the extra arguments given) through a listener that saves every
 * request to `file` and forwards it to a receiver answering with `respond`, whose replies are saved too.
 */
export async function recordCalls(file: string, secret: string, respond: Responder, calls: string[][]): Promise<void> {
  const receiver = await startReceiver(secret, respond);
  const listener = await startBuiltInListener(secret, { forwardTo: new URL(receiver.url), save: file });
  try {
    for (const extra of calls) {
      const played = await runCli(['send', 'call', '--to', listener.url, '--secret', secret, ...extra]);
      if (played.code !== 0) throw new Error(`send call failed while recording: ${played.stdout}${played.stderr}`);
    }
  } finally {
    await listener.close();
    await receiver.close();
  }
}
