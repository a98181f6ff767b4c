import { Command, Option } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import {
  ignoreOption,
  jsonOption,
  filterOption,
  junitOption,
  lineOption,
  number,
  paceOption,
  renamedOption,
  secretFileOption,
  secretOption,
  setOption,
  targetOption,
  timeoutOption,
  unsetOption,
} from '../../cli/options.js';
import { DEFAULT_PORT } from '../../defaults.js';

const declaration = () =>
  new Command('replay')
    .description('send captured requests (listen --save, HAR) again, re-signed now, check each reply, and compare it with the recorded one')
    .argument('<source>', 'a capture file (JSONL), a HAR file, or - for stdin')
    .addOption(targetOption(`URL, host, host:port, :port or port (default http://localhost:${DEFAULT_PORT}/)`))
    .addOption(secretOption('the webhook_secret to re-sign with (may differ from the one the requests were captured with)'))
    .addOption(secretFileOption())
    .option('--as-captured', 'send the captured timestamp and signature unchanged (a stale replay, which a receiver should refuse)')
    .option('--unsigned', 'send no signature')
    .addOption(lineOption())
    .addOption(filterOption('only the requests that match'))
    .addOption(renamedOption('--event <event>'))
    .addOption(renamedOption('--call <id>'))
    .addOption(new Option('--last <n>', 'only the last n of the requests selected').argParser(number('whole')))
    .addOption(renamedOption('--failed'))
    .addOption(setOption())
    .addOption(unsetOption())
    .addOption(paceOption('wait between requests'))
    .addOption(
      new Option('--concurrency <c>', 'requests in flight at once; the requests of one call id stay in file order')
        .argParser(number('whole'))
        .default(1),
    )
    .addOption(timeoutOption(30))
    .option('--expect-status <code>', 'the status that counts as a pass: 401, 4xx … (default 2xx)')
    .option('--compare', 'compare each reply with the one recorded in the capture: status, and the JSON the platform reads')
    .addOption(ignoreOption('with --compare: a volatile reply value to ignore, e.g. results[*].result.fetched_at; repeatable'))
    .addOption(jsonOption('one JSON object per request, then a summary object'))
    .addOption(junitOption());

export type ReplayOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function replayCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook replay captures.jsonl --to :3000/webhooks --compare          a morning of real traffic as a regression test
  $ hms-webhook replay session.har --to localhost:3000/webhooks --filter event:tool-calls --last 5
  $ hms-webhook replay captures.jsonl --to :3000/webhooks --filter 'event:tool-calls verdict:passed'
verdict: in --filter is the one listen recorded (else verify's checks, for a HAR file).
  $ hms-webhook replay captures.jsonl --to :3000/webhooks --line 6 --set message.call.status=ended
  $ hms-webhook replay captures.jsonl --to :3000/webhooks --as-captured --expect-status 401
Re-signed with HMS_WEBHOOK_SECRET, --secret-file or --secret, at the current time; the body bytes are the captured ones.
Exit: 0 every reply passed (and matched, with --compare), 1 any did not, 2 could not read or send.`,
    )
    .action(async (source, options) => {
      const { runReplay } = await import('./run.js');
      await runReplay(source, options, context);
    });
}
