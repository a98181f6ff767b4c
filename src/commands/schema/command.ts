import { Argument, Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { dialectOption } from '../../cli/options.js';
import { EVENTS } from '../../platform/events.js';

const declaration = () =>
  new Command('schema')
    .description('print the JSON Schema of an event payload, its reply, or a call scenario file')
    .addArgument(new Argument('<event>', 'the event, or scenario').choices([...EVENTS, 'scenario'] as const))
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
  $ hms-webhook schema scenario > scenario.schema.json`,
    )
    .action(async (event, options) => {
      const { runSchema } = await import('./run.js');
      runSchema(event, options, context);
    });
}
