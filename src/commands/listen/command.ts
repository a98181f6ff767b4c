import { Command, Option } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { filterOption, jsonOption, junitOption, number, secretFileOption, secretOption, toleranceOption } from '../../cli/options.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT } from '../../defaults.js';

const declaration = () =>
  new Command('listen')
    .description('run a local receiver that verifies, prints, answers, forwards and records every event')
    .addOption(
      new Option('--port <port>', `port to listen on (0 picks a free one; default: HMS_WEBHOOK_PORT, else ${DEFAULT_PORT})`).argParser(
        number('any'),
      ),
    )
    .option('--host <host>', 'address to bind (another than loopback only when you mean it)', DEFAULT_HOST)
    .option('--path <path>', 'the path that receives webhooks', '/')
    .addOption(secretOption('verify with this secret; repeat for rotation'))
    .addOption(secretFileOption())
    .addOption(toleranceOption())
    .option('--no-enforce', 'answer failed signatures as if valid, but still report them')
    .addOption(new Option('--max-body <bytes>', 'larger bodies get 413').argParser(number('whole')).default(DEFAULT_MAX_BODY_BYTES))
    .option('--reply <file>', 'replies per event: {"assistant-request": {...}, "tool-calls": {"<tool name>": result, "*": result}}')
    .addOption(
      new Option('--delay <ms>', 'wait this long before answering (test the 5 s / 10 s deadlines)').argParser(number('any')).default(0),
    )
    .option('--forward-to <url>', 'relay each request, bytes and headers, to your server and answer with its reply')
    .addOption(
      new Option('--forward-timeout <seconds>', "how long to wait for --forward-to (default: the event's deadline + 5 s)").argParser(
        number('positive'),
      ),
    )
    .option('--save <file>', 'append each request to a capture file (JSONL), before answering')
    .option('--ready-file <file>', 'write the URL to this file once listening (and remove it at exit), for scripts to wait on')
    .addOption(new Option('--count <n>', 'exit after n events').argParser(number('whole')))
    .addOption(new Option('--timeout <seconds>', 'exit when no event came for this long').argParser(number('positive')))
    .addOption(
      new Option('--grace <seconds>', 'on SIGTERM or Ctrl-C, how long requests in flight may take before their connections are cut')
        .argParser(number('any'))
        .default(5),
    )
    .option('--ui', 'also serve a web inspector on 127.0.0.1 (the URL with its token goes to stderr)')
    .addOption(new Option('--ui-port <port>', 'port of the inspector (0 picks a free one)').argParser(number('any')).default(4848))
    .addOption(
      new Option('--ui-keep <n>', "requests the inspector keeps in memory; with --save, the file's last ones are shown at start")
        .argParser(number('whole'))
        .default(1000),
    )
    .option('--open', 'with --ui: open the inspector in a browser, where one exists')
    .addOption(filterOption('print only the requests that match (every one is still answered, saved and counted)'))
    .addOption(jsonOption('JSONL on stdout (the default when stdout is not a terminal)'))
    .addOption(junitOption())
    .option('-v, --verbose', 'headers and full bodies too')
    .option('-q, --quiet', 'one line per event');

export type ListenOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function listenCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook listen --secret-file .webhook-secret
  $ hms-webhook listen --port 0 --save captures.jsonl --count 4 --timeout 60 > events.jsonl
  $ hms-webhook listen --forward-to http://localhost:3000/webhooks
  $ hms-webhook listen --reply replies.json --delay 4500
  $ hms-webhook listen --ui --forward-to http://localhost:3000/webhooks    a web inspector that says why, and re-sends
Stopping: SIGTERM or Ctrl-C stops accepting at once, lets requests in flight finish (answered and saved)
for up to --grace seconds, then exits; a second signal exits at once.
Exit: 0 every event passed, 1 any failed (signature, schema, event header), 2 could not listen, 130 Ctrl-C.
SIGTERM stops it with the same verdict, for CI scripts.`,
    )
    .action(async (options) => {
      const { runListen } = await import('./run.js');
      await runListen(options, context);
    });
}
