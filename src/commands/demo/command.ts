import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { chaosOption, dialectOption, jsonOption, paceOption, seedOption } from '../../cli/options.js';

const declaration = () =>
  new Command('demo')
    .description('see it all work with no server of yours: a whole call against the built-in listener, then verify')
    .option('--scenario <file>', 'play your own scenario file instead of the built-in one')
    .addOption(dialectOption())
    .option('--web', 'a web call (no phone numbers)')
    .option('--fail', 'the call ends with an error')
    .addOption(paceOption())
    .addOption(chaosOption())
    .addOption(seedOption())
    .option('--keep', 'keep the temporary capture file (it holds phone numbers and signatures; removed by default)')
    .addOption(jsonOption('JSONL: the steps, what the listener saw, the verify results, a summary'));

export type DemoOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function demoCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Runs offline: the listener runs in this process on a free port with a random secret and saves to a
temporary capture file, which is then verified and removed (--keep keeps it).
With --chaos, the call is delivered as the platform really delivers (see send call --help): the
listener answers every delivery of an event alike, so it passes them all.
Exit: 0 the call and the verify passed, 1 something failed.`,
    )
    .action(async (options) => {
      const { runDemo } = await import('./run.js');
      await runDemo(options, context);
    });
}
