import { Argument, Command, Option } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { dialectOption } from '../../cli/options.js';

// The list is repeated from src/init/project.ts on purpose: `--help` must not load the templates' module.
const FRAMEWORK_CHOICES = ['express', 'fastify', 'hono', 'nextjs', 'fastapi', 'flask'] as const;

const declaration = () =>
  new Command('init')
    .description('write a webhook receiver that is right from the first line, for a framework of yours')
    .addArgument(
      new Argument('<framework>', 'express, fastify, hono, nextjs (Node) or fastapi, flask (Python 3.11+)').choices(FRAMEWORK_CHOICES),
    )
    .option('--out <dir>', 'the folder to write (default ./hms-webhook-receiver)')
    .addOption(dialectOption().default('hms' as const))
    .addOption(
      new Option('--lang <lang>', 'TypeScript or JavaScript, for the Node frameworks')
        .choices(['ts', 'js'] as const)
        .default('ts' as const),
    )
    .option('--force', 'overwrite files that are already there')
    .option('--json', 'one JSON object: the folder, the files written and the commands that run and check the receiver');

export type InitOptions = ReturnType<ReturnType<typeof declaration>['opts']>;

export function initCommand(context: CommandContext) {
  return declaration()
    .addHelpText(
      'after',
      `
Frameworks: express, fastify, hono, nextjs (Node 20+, TypeScript or --lang js), fastapi, flask (Python 3.11+).
Each receiver verifies the raw body (length checked before the constant-time compare, sha256= optional),
refuses timestamps 300 s old or ahead, accepts every secret of HMS_WEBHOOK_SECRET (comma-separated),
answers assistant-request and tool-calls in time, queues the rest, and answers a duplicate delivery once.

Examples:
  $ hms-webhook init express
  $ hms-webhook init fastapi --out receiver --dialect flireo
  $ hms-webhook init nextjs --lang js --out web
Exit: 0 written, 2 a file is already there (--force overwrites) or the folder cannot be written.`,
    )
    .action(async (framework, options) => {
      const { runInit } = await import('./run.js');
      runInit(framework, options, context);
    });
}
