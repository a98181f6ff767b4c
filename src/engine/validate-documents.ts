import { type Capture, captureBody, captureFrom, isHarText } from '../captures/capture-file.js';
import { duplicateKeys } from '../platform/duplicate-keys.js';
import type { Dialect } from '../platform/dialect.js';
import type { EventType } from '../platform/events.js';
import { BOM_WARNING, locate, type SourceDocument, type SplitInput, splitDocuments } from '../platform/json-source.js';
import { asObject } from '../platform/schemas/common.js';
import { type Finding, validatePayload, validateReply } from '../platform/schemas/index.js';

/** A finding placed in its file: `file:line:col  path: message`. */
export interface PlacedFinding extends Finding {
  line?: number;
  column?: number;
}

/** One validated document: a payload or a reply, with its findings placed in the text. */
export interface DocumentResult {
  /** `file`, or `file:line` for a JSONL line. */
  source: string;
  /** The file alone: places inside it are `file:line:column`. */
  file: string;
  /** A capture line (listen --save) whose body was validated. */
  capture?: boolean;
  event: string | undefined;
  dialect: string;
  kind: 'payload' | 'reply';
  errors: PlacedFinding[];
  warnings: PlacedFinding[];
}

export interface ValidateTextOptions {
  /** Validate replies to this event instead of payloads. */
  reply?: EventType;
  /** The payload the replies answer: its tool call ids, its dialect. */
  request?: unknown;
  event?: EventType;
  dialect?: Dialect;
}

/** A document that could not be read as JSON, placed where it failed. */
export interface UnreadableDocument {
  label: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * Validates the text of one input — a JSON document, JSONL (a capture file's lines are validated as
 * the bodies they recorded) or a HAR file's webhook requests — against the platform's schemas, with
 * keys given twice and a byte order mark as warnings. `name` is how places in it are written.
 */
export async function validateText(
  text: string,
  name: string,
  options: ValidateTextOptions = {},
): Promise<{ results: DocumentResult[]; unreadable: UnreadableDocument[] }> {
  if (text.trim() === '') return { results: [], unreadable: [{ label: name, message: `${name} is empty: there is no JSON to validate` }] };
  const { documents, syntaxErrors, bom } = isHarText(text) ? await harDocuments(text, name) : await splitDocuments(text, name);
  const unreadable = syntaxErrors.map((problem) => ({
    label: problem.label,
    message: `${problem.label}:${problem.line}:${problem.column}: ${problem.message}`,
    line: problem.line,
    column: problem.column,
  }));
  const results: DocumentResult[] = [];
  for (const [index, document] of documents.entries()) {
    const result = await check(document, name, options);
    if (bom && index === 0) result.warnings.unshift({ path: [], message: `the file ${BOM_WARNING}`, line: 1, column: 1 });
    results.push(result);
  }
  return { results, unreadable };
}

async function check(document: SourceDocument, file: string, options: ValidateTextOptions): Promise<DocumentResult> {
  // A line of a capture file (listen --save): what is validated is the request body it recorded.
  const capture = options.reply ? undefined : captureLineOf(document.value);
  const value = capture === undefined ? document.value : captureDocument(capture);
  const validation =
    value === NOT_JSON
      ? { event: undefined, dialect: 'hms', errors: [{ path: ['body'], message: "the capture's body is not JSON" }], warnings: [] }
      : options.reply
        ? validateReply(options.reply, value, {
            dialect: options.dialect,
            ...(options.request !== undefined ? { request: options.request } : {}),
          })
        : validatePayload(value, { event: options.event, dialect: options.dialect });
  // Inside a capture's body there are no places in the file to point at: the line is the place.
  const placed = (findings: Finding[]) =>
    Promise.all(
      findings.map(
        async (f): Promise<PlacedFinding> => ({
          ...f,
          ...(capture === undefined ? await locate(document, f.path) : { line: document.firstLine, column: 1 }),
        }),
      ),
    );
  return {
    source: document.label,
    file,
    capture: capture !== undefined,
    kind: options.reply ? 'reply' : 'payload',
    event: validation.event,
    dialect: validation.dialect,
    errors: await placed(validation.errors),
    warnings: await placed([...duplicatesIn(document, capture, value), ...validation.warnings]),
  };
}

/** The keys given twice in the document's text, or in the body a capture recorded. */
function duplicatesIn(document: SourceDocument, capture: Capture | undefined, value: unknown): Finding[] {
  if (value === NOT_JSON) return [];
  return duplicateKeys(capture === undefined ? document.text : captureBody(capture).toString('utf8'));
}

const NOT_JSON = Symbol('not JSON');

/** A HAR file's webhook requests, each a document of its own (`file#3` for entry 3), taken entry by entry. */
async function harDocuments(text: string, name: string): Promise<SplitInput> {
  const { harCaptures } = await import('../captures/har-file.js');
  const documents: SourceDocument[] = [];
  const syntaxErrors: SplitInput['syntaxErrors'] = [];
  const onProblem = (problem: { entry?: number; message: string }) =>
    syntaxErrors.push({ label: `${name}#${problem.entry}`, line: 1, column: 1, message: problem.message });
  for (const { entry, capture } of harCaptures(text, name, onProblem))
    documents.push({ label: `${name}#${entry}`, value: capture, text: JSON.stringify(capture), firstLine: 1 });
  return { documents, syntaxErrors, bom: false };
}

/** A line of a capture file as listen --save writes it (method, path, headers and the body), read by the capture reader. */
function captureLineOf(value: unknown): Capture | undefined {
  const line = asObject(value);
  return typeof line?.method === 'string' && typeof line.path === 'string' ? captureFrom(value) : undefined;
}

function captureDocument(capture: Capture): unknown {
  try {
    return JSON.parse(captureBody(capture).toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}
