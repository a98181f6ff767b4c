import { isUtf8 } from 'node:buffer';
import { closeSync, constants, createReadStream, fdatasync, fstatSync, lstatSync, openSync, readSync, writeSync } from 'node:fs';
import { DEFAULT_MAX_LINE_BYTES } from '../defaults.js';
import { InputError } from '../errors.js';
import { asObject } from '../platform/schemas/common.js';
import { MAX_INPUT_BYTES, whyUnreadable } from '../input.js';

/** One captured request, a line of a capture file (README, "Recording"); extra keys are allowed and ignored by readers. */
/**
 * One line of a capture file (`listen --save`), or a request read from a HAR file or given by hand:
 * the request as it arrived and, when listen saved it, its verdict and the reply it got.
 */
export interface Capture {
  /** Absent for a request given by hand. */
  received_at?: string;
  method: string;
  path: string;
  /** Lower-cased names; a header sent more than once joined with ", ". */
  headers: Record<string, string>;
  /** The body as UTF-8 text, or `body_base64` when its bytes are not valid UTF-8. */
  body?: string;
  body_base64?: string;
  verdict?: CaptureVerdict;
  reply?: CaptureReply;
}

/** listen's verdict on the request, saved with it. */
export interface CaptureVerdict {
  passed: boolean;
  /** Why it is not a webhook at all (not JSON, a wrong path…). */
  bad_request?: string;
  /** `valid`, `unchecked`, or the reason it failed. */
  signature?: string;
  errors?: number;
  warnings?: number;
  /** The inspector's export: why it failed, in one line. */
  reason?: string;
}

/** The reply the request got, saved with it: the start of it only when `truncated`. */
export interface CaptureReply {
  status: number;
  body: string;
  content_type?: string;
  truncated?: boolean;
  /** How long a forwarded request took to be answered, so that verify can judge the deadline. */
  latency_ms?: number;
}

/** What listen (or the inspector's export) saves with a request besides the request itself. */
export interface CaptureRecord {
  verdict?: CaptureVerdict;
  reply?: CaptureReply;
}

/**
 * A parsed line as a capture, every field checked (a malformed verdict or reply is left out: readers
 * ignore what they cannot use); undefined when it is no capture at all.
 */
export function captureFrom(value: unknown): Capture | undefined {
  const line = asObject(value);
  const headers = asObject(line?.headers);
  if (line === undefined || headers === undefined) return undefined;
  if (typeof line.body !== 'string' && typeof line.body_base64 !== 'string') return undefined;
  const text = (key: string) => (typeof line[key] === 'string' ? (line[key] as string) : undefined);
  // fromEntries keeps every key an own property, `__proto__` included: keys from the wire stay data.
  const flat = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const verdict = verdictFrom(line.verdict);
  const reply = replyFrom(line.reply);
  return {
    ...(text('received_at') !== undefined ? { received_at: text('received_at') } : {}),
    method: text('method') ?? 'POST',
    path: text('path') ?? '/',
    headers: flat,
    ...(text('body') !== undefined ? { body: text('body') } : { body_base64: text('body_base64') }),
    ...(verdict !== undefined ? { verdict } : {}),
    ...(reply !== undefined ? { reply } : {}),
  };
}

function verdictFrom(value: unknown): CaptureVerdict | undefined {
  const verdict = asObject(value);
  if (verdict === undefined || typeof verdict.passed !== 'boolean') return undefined;
  return {
    passed: verdict.passed,
    ...(typeof verdict.bad_request === 'string' ? { bad_request: verdict.bad_request } : {}),
    ...(typeof verdict.signature === 'string' ? { signature: verdict.signature } : {}),
    ...(typeof verdict.errors === 'number' ? { errors: verdict.errors } : {}),
    ...(typeof verdict.warnings === 'number' ? { warnings: verdict.warnings } : {}),
    ...(typeof verdict.reason === 'string' ? { reason: verdict.reason } : {}),
  };
}

function replyFrom(value: unknown): CaptureReply | undefined {
  const reply = asObject(value);
  if (reply === undefined || typeof reply.status !== 'number') return undefined;
  return {
    status: reply.status,
    body: typeof reply.body === 'string' ? reply.body : '',
    ...(typeof reply.content_type === 'string' ? { content_type: reply.content_type } : {}),
    ...(reply.truncated === true ? { truncated: true } : {}),
    ...(typeof reply.latency_ms === 'number' ? { latency_ms: reply.latency_ms } : {}),
  };
}

/**
 * One capture line (JSONL, with its newline), written out directly: this runs for every request the
 * listener saves, and building the text costs half of building an object and stringifying it.
 */
