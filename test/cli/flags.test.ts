import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { buildProgram } from '../../src/cli/main.js';
import { quietIo, runCli } from '../helpers.js';

// Every flag of every command: accepted (parsed, and the command's action reached) where the
// command declares it, rejected by the parser with one line and exit 2 everywhere else.

/** Each command that runs, with the positional arguments it needs. */
const COMMANDS: { path: string[]; args: string[] }[] = [
  { path: ['demo'], args: [] },
  { path: ['send'], args: ['status-update'] },
  { path: ['send', 'call'], args: [] },
  { path: ['send', 'load'], args: ['status-update'] },
  { path: ['listen'], args: [] },
  { path: ['probe'], args: [] },
  { path: ['verify'], args: ['captures.jsonl'] },
  { path: ['replay'], args: ['captures.jsonl'] },
  { path: ['scenario', 'from'], args: ['captures.jsonl'] },
  { path: ['validate'], args: ['payload.json'] },
  { path: ['schema'], args: ['tool-calls'] },
  { path: ['fixtures', 'list'], args: [] },
  { path: ['init'], args: ['express'] },
  { path: ['completion'], args: ['bash'] },
  { path: ['fixtures', 'show'], args: ['status-update'] },
  { path: ['tools', 'check'], args: [] },
  { path: ['version'], args: [] },
  { path: ['mcp'], args: [] },
];

/** A value each option that takes one can parse (options with choices take their first). */
const SAMPLE: Record<string, string> = {
  '--to': 'localhost:3000',
  '--secret': 'a-secret',
  '--secret-file': 'secret.txt',
  '--data': 'payload.json',
  '--set': 'message.call.status=ended',
  '--unset': 'message.assistant',
  '--timeout': '5',
  '--timestamp': '1763900000',
  '--skew': '-400',
  '--expect-status': '401',
  '--deadline': '1',
  '--repeat': '2',
  '--count': '3',
  '--concurrency': '2',
  '--scenario': 'call.json',
  '--pace': '10',
  '--port': '0',
  '--host': '127.0.0.1',
  '--path': '/hooks',
  '--tolerance': '60',
  '--max-body': '1000',
  '--reply': 'replies.json',
  '--delay': '10',
  '--forward-to': 'http://localhost:3000/',
  '--save': 'captures.jsonl',
  '--event': 'status-update',
  '--now': '1763900000',
  '--body': 'body.json',
  '--headers': 'headers.txt',
  '--signature': 'sha256=00',
  '--max-line': '1000000',
  '--forward-timeout': '2',
  '--grace': '1',
  '--line': '3-5',
  '--call': 'call-1',
  '--last': '2',
  '--ignore': 'results[*].result.at',
  '--out': 'scenario.json',
  '--ui-port': '0',
  '--ui-keep': '5',
  '--junit': 'report.xml',
  '--ready-file': 'listening',
  '--chaos': 'dup,late',
  '--seed': '7',
  '--save-plan': 'plan.json',
  '--check': 'true',
  '--check-url': 'http://localhost:3000/check',
  '--calls': '3',
  '--assistant': 'assistant.json',
  '--route': 'check_stock=:3001/tools',
  '--fuzz': '10',
  '--from-reply': 'http://localhost:3000/hooks',
  '--ramp': '1..2',
  '--ramp-step': '1',
  '--step-seconds': '1',
  '--plot': 'knee.svg',
  '--duration': '10',
  '--request': 'request.json',
  '--filter': 'event:tool-calls',
  '--fixture': 'status-update/ended',
  '--every': '500',
  '--users': '5',
  '--root': '.',
};

function find(program: CommandUnknownOpts, path: string[]): CommandUnknownOpts {
  return path.reduce((command, name) => {
    const next = command.commands.find((sub) => sub.name() === name);
    assert.ok(next, `no command ${path.join(' ')}`);
    return next;
  }, program);
}

const visibleOptions = (command: CommandUnknownOpts) => command.options.filter((option) => !option.hidden && option.long !== undefined);

function allCommands(command: CommandUnknownOpts, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length === 0 ? [path] : [path, ...allCommands(sub, path)];
  });
}

const program = buildProgram(quietIo()) as CommandUnknownOpts;
const everyFlag = [...new Set(COMMANDS.flatMap(({ path }) => visibleOptions(find(program, path)).map((option) => option.long!)))].sort();

describe('flags: accepted where they apply, rejected where they do not', () => {
  it('the table names every command that runs', () => {
    const declared = allCommands(program).map((path) => path.join(' '));
    const runnable = declared.filter((path) => path !== 'fixtures' && path !== 'scenario' && path !== 'tools');
    assert.deepEqual(runnable.sort(), COMMANDS.map(({ path }) => path.join(' ')).sort());
  });

  for (const { path, args } of COMMANDS) {
    it(`${path.join(' ')}: each of its flags parses and reaches the action`, async () => {
      for (const option of visibleOptions(find(program, path))) {
        const fresh = buildProgram(quietIo()) as CommandUnknownOpts;
        let reached: Record<string, unknown> | undefined;
        for (const command of [fresh, ...allCommands(fresh).map((p) => find(fresh, p))]) {
          command.action(function (this: CommandUnknownOpts) {
            reached = this.opts();
          });
        }
        const value = option.required || option.optional ? [option.argChoices?.[0] ?? SAMPLE[option.long!]] : [];
        assert.ok(
          value.every((v) => v !== undefined),
          `a sample value for ${option.long} in the table`,
        );
        await fresh.parseAsync([...path, ...args, option.long!, ...(value as string[])], { from: 'user' });
        assert.ok(reached, `${path.join(' ')} ${option.long} reached the action`);
        assert.ok(option.attributeName() in reached, `${option.long} was read as ${option.attributeName()}`);
      }
    });

    it(`${path.join(' ')}: every other flag is a one-line error, exit 2`, async () => {
      const own = new Set(visibleOptions(find(program, path)).map((option) => option.long));
      for (const flag of everyFlag.filter((candidate) => !own.has(candidate))) {
        const result = await runCli([...path, ...args, flag, SAMPLE[flag] ?? 'x']);
        assert.equal(result.code, 2, `${path.join(' ')} ${flag}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        const hint = path.join(' ') === 'send' && flag === '--count';
        // A renamed flag is still read, and refused with a line that names its new spelling.
        const renamed = find(program, path).options.some((option) => option.long === flag && option.hidden);
        assert.match(
          result.stderr,
          hint
            ? /^hms-webhook: load mode is its own command now: hms-webhook send load status-update --count 3\n$/
            : renamed
              ? new RegExp(`^hms-webhook: ${flag} is --[a-z]+ .* now\n$`)
              : new RegExp(`^hms-webhook: unknown option '${flag}'`),
        );
      }
    });
  }

  it('--no-color is accepted anywhere on the line', async () => {
    for (const args of [
      ['--no-color', 'fixtures'],
      ['fixtures', '--no-color'],
      ['fixtures', 'list', '--json', '--no-color'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  it("the issue's own examples of ignored flags are refused now", async () => {
    const call = await runCli(['send', 'call', '--expect-status', '401', '--skew', '-400', '--deadline', '1']);
    assert.equal(call.code, 2);
    assert.match(call.stderr, /^hms-webhook: unknown option '--expect-status'/);
    const pace = await runCli(['send', 'status-update', '--pace', '100']);
    assert.equal(pace.code, 2);
    assert.match(pace.stderr, /^hms-webhook: unknown option '--pace'/);
  });
});
