import * as z from 'zod/mini';
import type { CommandContext } from '../../cli/command-context.js';
import { UsageError } from '../../errors.js';
import type { EventType } from '../../platform/events.js';
import { scenarioSchema } from '../../platform/scenario.js';
import { jsonSchema } from '../../platform/schemas/index.js';
import { outputSchema } from '../../output/records.js';
import type { SchemaOptions } from './command.js';

export function runSchema(subject: EventType | 'scenario' | 'output', options: SchemaOptions, context: CommandContext): void {
  if (subject !== 'scenario' && subject !== 'output') {
    context.io.stdout.write(`${JSON.stringify(jsonSchema(subject, options.dialect, options.reply ? 'reply' : 'payload'), null, 2)}\n`);
    return;
  }
  if (options.reply) throw new UsageError(`${subject === 'scenario' ? 'a scenario' : 'the --json output'} has no reply: drop --reply`);
  const schema = subject === 'scenario' ? z.toJSONSchema(scenarioSchema, { io: 'input' }) : outputSchema();
  context.io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
