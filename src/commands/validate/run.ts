import { type Capture, captureBody, captureFrom, isHarText } from '../../captures/capture-file.js';
import { asObject } from '../../platform/schemas/common.js';
import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { readInput, readJsonInput } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import { duplicateKeys } from '../../platform/duplicate-keys.js';
import { BOM_WARNING, locate, type SourceDocument, type SplitInput, splitDocuments } from '../../platform/json-source.js';
import { type Finding, validatePayload, validateReply } from '../../platform/schemas/index.js';
import type { ValidateOptions } from './command.js';
import { type DocumentResult, documentJson, documentLines, type PlacedFinding, unreadableJson } from './render.js';

export async function runValidate(files: string[], options: ValidateOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  if (files.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('validate needs files to check, or - to read stdin');
    files = ['-'];
  }
  if (options.request !== undefined && options.reply === undefined)
    throw new UsageError('--request is the payload that replies answer: add --reply EVENT');
  const request = options.request === undefined ? undefined : (await readJsonInput('--request', options.request, io.stdin)).document;
  const reporter = new Reporter(io, { json: options.json === true, color: context.color() });
  let passed = 0;
  let failed = 0;
  const unusable: string[] = [];

  for (const file of files) {
    const name = file === '-' ? 'stdin' : file;
    let text: string;
    try {
      text = (await readInput(file, io.stdin)).toString('utf8');
    } catch (error) {
      unusable.push((error as Error).message);
      if (reporter.json) reporter.record(unreadableJson(name, (error as Error).message));
      continue;
    }
    if (text.trim() === '') {
      const message = `${name} is empty: there is no JSON to validate`;
      unusable.push(message);
      if (reporter.json) reporter.record(unreadableJson(name, message));
      continue;
    }
    const { documents, syntaxErrors, bom } = isHarText(text) ? await harDocuments(text, name) : await splitDocuments(text, name);
    for (const problem of syntaxErrors) {
      const message = `${problem.label}:${problem.line}:${problem.column}: ${problem.message}`;
      unusable.push(message);
      if (reporter.json) reporter.record(unreadableJson(problem.label, message, problem));
    }
    for (const [index, document] of documents.entries()) {
      const result = await check(document, name, options, request);
      if (bom && index === 0) result.warnings.unshift({ path: [], message: `the file ${BOM_WARNING}`, line: 1, column: 1 });
      if (result.errors.length === 0) passed++;
      else failed++;
      reporter.result(
        () => documentJson(result),
        () => documentLines(result, reporter.style),
      );
    }
  }

  if (reporter.json || passed + failed > 0) reporter.summary(passed, failed, { fields: { unreadable: unusable.length } });
  if (unusable.length > 0) {
    for (const message of unusable.slice(0, -1)) reporter.note(message);
    throw new InputError(unusable.at(-1)!);
  }
  if (failed > 0) throw new CheckFailed();
}

async function check(document: SourceDocument, file: string, options: ValidateOptions, request: unknown): Promise<DocumentResult> {
  // A line of a capture file (listen --save): what is validated is the request body it recorded.
  const capture = options.reply ? undefined : captureLineOf(document.value);
  const value = capture === undefined ? document.value : captureDocument(capture);
  const validation =
    value === NOT_JSON
      ? { event: undefined, dialect: 'hms', errors: [{ path: ['body'], message: "the capture's body is not JSON" }], warnings: [] }
      : options.reply
        ? validateReply(options.reply, value, { dialect: options.dialect, ...(request !== undefined ? { request } : {}) })
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
  const { harCaptures } = await import('../../captures/har-file.js');
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
