import * as z from 'zod/mini';
import type { CommandContext } from '../../cli/command-context.js';
import { UsageError } from '../../errors.js';
import type { EventType } from '../../platform/events.js';
import { scenarioSchema } from '../../platform/scenario.js';
import { jsonSchema } from '../../platform/schemas/index.js';
import type { SchemaOptions } from './command.js';

export function runSchema(subject: EventType | 'scenario', options: SchemaOptions, context: CommandContext): void {
  if (subject === 'scenario' && options.reply) throw new UsageError('a scenario has no reply: drop --reply');
  const schema =
    subject === 'scenario'
      ? z.toJSONSchema(scenarioSchema, { io: 'input' })
      : jsonSchema(subject, options.dialect, options.reply ? 'reply' : 'payload');
  context.io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
