import * as z from 'zod/mini';
import type { Dialect } from '../../platform/dialect.js';
import { UsageError } from '../../errors.js';
import type { EventType } from '../../platform/events.js';
import { scenarioSchema } from '../../platform/scenario.js';
import { jsonSchema } from '../../platform/schemas/index.js';

export function runSchema(event: string, options: { reply?: boolean; dialect: Dialect }): void {
  if (event === 'scenario' && options.reply) throw new UsageError('a scenario has no reply: drop --reply');
  const schema =
    event === 'scenario'
      ? z.toJSONSchema(scenarioSchema, { io: 'input' })
      : jsonSchema(event as EventType, options.dialect, options.reply ? 'reply' : 'payload');
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
