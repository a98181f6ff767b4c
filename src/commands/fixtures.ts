import type { Dialect } from '../dialect.js';
import { listFixtures, listScenarios, loadFixture } from '../fixtures.js';

export function runFixturesList(options: { json?: boolean }): void {
  const entries = listFixtures();
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        entries.map((e) => ({ name: `${e.event}/${e.variant}`, ...e })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  const width = Math.max(...entries.map((e) => e.event.length + e.variant.length + 1));
  const lines: string[] = [];
  for (const kind of ['payload', 'reply'] as const) {
    lines.push(kind === 'payload' ? 'Payloads (hms-webhook fixtures show NAME):' : '\nReplies (hms-webhook fixtures show NAME --reply):');
    for (const e of entries.filter((entry) => entry.kind === kind)) {
      lines.push(`  ${`${e.event}/${e.variant}`.padEnd(width)}  ${e.description}${e.isDefault ? ' (default)' : ''}`);
    }
  }
  lines.push('\nCall scenarios (hms-webhook send call/NAME):');
  listScenarios().forEach((scenario, index) =>
    lines.push(`  ${`call/${scenario.name}`.padEnd(width)}  ${scenario.description}${index === 0 ? ' (default)' : ''}`),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function runFixturesShow(name: string, options: { reply?: boolean; dialect: Dialect }): void {
  const { document } = loadFixture(name, { kind: options.reply ? 'reply' : 'payload', dialect: options.dialect });
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
