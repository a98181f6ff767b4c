import { Argument, Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { dialectOption } from '../../cli/options.js';
import { EVENTS } from '../../platform/events.js';

const declaration = () =>
  new Command('schema')
    .description('print the JSON Schema of an event payload, its reply, a call scenario file, or the --json records')
    .addArgument(
      new Argument('<event>', 'the event, scenario, or output (every --json record)').choices([...EVENTS, 'scenario', 'output'] as const),
    )
    .option('--reply', 'the schema of the reply instead of the payload')
    .addOption(dialectOption().default('hms' as const));

export type SchemaOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function schemaCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook schema end-of-call-report
  $ hms-webhook schema assistant-request --reply --dialect flireo > reply.schema.json
  $ hms-webhook schema scenario > scenario.schema.json
  $ hms-webhook schema output > records.schema.json     every line any command prints with --json`,
    )
    .action(async (event, options) => {
      const { runSchema } = await import('./run.js');
      runSchema(event, options, context);
    });
}