export function captureLine(
  received: Date | undefined,
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  recorded: CaptureRecord = {},
): string {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  let line = `{${received !== undefined ? `"received_at":"${received.toISOString()}",` : ''}"method":${JSON.stringify(method)},"path":${JSON.stringify(path)},"headers":${JSON.stringify(flat)},`;
  // Body bytes must come back exactly: text when they are UTF-8, base64 when not.
  line += isUtf8(body) ? `"body":${JSON.stringify(body.toString('utf8'))}` : `"body_base64":"${body.toString('base64')}"`;
  if (recorded.verdict !== undefined) line += `,"verdict":${JSON.stringify(recorded.verdict)}`;
  if (recorded.reply !== undefined) line += `,"reply":${JSON.stringify(recorded.reply)}`;
  return `${line}}\n`;
}

export function captureBody(capture: Capture): Buffer {
  return capture.body_base64 !== undefined ? Buffer.from(capture.body_base64, 'base64') : Buffer.from(capture.body ?? '', 'utf8');
}

/**
 * Appends capture lines with group commit: the lines that arrive while a write and its fdatasync are
 * under way go out together in the next one, and each append resolves only once its whole line is
 * written and synced — so a 2xx means the line is on disk, and a disk that fails later loses no answered
 * request. A write cut short (a full disk) rejects the appends whose lines did not fit, and the next
 * write starts on a new line, so a torn line is never glued to the next (nor one left by a crash before
 * this run). A file removed or replaced while listening (rm, rotation by rename) is noticed at the next
 * write and created again, with a warning.
 */
export class CaptureWriter {
  private fd: number;
  private pending: string[] = [];
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private scheduled = false;
  private syncing = false;
  /** The file ends in a line that a failed write (or an earlier crash) cut short. */
  private torn = false;

  /** `onWarning` hears what the writer did on its own: a torn line ended, the file created again. */
  constructor(
    readonly path: string,
    private readonly onWarning: (text: string) => void = () => {},
  ) {
    this.fd = openCaptureFile(path);
    const { size } = fstatSync(this.fd);
    if (size > 0) {
      const last = Buffer.alloc(1);
      const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        readSync(fd, last, 0, 1, size - 1);
      } finally {
        closeSync(fd);
      }
      if (last[0] !== 0x0a) {
        this.torn = true;
        onWarning(
          `warning: ${path} ends in a line cut short (an earlier crash?): it is ended before the first new line, which verify then reports as unreadable`,
        );
      }
    }
  }

  /** Appends a line made by captureLine(); resolves once it is written and synced. */
  append(line: string): Promise<void> {
    this.pending.push(line);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.syncing) return;
    this.scheduled = true;
    // A synchronous write of a few KB to the page cache costs less than a thread-pool round trip.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.reopenIfGone();
    const data = Buffer.from(`${this.torn ? '\n' : ''}${lines.join('')}`);
    let written = 0;
    let failure: Error | undefined;
    while (written < data.length && failure === undefined) {
      try {
        written += writeSync(this.fd, data, written);
      } catch (error) {
        failure = error as Error;
      }
    }
    if (failure !== undefined) {
      if (written > 0) this.torn = data[written - 1] !== 0x0a;
      // Each line is saved only if all of its bytes were written.
      let end = data.length - Buffer.byteLength(lines.join(''));
      lines.forEach((line, index) => {
        end += Buffer.byteLength(line);
        if (end <= written) waiters[index]!.resolve();
        else waiters[index]!.reject(failure);
      });
      return;
    }
    this.torn = false;
    // Synced off the event loop; what arrives meanwhile waits for the next write, so one sync serves many lines.
    this.syncing = true;
    fdatasync(this.fd, (error) => {
      this.syncing = false;
      // A device that cannot be synced (EINVAL) holds nothing to lose; any other failure is a line not saved.
      const failed = error !== null && error.code !== 'EINVAL' ? error : undefined;
      for (const waiter of waiters) failed === undefined ? waiter.resolve() : waiter.reject(failed);
      if (this.pending.length > 0) this.schedule();
    });
  }

  /** The file was removed (no links left) or replaced at its path: create it again, and say so. */
  private reopenIfGone(): void {
    let replaced: boolean;
    try {
      const open = fstatSync(this.fd);
      const now = lstatSync(this.path, { throwIfNoEntry: false });
      replaced = open.nlink === 0 || now === undefined || now.ino !== open.ino || now.dev !== open.dev;
    } catch {
      replaced = true;
    }
    if (replaced) this.reopen(`${this.path} was removed or replaced while listening`);
  }

  /**
   * Opens the file at its path again (SIGHUP after a rotation, or a file found gone), saying so. One
   * that cannot be opened as a capture file (a link, another's, readable by others) leaves the old
   * one in use, with a warning: lines still go somewhere durable.
   */
  reopen(why: string): void {
    const existed = lstatSync(this.path, { throwIfNoEntry: false }) !== undefined;
    let fd: number;
    try {
      fd = openCaptureFile(this.path);
    } catch (error) {
      this.onWarning(`warning: ${why}, but it cannot be opened again (${(error as Error).message}): still writing to the file it was`);
      return;
    }
    closeSync(this.fd);
    this.fd = fd;
    this.torn = false;
    this.onWarning(`warning: ${why}: ${existed ? 'reopened' : 'created again'}, from the next request on`);
  }

  /** Writes and syncs what is left, and closes the file. */
  async close(): Promise<void> {
    while (this.syncing || this.pending.length > 0) {
      if (!this.syncing) this.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    closeSync(this.fd);
  }
}

