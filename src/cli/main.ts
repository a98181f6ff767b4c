import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { completionCommand } from '../commands/completion/command.js';
import { demoCommand } from '../commands/demo/command.js';
import { fixturesCommand } from '../commands/fixtures/command.js';
import { initCommand } from '../commands/init/command.js';
import { listenCommand } from '../commands/listen/command.js';
import { mcpCommand } from '../commands/mcp/command.js';
import { probeCommand } from '../commands/probe/command.js';
import { replayCommand } from '../commands/replay/command.js';
import { scenarioCommand } from '../commands/scenario/command.js';
import { schemaCommand } from '../commands/schema/command.js';
import { sendCommand } from '../commands/send/command.js';
import { toolsCommand } from '../commands/tools/command.js';
import { validateCommand } from '../commands/validate/command.js';
import { verifyCommand } from '../commands/verify/command.js';
import { EXIT, HmsWebhookError } from '../errors.js';
import type { CommandContext } from './command-context.js';
import { type Io, processIo, STDOUT_CLOSED_LINE } from './io.js';

// Each command's declaration is light; its run module is imported inside the action, so that
// `--help` loads neither zod, undici nor ora.

export function buildProgram(io: Io, color = true) {
  const program = new Command('hms-webhook')
    .description('Develop, debug and test receivers of HMS Sovereign, VoiceDock and Flireo webhooks.')
    // The version is read only when asked for, so that a start does not look for package.json.
    .option('-V, --version', 'output the version number')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    // Each command reads only the options that come after its name, so that `send` and `send call`
    // can each have their own --to; --no-color, the one global option, is taken out before parsing.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  $ hms-webhook demo                           a whole call against the built-in listener, then verify
  $ export HMS_WEBHOOK_SECRET=…                the secret every command signs and verifies with
  $ hms-webhook send call --to localhost:3000/webhooks   play a whole call against your receiver
  $ hms-webhook probe --to localhost:3000/webhooks       check that it refuses forgeries
  $ hms-webhook tools check --assistant assistant.json   lint an assistant's tools and call each at its route
  $ hms-webhook send status-update --to localhost:3000/webhooks   sign and POST an event to your receiver
  $ hms-webhook validate payload.json          check a payload against the platform's schemas
  $ hms-webhook verify captures.jsonl          check saved requests, and say why a signature fails
  $ hms-webhook replay captures.jsonl --to :3000/webhooks --compare   send them again, re-signed, and compare the replies
  $ hms-webhook init express                   a receiver of your own, right from the first line
  $ hms-webhook fixtures                       list the built-in payloads and replies
  $ hms-webhook schema tool-calls --reply      JSON Schema of a tool-calls reply

Secrets: set HMS_WEBHOOK_SECRET or give --secret-file FILE; a --secret value is visible to other local users in ps.
Exit codes: 0 all good, 1 a check failed, 2 could not run, 130 interrupted, 143 stopped by SIGTERM.`,
    );
  program.on('option:version', () => {
    throw new CommanderError(EXIT.ok, VERSION_ASKED, '');
  });
  const context: CommandContext = { io, color: () => color };
  // `hms-webhook version` as people type it, the same as --version.
  program.addCommand(
    new Command('version').description('print the version').action(() => {
      throw new CommanderError(EXIT.ok, VERSION_ASKED, '');
    }),
  );
  for (const declare of [
    demoCommand,
    sendCommand,
    listenCommand,
    probeCommand,
    toolsCommand,
    verifyCommand,
    replayCommand,
    scenarioCommand,
    validateCommand,
    schemaCommand,
    fixturesCommand,
    initCommand,
    completionCommand,
    mcpCommand,
  ]) {
    program.addCommand(declare(context));
  }
  configureAll(program, io);
  return program;
}

/** Settings that `addCommand` does not pass on to subcommands: where output goes, and no process.exit. */
function configureAll(command: CommandUnknownOpts, io: Io): void {
  command
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line, the suggestion included, like every other error.
      outputError: (text, write) =>
        write(
          `hms-webhook: ${text
            .replace(/^error: /, '')
            .trimEnd()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    });
  for (const sub of command.commands) configureAll(sub, io);
}

/** Old spellings that still work: `send call/NAME` is `send call NAME`. */
function upgradeArguments(args: readonly string[]): string[] {
  if (args[0] === 'send' && args[1]?.startsWith('call/')) return ['send', 'call', args[1].slice('call/'.length), ...args.slice(2)];
  return [...args];
}

const NO_COLOR_FLAG = '--no-color';
const VERSION_ASKED = 'hms-webhook.version';

/** Runs the CLI on the user's arguments; the one place that turns outcomes into exit codes. */
export async function main(args: readonly string[], io: Io = processIo()): Promise<number> {
  const code = await run(args, io);
  // A reader that went away did not see every result: never a pass.
  if (io.stdout.closed !== true || code !== EXIT.ok) return code;
  io.stderr.write(STDOUT_CLOSED_LINE);
  return EXIT.cannotRun;
}

async function run(args: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io, !args.includes(NO_COLOR_FLAG));
  let ran: CommandUnknownOpts | undefined;
  program.hook('preAction', (_program, action) => {
    ran = action as CommandUnknownOpts;
  });
  try {
    await program.parseAsync(upgradeArguments(args.filter((arg) => arg !== NO_COLOR_FLAG)), { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError && error.code === VERSION_ASKED) {
      io.stdout.write(`${await packageVersion()}\n`);
      return EXIT.ok;
    }
    const code = await exitCodeOf(error, io);
    if (code === EXIT.cannotRun && ran !== undefined) await reportWhyNotRun(ran, error, io);
    return code;
  }
}

/** --junit and the job summary of a command that could not run say why, instead of being missing. */
async function reportWhyNotRun(command: CommandUnknownOpts, error: unknown, io: Io): Promise<void> {
  if (!command.options.some((option) => option.long === '--junit')) return;
  const junit = (command.opts() as { junit?: string }).junit;
  if (junit === undefined && (io.env.GITHUB_STEP_SUMMARY ?? '') === '') return;
  const path: string[] = [];
  for (let at: CommandUnknownOpts | null = command; at?.parent; at = at.parent) path.unshift(at.name());
  const { reportCannotRun } = await import('../output/test-report.js');
  const reason = error instanceof Error && error.message !== '' ? error.message : 'could not run';
  try {
    reportCannotRun(`hms-webhook ${path.join(' ')}`, junit, io.env, io.clock.now(), reason);
  } catch {
    // The report itself cannot be written (its path was the reason, or the disk): stderr said why already.
  }
}

async function exitCodeOf(error: unknown, io: Io): Promise<number> {
  if (error instanceof CommanderError) {
    // Commander has printed its message already; help and --version exit 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.cannotRun;
  }
  // Loaded only on the way out with an error of ours, so that --help and a run that succeeds never load it.
  const { printable } = await import('../output/printable.js');
  if (error instanceof HmsWebhookError) {
    if (error.message) io.stderr.write(`hms-webhook: ${printable(error.message)}\n`);
    return error.exitCode;
  }
  // A fault of ours: one line, and the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  if (io.env.HMS_WEBHOOK_DEBUG) io.stderr.write(`hms-webhook: internal error: ${(error as Error)?.stack ?? message}\n`);
  else io.stderr.write(`hms-webhook: internal error: ${printable(message)} (run with HMS_WEBHOOK_DEBUG=1 for the stack)\n`);
  return EXIT.cannotRun;
}

async function packageVersion(): Promise<string> {
  return (await import('../package-root.js')).packageVersion();
}
