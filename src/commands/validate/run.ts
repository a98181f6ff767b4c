import type { CommandContext } from '../../cli/command-context.js';
import { CheckFailed, InputError, UsageError } from '../../errors.js';
import { readInput, readJsonInput } from '../../input.js';
import { Reporter } from '../../output/reporter.js';
import type { ValidateOptions } from './command.js';
import { documentJson, documentLines, unreadableJson } from './render.js';
import { validateText } from '../../engine/validate-documents.js';

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
    const { results, unreadable } = await validateText(text, name, {
      ...(options.reply !== undefined ? { reply: options.reply } : {}),
      ...(request !== undefined ? { request } : {}),
      ...(options.event !== undefined ? { event: options.event } : {}),
      ...(options.dialect !== undefined ? { dialect: options.dialect } : {}),
    });
    for (const problem of unreadable) {
      unusable.push(problem.message);
      if (reporter.json)
        reporter.record(
          unreadableJson(
            problem.label,
            problem.message,
            problem.line === undefined ? undefined : { line: problem.line, column: problem.column ?? 1 },
          ),
        );
    }
    for (const result of results) {
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
