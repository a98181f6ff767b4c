import { Argument, Command } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';

export function completionCommand(context: CommandContext) {
  return new Command('completion')
    .description('print a shell completion script (commands, options, event and variant names, files)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish'] as const))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(hms-webhook completion bash)                                     in ~/.bashrc
  $ autoload -Uz compinit && compinit; source <(hms-webhook completion zsh)   in ~/.zshrc
  $ mkdir -p ~/.config/fish/completions && hms-webhook completion fish > ~/.config/fish/completions/hms-webhook.fish`,
    )
    .action(async (shell) => {
      const { runCompletion } = await import('./run.js');
      runCompletion(shell, context);
    });
}
