import type { CommandUnknownOpts } from '@commander-js/extra-typings';

/** What a shell needs to know of one command: its subcommands, options and positional values. */
export interface CompletionSpec {
  /** `send call`: the words after the program's name. */
  path: string[];
  subcommands: string[];
  options: { names: string[]; takesValue: boolean; choices: string[]; files: boolean }[];
  /** Values the positional argument takes, or files. */
  values: string[];
  files: boolean;
}

/** Arguments whose values are payload names (`send tool-calls/several-tools`). */
const PAYLOAD_ARGUMENTS = new Set(['event', 'name']);
const FILE_ARGUMENTS = new Set(['files', 'file', 'source']);

/** Reads the declarations, so that a completion script cannot drift from the commands. */
export function completionSpecs(program: CommandUnknownOpts, payloadNames: readonly string[]): CompletionSpec[] {
  const specs: CompletionSpec[] = [];
  const walk = (command: CommandUnknownOpts, path: string[]) => {
    const argument = command.registeredArguments[0];
    specs.push({
      path,
      subcommands: command.commands.map((sub) => sub.name()),
      options: [
        ...command.options
          .filter((option) => !option.hidden)
          .map((option) => ({
            names: [option.long, option.short].filter((name): name is string => name !== undefined),
            takesValue: option.required || option.optional,
            choices: option.argChoices ?? [],
            files: /<(file|dir)>/.test(option.flags),
          })),
        // Commander adds --help to every command without listing it among the options.
        { names: ['--help', '-h'], takesValue: false, choices: [], files: false },
      ],
      values: argument?.argChoices ?? (argument !== undefined && PAYLOAD_ARGUMENTS.has(argument.name()) ? [...payloadNames] : []),
      files: argument !== undefined && FILE_ARGUMENTS.has(argument.name()),
    });
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return specs;
}

const words = (list: readonly string[]) => list.join(' ');

/** A bash completion function: the command path from the words typed, then options, values or files. */
export function bashCompletion(specs: readonly CompletionSpec[]): string {
  const cases = specs
    .map((spec) => {
      const valueCases = spec.options
        .filter((option) => option.takesValue)
        .map((option) => {
          const action =
            option.choices.length > 0
              ? `COMPREPLY=($(compgen -W "${words(option.choices)}" -- "$cur"))`
              : option.files
                ? 'COMPREPLY=($(compgen -f -- "$cur"))'
                : 'COMPREPLY=()';
          return `        ${option.names.join('|')}) ${action}; return ;;`;
        })
        .join('\n');
      const positional = spec.files ? ' $(compgen -f -- "$cur")' : '';
      return [
        `    "${words(spec.path)}")`,
        '      case "$prev" in',
        valueCases,
        '      esac',
        `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words(spec.options.flatMap((o) => o.names))}" -- "$cur"));`,
        `      else COMPREPLY=($(compgen -W "${words([...spec.subcommands, ...spec.values])}" -- "$cur")${positional}); fi ;;`,
      ]
        .filter((line) => line !== '')
        .join('\n');
    })
    .join('\n');
  const commands = specs.filter((spec) => spec.subcommands.length > 0);
  return `# hms-webhook completion for bash: add to ~/.bashrc:  source <(hms-webhook completion bash)
_hms_webhook() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" i word
  # The command path: the words that name subcommands, in order, before the word being completed.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$path" in
${commands.map((spec) => `      "${words(spec.path)}") case "$word" in ${spec.subcommands.join('|')}) path="\${path:+$path }$word" ;; esac ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
}
complete -o default -F _hms_webhook hms-webhook
`;
}

/** zsh runs the bash function through bashcompinit: one definition for both shells. */
export function zshCompletion(specs: readonly CompletionSpec[]): string {
  return `#compdef hms-webhook
# hms-webhook completion for zsh: add to ~/.zshrc:  source <(hms-webhook completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(specs).split('\n').slice(1).join('\n')}`;
}

/** fish: one `complete` line per subcommand, option and value, each under its command's condition. */
export function fishCompletion(specs: readonly CompletionSpec[]): string {
  const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const lines = [
    '# hms-webhook completion for fish:  hms-webhook completion fish > ~/.config/fish/completions/hms-webhook.fish',
    'complete -c hms-webhook -f',
  ];
  for (const spec of specs) {
    // In a command, not yet in one of its subcommands (`send` but not `send call`).
    const notDeeper = spec.subcommands.length > 0 ? `; and not __fish_seen_subcommand_from ${words(spec.subcommands)}` : '';
    const condition =
      spec.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${spec.path.at(-1)}${spec.path.length > 1 ? `; and __fish_seen_subcommand_from ${spec.path[0]}` : ''}${notDeeper}`;
    for (const sub of spec.subcommands) lines.push(`complete -c hms-webhook -n ${quote(condition)} -a ${quote(sub)}`);
    if (spec.values.length > 0) lines.push(`complete -c hms-webhook -n ${quote(condition)} -a ${quote(words(spec.values))}`);
    if (spec.files) lines.push(`complete -c hms-webhook -n ${quote(condition)} -F`);
    for (const option of spec.options) {
      const long = option.names.find((name) => name.startsWith('--'))?.slice(2);
      const short = option.names.find((name) => !name.startsWith('--'))?.slice(1);
      const value = option.takesValue
        ? option.choices.length > 0
          ? ` -x -a ${quote(words(option.choices))}`
          : option.files
            ? ' -r -F'
            : ' -x'
        : '';
      lines.push(`complete -c hms-webhook -n ${quote(condition)}${long ? ` -l ${long}` : ''}${short ? ` -s ${short}` : ''}${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
