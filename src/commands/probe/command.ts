import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { DEFAULT_PORT } from '../../defaults.js';
import { jsonOption, secretFileOption, secretOption, targetOption, timeoutOption } from '../../cli/options.js';

const declaration = () =>
  new Command('probe')
    .description('check that your receiver is safe: one valid request, then forgeries it must refuse')
    .addOption(targetOption(`your receiver: URL, host, host:port, :port or port (default http://localhost:${DEFAULT_PORT}/)`))
    .addOption(secretOption('the webhook_secret your receiver verifies with'))
    .addOption(secretFileOption())
    .option('--event <event>', 'the payload to probe with: event or event/variant', 'status-update/in-progress')
    .addOption(timeoutOption(10, 'how long to wait for each reply'))
    .addOption(jsonOption('one JSON object per case, then a summary object'));

export type ProbeOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function probeCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Cases: the valid request (must get 2xx); tampered body, wrong secret, missing signature, timestamp 301 s
old and 301 s in the future, timestamp in milliseconds, signature without its timestamp, non-JSON body
(each must be refused: non-2xx); a replay of the valid request (a warning when accepted).

Examples:
  $ hms-webhook probe --to localhost:3000/webhooks     (the secret from HMS_WEBHOOK_SECRET)
  $ hms-webhook probe --to https://staging.example.com/hooks --secret-file .webhook-secret --json
Exit: 0 every forgery refused, 1 a forgery accepted or the valid request refused, 2 could not connect.`,
    )
    .action(async (options) => {
      const { runProbeCommand } = await import('./run.js');
      await runProbeCommand(options, context);
    });
}
