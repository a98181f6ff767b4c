import { Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';

const declaration = () =>
  new Command('mcp')
    .description('serve the tool to a coding agent over the Model Context Protocol (stdio): send events, play calls, probe, verify')
    .option(
      '--secret-file <file>',
      'read the webhook secrets from a file, one per line (else HMS_WEBHOOK_SECRET); a tool call never gives one',
    )
    .option('--root <dir>', 'the folder whose files the tools may read (default: the current folder)')
    .option('--allow-remote', 'let tools send to hosts off this machine (else only localhost and 127.0.0.0/8 are targets)');

export type McpOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function mcpCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
An agent starts it and speaks to it on stdin and stdout; diagnostics go to stderr.
Tools: list_fixtures, send_event, play_call, probe, check_tools, fuzz_tools, validate, verify_captures, replay,
explain_signature, start_listener, read_listener, stop_listener.
Resources: hms-webhook://reference, hms-webhook://fixtures/{payload|reply}/{event}/{variant},
hms-webhook://schemas/{hms|flireo}/{event}/{payload|reply}, hms-webhook://listener/events.

Examples:
  $ claude mcp add hms-webhook -- npx hms-webhook mcp
  $ hms-webhook mcp --secret-file .webhook-secret --root .
Exit: 0 when the agent closes the connection, 2 could not start.`,
    )
    .action(async (options) => {
      const { runMcp } = await import('./run.js');
      await runMcp(options, context);
    });
}
