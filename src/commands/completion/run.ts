import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CommandContext } from '../../cli/command-context.js';
import { bashCompletion, completionSpecs, fishCompletion, zshCompletion } from '../../cli/completion.js';
import { buildProgram } from '../../cli/main.js';
import { listFixtures } from '../../platform/fixtures.js';

/** `completion <shell>`: the script, made from the same declarations the parser uses. */
export function runCompletion(shell: 'bash' | 'zsh' | 'fish', context: CommandContext): void {
  const payloads = listFixtures('payload');
  const names = [...new Set(payloads.flatMap((entry) => [entry.event, `${entry.event}/${entry.variant}`]))];
  const specs = completionSpecs(buildProgram(context.io) as CommandUnknownOpts, names);
  const script = shell === 'bash' ? bashCompletion(specs) : shell === 'zsh' ? zshCompletion(specs) : fishCompletion(specs);
  context.io.stdout.write(script);
}
