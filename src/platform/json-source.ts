import type { ParseError } from 'jsonc-parser';
import { DEFAULT_MAX_BODY_BYTES } from '../defaults.js';
import { nestsDeeperThan } from './json-depth.js';
import type { PathSegment } from './schemas/common.js';

/** What every command says of a UTF-8 byte order mark, in a body or a file: read past, and named. */
export const BOM_WARNING =
  'starts with a UTF-8 byte order mark (EF BB BF): it is read past here, but the platform sends none and JSON.parse and many other parsers reject it';

/** One JSON document of an input, with what is needed to point at a place inside it. */
export interface SourceDocument {
  /** `file` for a whole-file document, `file:line` for a JSONL line. */
  label: string;
  value: unknown;
  text: string;
  /** 1-based line of the input where `text` starts. */
  firstLine: number;
}

export interface SyntaxProblem {
  label: string;
  line: number;
  column: number;
  message: string;
}

export interface SplitInput {
  documents: SourceDocument[];
  syntaxErrors: SyntaxProblem[];
  /** The input started with a UTF-8 byte order mark, which was read past. */
  bom: boolean;
}

/**
 * Splits an input into JSON documents: the whole text, or one per line for JSONL (by the
 * `.jsonl`/`.ndjson` name, or when the text only parses line by line).
 */
export async function splitDocuments(rawText: string, name: string): Promise<SplitInput> {
  const bom = rawText.charCodeAt(0) === 0xfeff;
  const text = bom ? rawText.slice(1) : rawText;
  const jsonlByName = /\.(jsonl|ndjson)$/i.test(name);
  if (!jsonlByName && text.length > MAX_DOCUMENT_BYTES && !looksLikeJsonLines(text))
    return { documents: [], syntaxErrors: [tooLargeDocument(name, 1, text.length)], bom };
  if (!jsonlByName) {
    try {
      return { documents: [{ label: name, value: JSON.parse(text), text, firstLine: 1 }], syntaxErrors: [], bom };
    } catch (error) {
      if (!looksLikeJsonLines(text)) {
        return { documents: [], syntaxErrors: [await syntaxProblem(text, name, 1, error)], bom };
      }
    }
  }
  const documents: SourceDocument[] = [];
  const syntaxErrors: SyntaxProblem[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const label = `${name}:${index + 1}`;
    if (line.length > MAX_DOCUMENT_BYTES) {
      syntaxErrors.push(tooLargeDocument(name, index + 1, line.length));
      continue;
    }
    try {
      documents.push({ label, value: JSON.parse(line), text: line, firstLine: index + 1 });
    } catch (error) {
      syntaxErrors.push(await syntaxProblem(line, name, index + 1, error));
    }
  }
  return { documents, syntaxErrors, bom };
}

/**
 * The largest document parsed: parsed JSON takes 20 to 40 times its text in memory, and no webhook is
 * larger than the body listen accepts by default.
 */
export const MAX_DOCUMENT_BYTES = DEFAULT_MAX_BODY_BYTES;

function tooLargeDocument(name: string, line: number, size: number): SyntaxProblem {
  return {
    label: name,
    line,
    column: 1,
    message: `a document of ${size} characters, more than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB of any webhook body (listen's --max-body): not parsed`,
  };
}

function looksLikeJsonLines(text: string): boolean {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  try {
    const first = JSON.parse(lines[0]!) as unknown;
    return first !== null && typeof first === 'object';
  } catch {
    return false;
  }
}

async function syntaxProblem(text: string, name: string, firstLine: number, parseError: unknown): Promise<SyntaxProblem> {
  // jsonc-parser is loaded only here and in locate(): valid input never pays for it.
  const { parseTree, printParseErrorCode } = await import('jsonc-parser');
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  const offset = first?.offset ?? 0;
  const { line, column } = lineColumn(text, offset, firstLine);
  const message = first ? describeParseError(printParseErrorCode(first.error)) : (parseError as Error).message;
  return { label: name, line, column, message };
}

function describeParseError(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `not JSON: ${words}`;
}

/**
 * Past this size a document's findings are placed at its start: the position tree costs some 40 bytes
 * of memory per byte of text (a 16 MB object of a million keys took 700 MB), and no payload is near it.
 */
export const LOCATED_MAX_BYTES = 4 * 1024 * 1024;

/** The position tree of each document, built once however many findings it has. */
const trees = new WeakMap<SourceDocument, import('jsonc-parser').Node | undefined>();

/** Where in the input the value at `path` stands (or the nearest enclosing value that exists). */
export async function locate(document: SourceDocument, path: readonly PathSegment[]): Promise<{ line: number; column: number }> {
  // jsonc-parser builds its tree recursively: a document nested deeper than any payload is placed at its start.
  if (document.text.length > LOCATED_MAX_BYTES || nestsDeeperThan(document.value)) return { line: document.firstLine, column: 1 };
  const { parseTree, findNodeAtLocation } = await import('jsonc-parser');
  if (!trees.has(document)) trees.set(document, parseTree(document.text));
  const root = trees.get(document);
  if (root === undefined) return { line: document.firstLine, column: 1 };
  let node = root;
  for (let depth = path.length; depth >= 0; depth--) {
    const found = findNodeAtLocation(root, path.slice(0, depth) as PathSegment[]);
    if (found !== undefined) {
      // Point at the key of a property, where a reader looks for it.
      node = found.parent?.type === 'property' && found.parent.children?.[1] === found ? found.parent : found;
      break;
    }
  }
  return lineColumn(document.text, node.offset, document.firstLine);
}

function lineColumn(text: string, offset: number, firstLine: number): { line: number; column: number } {
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
