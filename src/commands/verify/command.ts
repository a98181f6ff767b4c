import { Command, Option } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { filterOption, jsonOption, junitOption, number, secretFileOption, secretOption, toleranceOption } from '../../cli/options.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../defaults.js';

const declaration = () =>
  new Command('verify')
    .description(
      'check captured requests (listen --save, HAR, or one given by hand): signature, timestamp, schema, reply; says why a signature fails',
    )
    .argument('[files...]', 'capture files (JSONL) or HAR files; - reads stdin')
    .addOption(secretOption('a webhook_secret to verify with; repeat for rotation'))
    .addOption(secretFileOption())
    .option('--unsigned', 'the requests are unsigned: check schemas, event header and replies only')
    .addOption(toleranceOption())
    .option('--now <time>', "judge timestamps against this time (unix seconds or ISO 8601) instead of each capture's received_at")
    .option('--ignore-time', 'do not check timestamp age')
    .option('--body <file>', 'one request given by hand: its raw body (- for stdin)')
    .option('--headers <file>', 'the hand-given request\'s headers, "Name: value" lines as copied from a log')
    .option('--signature <value>', "the hand-given request's X-Webhook-Signature")
    .option('--timestamp <unix>', "the hand-given request's X-Webhook-Timestamp")
    .addOption(new Option('--event <event>', "the hand-given request's X-Webhook-Event (default: the body's message.type)"))
    .addOption(filterOption("check only the requests that match (verdict: is verify's own)"))
    .addOption(jsonOption('one JSON object per request, then a summary object'))
    .addOption(junitOption())
    .option('-q, --quiet', 'print only failed requests and the summary')
    .option('-v, --verbose', 'print every warning in full under its request')
    .option('--allow-empty', 'no requests found is a pass, not an error')
    .addOption(
      new Option('--max-line <bytes>', 'the longest capture line to read; past it, verify stops with the place')
        .argParser(number('whole'))
        .default(DEFAULT_MAX_LINE_BYTES),
    );

export type VerifyOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function verifyCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook verify captures.jsonl                  (the secret from HMS_WEBHOOK_SECRET)
  $ hms-webhook verify session.har --secret-file .webhook-secret --json
  $ hms-webhook verify --body body.json --headers headers.txt --now 2026-11-23T10:00:00Z
Time: each capture is judged at its received_at, so old captures still verify; a hand-given request at the current time.
With GITHUB_ACTIONS=true, failures are also written to stderr as ::error annotations.
Exit: 0 all passed, 1 any failed, 2 input unreadable or malformed, or no requests found (unless --allow-empty).`,
    )
    .action(async (files, options) => {
      const { runVerify } = await import('./run.js');
      await runVerify(files, options, context);
    });
}
