import { Command, Option } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { dialectOption, eventOption, jsonOption } from '../../cli/options.js';
import { EVENTS } from '../../platform/events.js';

const declaration = () =>
  new Command('validate')
    .description('check JSON payloads or replies (files, JSONL, or - for stdin) against the schemas')
    .argument('[files...]', 'JSON or JSONL files; - reads stdin')
    .addOption(new Option('--reply <event>', 'the documents are replies to this event').choices(EVENTS))
    .option('--request <file>', 'with --reply: the payload the replies answer (its dialect and tool call ids are checked)')
    .addOption(eventOption())
    .addOption(dialectOption())
    .addOption(jsonOption('one JSON object per document, then a summary object'));

export type ValidateOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function validateCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook fixtures show status-update/ended > ended.json
  $ hms-webhook validate ended.json
  $ hms-webhook validate payloads.jsonl --json
  $ echo '{"results":[{"tool_call_id":"tool_1","result":"ok"}]}' | hms-webhook validate --reply tool-calls -
  $ hms-webhook fixtures show tool-calls > request.json
  $ hms-webhook validate --reply tool-calls --request request.json reply.json
A reply is read in the dialect of the request it answers: --request's, else --dialect, else hms (as send).
Exit: 0 all valid, 1 any invalid, 2 a file unreadable or not JSON.`,
    )
    .action(async (files, options) => {
      const { runValidate } = await import('./run.js');
      await runValidate(files, options, context);
    });
}
