import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { DEFAULT_PORT } from '../../defaults.js';
import { jsonOption, junitOption, renamedOption, secretFileOption, secretOption, targetOption, timeoutOption } from '../../cli/options.js';

const declaration = () =>
  new Command('probe')
    .description('check that your receiver is safe: one valid request, then forgeries it must refuse')
    .addOption(targetOption(`your receiver: URL, host, host:port, :port or port (default http://localhost:${DEFAULT_PORT}/)`))
    .addOption(secretOption('the webhook_secret your receiver verifies with'))
    .addOption(secretFileOption())
    .option('--fixture <name>', 'the payload to probe with: a fixture, event or event/variant', 'status-update/in-progress')
    .addOption(renamedOption('--event <name>'))
    .option('--data <file>', 'probe with your own payload (JSON; - for stdin) instead of a fixture')
    .addOption(timeoutOption(10, 'how long to wait for each reply'))
    .addOption(jsonOption('one JSON object per case, then a summary object'))
    .addOption(junitOption());

export type ProbeOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function probeCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Cases: the valid request, and the same payload pretty-printed, with Python spacing, \\u escapes, \\/ escapes,
keys in another order and 1.0 floats, each correctly signed (each must get 2xx: refusing them means the
receiver verifies a re-serialised copy); tampered body, wrong secret, missing signature, short, empty,
non-hex and double-prefixed signatures (refused, never a 5xx), timestamps 301 s old and 330 s in the future,
in milliseconds, missing (each must be refused: non-2xx); timestamps as N.0, " N" and +N and a signed
non-JSON body (a warning when accepted); the valid request delivered again (a 2xx, as the first: a
duplicate refused, 409 included, fails). When the valid request is not accepted, the refusals prove
nothing and are shown as n/a.

Examples:
  $ hms-webhook probe --to localhost:3000/webhooks     (the secret from HMS_WEBHOOK_SECRET)
  $ hms-webhook probe --to http://localhost:3000/webhooks --secret-file .webhook-secret --json
Exit: 0 every forgery refused, 1 a forgery accepted, a valid form refused or a crash, 2 could not connect.`,
    )
    .action(async (options) => {
      const { runProbeCommand } = await import('./run.js');
      await runProbeCommand(options, context);
    });
}