/**
 * Opens a capture file to append to it, as its owner alone may: never through a symbolic link (a
 * link planted in a shared folder would send phone numbers elsewhere), never a file of another user
 * or one others can read, created 0600.
 */
function openCaptureFile(path: string): number {
  const kind = lstatSync(path, { throwIfNoEntry: false });
  // Opening a FIFO blocks until a reader comes, and writing to one blocks once it is full.
  if (kind?.isFIFO()) throw new InputError(`cannot save to ${path}: it is a FIFO, which would block the listener; give a regular file`);
  if (kind?.isSymbolicLink())
    throw new InputError(`cannot save to ${path}: it is a symbolic link, which is not followed; give the file itself`);
  let fd: number;
  try {
    // Captures hold phone numbers and signatures: readable by their owner only.
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new InputError(`cannot write captures to ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  const stats = fstatSync(fd);
  // A device (/dev/null, /dev/full in tests) keeps nothing to protect; anything else must be a file of one's own.
  const problem = stats.isCharacterDevice()
    ? undefined
    : !stats.isFile()
      ? 'it is not a regular file'
      : process.getuid !== undefined && stats.uid !== process.getuid()
        ? `it belongs to another user (uid ${stats.uid}): save to a file of your own`
        : (stats.mode & 0o077) !== 0
          ? `others can read or write it (mode ${(stats.mode & 0o777).toString(8)}): chmod 600 ${path}, or save to a new file`
          : undefined;
  if (problem !== undefined) {
    closeSync(fd);
    throw new InputError(`cannot save to ${path}: ${problem}`);
  }
  return fd;
}

/** Whether a file is a HAR file rather than a capture file, by its first bytes. */
export function isHarFile(path: string): boolean {
  const head = Buffer.alloc(256);
  const fd = openSync(path, 'r');
  try {
    return isHarText(head.toString('utf8', 0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}

/** Whether a text (or its start) is a HAR file's: an object whose first key is "log". */
export function isHarText(text: string): boolean {
  return HAR_START.test(text.slice(0, 256));
}

/** One request read from a capture or HAR file, with where it is, for messages and annotations. */
export interface SourcedCapture {
  capture: Capture;
  /** The line in a capture file (JSONL). */
  line?: number;
  /** The entry's position among a HAR file's entries, from 1. */
  entry?: number;
}

/** Where a request is, as every command prints it: `file:line` in a capture file, `file#entry` in a HAR file. */
export function locationOf(label: string, place: { line?: number; entry?: number }): string {
  if (place.line !== undefined) return `${label}:${place.line}`;
  return `${label}#${place.entry}`;
}

const HAR_START = /^\uFEFF?\s*\{\s*"log"\s*:/;

/** A line that is not a capture (torn by a full disk, or not JSON at all), for a reader that goes on past it. */
export interface CaptureProblem {
  /** The line of a capture file, or the entry of a HAR file (from 1). */
  line?: number;
  entry?: number;
  message: string;
}

/** Without it, a line that is not a capture stops the reading with an InputError. */
export type OnProblem = ((problem: CaptureProblem) => void) | undefined;

/** A file the caller opened itself (without following a link, say), and the name to give it in messages. */
export interface OpenedInput {
  label: string;
  stream: NodeJS.ReadableStream;
}

/**
 * Streams the requests of a capture file (JSONL, line by line, flat memory for any size) or a HAR
 * file (read whole: it is one JSON document). `-` reads stdin. A bad line is a InputError naming it.
 */
export async function* readCaptures(
  path: string | OpenedInput,
  stdin: NodeJS.ReadableStream = process.stdin,
  onProblem?: OnProblem,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<SourcedCapture> {
  const input = typeof path !== 'string' ? path.stream : path === '-' ? stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  const label = typeof path !== 'string' ? path.label : path === '-' ? 'stdin' : path;
  // Past so many unreadable lines with no capture among them, this is no capture file (/dev/urandom):
  // the reading stops, rather than reporting unreadable lines for ever.
  const seen = { captures: 0, problems: 0 };
  const problem: OnProblem =
    onProblem &&
    ((found) => {
      onProblem(found);
      if (++seen.problems >= MAX_UNREADABLE_BEFORE_A_CAPTURE && seen.captures === 0)
        throw new InputError(`${label}: ${seen.problems} lines and not one capture among them: not a capture file; stopped reading`);
    });
  const chunks = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    const head = await chunks.next();
    if (head.done === true) return;
    const remaining: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => chunks };
    if (HAR_START.test(head.value.subarray(0, 256).toString('utf8'))) {
      yield* readHar(label, head.value, remaining, onProblem);
      return;
    }
    // The start of a line that has not ended yet; joined once it ends, however many chunks it spans.
    let unfinished: Buffer[] = [];
    let unfinishedBytes = 0;
    let line = 1;
    let chunk: Buffer | undefined = head.value;
    while (chunk !== undefined) {
      const lastNewline = chunk.lastIndexOf(0x0a);
      if (lastNewline === -1) {
        unfinished.push(chunk);
        unfinishedBytes += chunk.length;
        // A stream with no newline (/dev/zero, a binary file) would otherwise grow without end.
        if (unfinishedBytes > maxLineBytes) throw lineTooLong(label, line, maxLineBytes);
      } else {
        const data = unfinished.length === 0 ? chunk : Buffer.concat([...unfinished, chunk]);
        const end = data.length - (chunk.length - lastNewline);
        line = yield* counted(capturesIn(data.subarray(0, end), line, label, problem), seen);
        unfinished = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
        unfinishedBytes = chunk.length - lastNewline - 1;
      }
      const next = await chunks.next();
      chunk = next.done === true ? undefined : next.value;
    }
    if (unfinished.length > 0) yield* counted(capturesIn(Buffer.concat(unfinished), line, label, problem), seen);
  } catch (error) {
    const why = whyUnreadable(error);
    if (why !== undefined) throw new InputError(`cannot read ${label}: ${why}`);
    throw error;
  } finally {
    // Closes the file when the reader stops early (a bad line, or a consumer that breaks off).
    await chunks.return?.();
  }
}

/** How many unreadable lines a file may start with before it is taken for no capture file at all. */
export const MAX_UNREADABLE_BEFORE_A_CAPTURE = 1000;

/** The captures of a generator, counted as they pass. */
function* counted(captures: Generator<SourcedCapture, number>, seen: { captures: number }): Generator<SourcedCapture, number> {
  for (let next = captures.next(); ; next = captures.next()) {
    if (next.done === true) return next.value;
    seen.captures++;
    yield next.value;
  }
}

/** A line past --max-line: the reading stops there, naming the place. */
export function lineTooLong(label: string, line: number, maxLineBytes: number): InputError {
  return new InputError(`${label}:${line}: a line longer than ${maxLineBytes} bytes (--max-line): not a capture file, or raise --max-line`);
}

/**
 * The captures on the lines of `data` — whole lines, its end being the end of the last — numbered from
 * firstLine; returns the number of the line after them. A line that is not a capture is a InputError.
 */
export function* capturesIn(data: Buffer, firstLine: number, label: string, onProblem?: OnProblem): Generator<SourcedCapture, number> {
  let line = firstLine;
  for (let start = 0; start <= data.length; line++) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    let capture: Capture | undefined;
    try {
      capture = parseCaptureLine(data, start, end, label, line);
    } catch (error) {
      if (onProblem === undefined || !(error instanceof InputError)) throw error;
      onProblem({ line, message: error.message });
    }
    if (capture !== undefined) yield { line, capture };
    start = end + 1;
  }
  return line;
}

/** The capture on one line (bytes start..end of data); undefined for a blank line. */
function parseCaptureLine(data: Buffer, start: number, end: number, label: string, line: number): Capture | undefined {
  const text = data.toString('utf8', start, end > start && data[end - 1] === 0x0d ? end - 1 : end);
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${label}:${line}: not JSON (a line cut short?): ${(error as Error).message}`);
  }
  const capture = captureFrom(value);
  if (capture === undefined) {
    throw new InputError(
      `${label}:${line}: not a capture: expected {"received_at", "method", "path", "headers", "body"} as listen --save writes`,
    );
  }
  return capture;
}

/** The requests of a HAR file, read whole (up to MAX_INPUT_BYTES) and then taken entry by entry. */
async function* readHar(label: string, first: Buffer, rest: AsyncIterable<Buffer>, onProblem: OnProblem): AsyncGenerator<SourcedCapture> {
  const chunks = [first];
  let size = first.length;
  for await (const chunk of rest) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES)
      throw new InputError(`${label}: a HAR file over ${MAX_INPUT_BYTES / 1024 / 1024} MiB: export fewer requests`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  chunks.length = 0;
  // The HAR reader (and its JSON scanner) loads only for a HAR file.
  const { harCaptures } = await import('./har-file.js');
  yield* harCaptures(text, label, onProblem);
}
