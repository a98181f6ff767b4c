import type { Dialect } from '../../platform/dialect.js';
import { CheckFailed, UsageError } from '../../errors.js';
import type { EventType } from '../../platform/events.js';
import {
  colorEnabled,
  createStyle,
  documentJson,
  documentLines,
  summaryLine,
  type DocumentResult,
  type PlacedFinding,
} from '../../output/format.js';
import { readInput } from '../../input.js';
import { locate, splitDocuments, type SourceDocument } from '../../platform/json-source.js';
import { validatePayload, validateReply, type Finding } from '../../platform/schemas/index.js';

export interface ValidateOptions {
  reply?: EventType;
  event?: EventType;
  dialect?: Dialect;
  json?: boolean;
  color?: boolean;
}

export async function runValidate(files: string[], options: ValidateOptions): Promise<void> {
  if (files.length === 0) {
    if (process.stdin.isTTY) throw new UsageError('validate needs files to check, or - to read stdin');
    files = ['-'];
  }
  const style = createStyle(colorEnabled(process.stdout, process.env, options.color));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let passed = 0;
  let failed = 0;
  const unusable: string[] = [];

  for (const file of files) {
    const name = file === '-' ? 'stdin' : file;
    let text: string;
    try {
      text = (await readInput(file)).toString('utf8');
    } catch (error) {
      unusable.push((error as Error).message);
      if (options.json) out(JSON.stringify({ type: 'unreadable', source: name, message: (error as Error).message }));
      continue;
    }
    if (text.trim() === '') {
      const message = `${name} is empty: there is no JSON to validate`;
      unusable.push(message);
      if (options.json) out(JSON.stringify({ type: 'unreadable', source: name, message }));
      continue;
    }
    const { documents, syntaxErrors } = await splitDocuments(text, name);
    for (const problem of syntaxErrors) {
      const message = `${problem.label}:${problem.line}:${problem.column}: ${problem.message}`;
      unusable.push(message);
      if (options.json)
        out(JSON.stringify({ type: 'unreadable', source: problem.label, line: problem.line, column: problem.column, message }));
    }
    for (const document of documents) {
      const result = await check(document, options);
      if (result.errors.length === 0) passed++;
      else failed++;
      if (options.json) out(JSON.stringify(documentJson(result)));
      else for (const line of documentLines(result, style)) out(line);
    }
  }

  if (options.json) out(JSON.stringify({ type: 'summary', passed, failed, unreadable: unusable.length }));
  else if (passed + failed > 0) out(summaryLine(passed, failed, style));
  if (unusable.length > 0) {
    for (const message of unusable.slice(0, -1)) process.stderr.write(`hms-webhook: ${message}\n`);
    throw new UsageError(unusable.at(-1)!);
  }
  if (failed > 0) throw new CheckFailed('');
}

async function check(document: SourceDocument, options: ValidateOptions): Promise<DocumentResult> {
  const validation = options.reply
    ? validateReply(options.reply, document.value, { dialect: options.dialect })
    : validatePayload(document.value, { event: options.event, dialect: options.dialect });
  const placed = (findings: Finding[]) =>
    Promise.all(findings.map(async (f): Promise<PlacedFinding> => ({ ...f, ...(await locate(document, f.path)) })));
  return {
    source: document.label,
    kind: options.reply ? 'reply' : 'payload',
    event: validation.event,
    dialect: validation.dialect,
    errors: await placed(validation.errors),
    warnings: await placed(validation.warnings),
  };
}
