import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import {
  assistantOption,
  dialectOption,
  jsonOption,
  junitOption,
  routeOption,
  allowRemoteToolsOption,
  secretFileOption,
  secretOption,
  targetOption,
} from '../../cli/options.js';
import { DEFAULT_PORT } from '../../defaults.js';

const checkDeclaration = () =>
  new Command('check')
    .description("lint each tool of an assistant, then call each once at its route and check the reply's shape, ids and latency")
    .addOption(assistantOption())
    .option('--from-reply <url>', 'the assistant your receiver returns: send it an assistant-request and read the reply')
    .addOption(
      targetOption(
        `where tools without a url of their own are sent (default: the --from-reply URL, else http://localhost:${DEFAULT_PORT}/)`,
      ),
    )
    .addOption(routeOption())
    .addOption(allowRemoteToolsOption())
    .addOption(secretOption("the assistant's webhook_secret (a tool with its own secret is signed with that)"))
    .addOption(secretFileOption())
    .addOption(dialectOption())
    .addOption(jsonOption('one JSON object per tool, then a summary object'))
    .addOption(junitOption());

export type ToolsCheckOptions = ReturnType<ReturnType<typeof checkDeclaration>['opts']>;

export function toolsCommand(context: CommandContext) {
  return new Command('tools').description('check the tools of an assistant: their definitions, routes and replies').addCommand(
    checkDeclaration()
      .addHelpText(
        'after',
        `
Lints each tool (name: letters, digits, _ and -, at most 64, starting with a letter or _; a description;
parameters an object schema; an async tool has a message), then sends each one tool call with valid
arguments built from its parameters to its route: --route, its own url (or server.url), else --to.

Examples:
  $ hms-webhook fixtures show assistant-request/with-tools --reply > assistant.json
  $ hms-webhook tools check --assistant assistant.json --to localhost:3000/webhooks --route book_appointment=localhost:8484
With --from-reply URL instead of --assistant, the assistant is the one your receiver answers an assistant-request with.
Exit: 0 every tool passed, 1 a definition or a reply failed, 2 could not run.`,
      )
      .action(async (options) => {
        const { runToolsCheck } = await import('./run.js');
        await runToolsCheck(options, context);
      }),
  );
}
