import type { Dialect } from '../dialect.js';
import type { EventType } from '../events.js';
import { jsonSchema } from '../schemas/index.js';

export function runSchema(event: string, options: { reply?: boolean; dialect: Dialect }): void {
  const schema = jsonSchema(event as EventType, options.dialect, options.reply ? 'reply' : 'payload');
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
