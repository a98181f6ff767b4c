import { createScanner } from 'jsonc-parser';
import { InputError } from '../errors.js';
import type { Capture, OnProblem, SourcedCapture } from './capture-file.js';

// A HAR file (a browser's or a proxy's export) read entry by entry: the text is scanned, and each
// entry of log.entries is parsed on its own, so memory holds the text and one entry, never the tree
// of the whole file (a 100 000-entry HAR took 723 MB parsed whole).

interface HarEntry {
  startedDateTime?: string;
  time?: number;
  request?: {
    method?: string;
    url?: string;
    headers?: { name?: string; value?: string }[];
    postData?: { text?: string; encoding?: string; mimeType?: string };
  };
  response?: { status?: number; content?: { text?: string; encoding?: string; mimeType?: string } };
}

/** The POST entries of a HAR text that carry X-Webhook-* headers, as captures with their replies. */
export function* harCaptures(text: string, label: string, onProblem: OnProblem): Generator<SourcedCapture> {
  let index = -1;
  for (const value of harEntries(text, label)) {
    index++;
    if (value === null || typeof value !== 'object') continue;
    const entry = value as HarEntry;
    const request = entry.request;
    if (typeof request?.method !== 'string' || request.method.toUpperCase() !== 'POST' || !Array.isArray(request.headers)) continue;
    const malformed = harEntryProblem(request);
    if (malformed !== undefined) {
      const problem = { entry: index + 1, message: `${label}: entry ${index + 1}: ${malformed}` };
      if (onProblem === undefined) throw new InputError(problem.message);
      onProblem(problem);
      continue;
    }
    const headers: Record<string, string> = {};
    for (const { name, value } of request.headers as { name: string; value: string }[]) {
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    if (!Object.keys(headers).some((name) => name.startsWith('x-webhook-'))) continue;
    const url = safeUrl(request.url);
    const text = request.postData?.text ?? '';
    const capture: Capture = {
      ...(typeof entry.startedDateTime === 'string' ? { received_at: entry.startedDateTime } : {}),
      method: 'POST',
      path: url === undefined ? (request.url ?? '/') : url.pathname + url.search,
      headers,
      ...(request.postData?.encoding === 'base64' ? { body_base64: text } : { body: text }),
    };
    const response = entry.response;
    // Status 0 is how browsers record a request that got no response.
    if (typeof response?.status === 'number' && response.status > 0) {
      const content = response.content ?? {};
      const text = typeof content.text === 'string' ? content.text : '';
      capture.reply = {
        status: response.status,
        body: content.encoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text,
        ...(typeof content.mimeType === 'string' ? { content_type: content.mimeType } : {}),
        ...(typeof entry.time === 'number' && entry.time >= 0 ? { latency_ms: entry.time } : {}),
      };
    }
    yield { entry: index + 1, capture };
  }
}

/** What is wrong with a HAR request that a reader cannot take as it is; undefined when nothing. */
function harEntryProblem(request: NonNullable<HarEntry['request']>): string | undefined {
  const bad = (request.headers ?? []).findIndex(
    (header) => header === null || typeof header !== 'object' || typeof header.name !== 'string' || typeof header.value !== 'string',
  );
  if (bad !== -1) return `request.headers[${bad}] is not a {"name", "value"} pair of strings`;
  const postData = request.postData;
  if (
    postData !== undefined &&
    (postData === null || typeof postData !== 'object' || (postData.text !== undefined && typeof postData.text !== 'string'))
  ) {
    return 'request.postData.text is not a string';
  }
  if (request.url !== undefined && typeof request.url !== 'string') return 'request.url is not a string';
  return undefined;
}

function safeUrl(text: string | undefined): URL | undefined {
  try {
    return new URL(text ?? '');
  } catch {
    return undefined;
  }
}

// The scanner's tokens (its SyntaxKind, a const enum that a bundler cannot read from its types).
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const COLON = 6;
const STRING = 10;
const EOF = 17;

/** The values of log.entries, parsed one at a time; a file that is not a HAR is an InputError naming why. */
export function* harEntries(text: string, label: string): Generator<unknown> {
  const scanner = createScanner(text, true);
  const invalid = (why: string) => new InputError(`${label}: not a valid HAR file: ${why}`);
  const scan = () => {
    const token = scanner.scan();
    if (scanner.getTokenError() !== 0) throw invalid(`a bad token at offset ${scanner.getTokenOffset()}`);
    return token;
  };
  /** Steps over the value that starts at the current token, to its last token. */
  const skipValue = () => {
    let depth = 0;
    for (let token = scanner.getToken(); ; token = scan()) {
      if (token === OPEN_BRACE || token === OPEN_BRACKET) depth++;
      else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) depth--;
      else if (token === EOF) throw invalid('it ends in the middle of a value');
      if (depth <= 0) return;
    }
  };
  /** Walks the members of the object at the current token, handing each key's value to `member`. */
  function* members(member: (key: string) => Generator<unknown> | undefined): Generator<unknown> {
    if (scanner.getToken() !== OPEN_BRACE) throw invalid('expected an object');
    for (let token = scan(); token !== CLOSE_BRACE; token = scan()) {
      if (token === COMMA) continue;
      if (token !== STRING) throw invalid(`expected a key at offset ${scanner.getTokenOffset()}`);
      const key = scanner.getTokenValue();
      if (scan() !== COLON) throw invalid(`expected ":" after ${JSON.stringify(key)}`);
      scan();
      const inner = member(key);
      if (inner === undefined) skipValue();
      else yield* inner;
    }
  }
  function* entries(): Generator<unknown> {
    if (scanner.getToken() !== OPEN_BRACKET) throw invalid('log.entries is not an array');
    for (let token = scan(); token !== CLOSE_BRACKET; token = scan()) {
      if (token === COMMA) continue;
      if (token === EOF) throw invalid('it ends inside log.entries');
      const start = scanner.getTokenOffset();
      skipValue();
      yield JSON.parse(text.slice(start, scanner.getTokenOffset() + scanner.getTokenLength()));
    }
  }
  let found = false;
  scan();
  yield* members((key) =>
    key !== 'log'
      ? undefined
      : members((inner) => {
          if (inner !== 'entries') return undefined;
          found = true;
          return entries();
        }),
  );
  if (!found) throw invalid('log.entries is missing');
}
