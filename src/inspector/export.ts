import { isUtf8 } from 'node:buffer';
import { captureLine } from '../captures/capture-file.js';
import type { InspectedRequest } from './store.js';

/** Headers of the old connection: curl sets its own. */
const CONNECTION_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'expect']);

/** A shell word that is the text exactly: single quotes, with each quote closed, escaped and reopened. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Bytes that survive being pasted into a terminal inside single quotes: UTF-8 text with no control characters but newline and tab. */
function pastesAsText(body: Buffer): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters looked for
  return isUtf8(body) && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(body.toString('utf8'));
}

/** How a command gets the exact body bytes: an argument when they paste as text, else decoded from base64 on stdin. */
function bodyInput(body: Buffer): { prefix: string; data: string } {
  if (pastesAsText(body)) return { prefix: '', data: shellQuote(body.toString('utf8')) };
  return { prefix: `printf %s ${shellQuote(body.toString('base64'))} | base64 -d | `, data: '@-' };
}

/** `curl` that sends the request again byte for byte, with its captured headers and signature. */
export function curlCommand(request: InspectedRequest, url: string): string {
  const { prefix, data } = bodyInput(request.body);
  const headers = Object.entries(request.headers)
    .filter(([name]) => !CONNECTION_HEADERS.has(name.toLowerCase()))
    .map(([name, value]) => ` \\\n  -H ${shellQuote(`${name}: ${value}`)}`)
    .join('');
  return `${prefix}curl -sS -X POST ${shellQuote(url)}${headers} \\\n  --data-binary ${data}`;
}

/** `hms-webhook send` with the same body, re-signed with the secret of the one who runs it. */
export function sendCommand(request: InspectedRequest, url: string): string {
  const text = pastesAsText(request.body)
    ? `printf %s ${shellQuote(request.body.toString('utf8'))} | `
    : `printf %s ${shellQuote(request.body.toString('base64'))} | base64 -d | `;
  return `${text}hms-webhook send --data - --to ${shellQuote(url)}`;
}

/** The requests as capture lines, the format `listen --save` writes and `verify` and `replay` read. */
export function capturesOf(requests: readonly InspectedRequest[]): string {
  return requests
    .map((request) =>
      captureLine(new Date(request.receivedAt), request.method, request.path, request.headers, request.body, {
        verdict: { passed: request.passed, ...(request.reason !== null ? { reason: request.reason } : {}) },
        reply: {
          status: request.reply.status,
          body: request.reply.body,
          ...(request.reply.contentType !== null ? { content_type: request.reply.contentType } : {}),
        },
      }),
    )
    .join('');
}

/** The requests as HAR 1.2, with their replies: readable by `verify`, `replay` and browsers' tools. */
export function harOf(requests: readonly InspectedRequest[], origin: string, version: string): string {
  const entries = requests.map((request) => {
    const text = isUtf8(request.body);
    const contentType = request.headers['content-type'] ?? 'application/json';
    return {
      startedDateTime: request.receivedAt,
      time: request.latencyMs,
      request: {
        method: request.method,
        url: new URL(request.path, origin).href,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: Object.entries(request.headers).map(([name, value]) => ({ name, value })),
        queryString: [],
        postData: { mimeType: contentType, text: request.body.toString(text ? 'utf8' : 'base64'), ...(text ? {} : { encoding: 'base64' }) },
        headersSize: -1,
        bodySize: request.body.length,
      },
      response: {
        status: request.reply.status,
        statusText: '',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: request.reply.contentType !== null ? [{ name: 'content-type', value: request.reply.contentType }] : [],
        content: { size: Buffer.byteLength(request.reply.body), mimeType: request.reply.contentType ?? '', text: request.reply.body },
        redirectURL: '',
        headersSize: -1,
        bodySize: Buffer.byteLength(request.reply.body),
      },
      cache: {},
      timings: { send: 0, wait: request.latencyMs, receive: 0 },
    };
  });
  return `${JSON.stringify({ log: { version: '1.2', creator: { name: 'hms-webhook', version }, entries } }, null, 2)}\n`;
}
