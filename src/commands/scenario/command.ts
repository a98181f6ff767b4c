import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';

const fromDeclaration = () =>
  new Command('from')
    .description('write the scenario of one captured call (listen --save, HAR): numbers, tools, transcript, end, recorded tool results')
    .argument('<source>', 'a capture file (JSONL), a HAR file, or - for stdin')
    .option('--call <id>', 'the call to take (default: the only call, else the latest complete one)')
    .option('--out <file>', 'write the scenario to this file (readable by its owner only; its folder created) instead of stdout')
    .option('--force', 'with --out: replace a file that is there')
    .option('--redact', 'replace phone numbers, names, transcript text and summaries with stable stand-ins')
    .option('--json', 'one JSON object: the call, its counts, where it was written (the scenario itself without --out)');

export type ScenarioFromOptions = ReturnType<ReturnType<typeof fromDeclaration>['opts']>;

export function scenarioCommand(context: CommandContext) {
  const scenario = new Command('scenario').description('call scenarios that `send call --scenario` and `demo` play');
  scenario.addCommand(
    fromDeclaration()
      .addHelpText(
        'after',
        `
Examples:
  $ hms-webhook scenario from captures.jsonl --redact --out my-call.json
  $ hms-webhook send call --scenario my-call.json --to :3000/webhooks
  $ hms-webhook scenario from session.har > call.json
The scenario validates against \`hms-webhook schema scenario\`; the receiver's recorded tool results become tool_results.
Exit: 0 written, 2 no call found or the input is unreadable.`,
      )
      .action(async (source, options) => {
        const { runScenarioFrom } = await import('./run.js');
        await runScenarioFrom(source, options, context);
      }),
  );
  return scenario;
}
