import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { buildProgram } from '../../src/cli/main.js';
import { commandPaths, documentBlocks } from '../examples/examples.js';
import { quietIo, ROOT, runCli } from '../helpers.js';

// Every `hms-webhook …` example, in README.md, docs/ and every --help, goes through the parser and
// reaches a command, so that the copies cannot drift from the declarations.

/** The words of one shell command line: quotes removed, cut at a comment, a pipe, a redirection or a description. */
function commandWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
      continue;
    }
    // A comment, a pipe, a redirection, a background job, or two spaces before a description end the command.
    if (ch === '#' && !inWord) break;
    if ('|<>&;'.includes(ch) || (ch === ' ' && line[i + 1] === ' ')) break;
    if (ch === ' ') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += ch;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/** The arguments of each `hms-webhook` command in a text: `$ hms-webhook …`, `npx hms-webhook …`, `… | hms-webhook …`. */
function examplesIn(lines: readonly string[]): string[][] {
  const found: string[][] = [];
  for (const line of lines) {
    const at = line.search(/(^|[$|] *|npx )hms-webhook /);
    if (at < 0) continue;
    const start = line.indexOf('hms-webhook ', at);
    found.push(commandWords(line.slice(start + 'hms-webhook '.length)));
  }
  return found;
}

/** The `hms-webhook` command lines of README.md's and docs/'s shell blocks. */
function documentedExamples(): string[][] {
  return examplesIn(documentBlocks(ROOT).flatMap((block) => block.examples.flatMap((example) => example.text.split('\n'))));
}

function allCommands(command: CommandUnknownOpts): CommandUnknownOpts[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

/** Parses the words with every action replaced by a recorder; returns the command it reached. */
async function parse(words: readonly string[]): Promise<string> {
  const program = buildProgram(quietIo()) as CommandUnknownOpts;
  let reached = '';
  for (const command of allCommands(program)) {
    command.action(function (this: CommandUnknownOpts) {
      reached = this.name();
    });
  }
  await program.parseAsync(
    words.filter((word) => word !== '--no-color'),
    { from: 'user' },
  );
  return reached;
}

describe('examples: every one parses and reaches a command', () => {
  it('the words of a shell line; a stale example fails', async () => {
    await assert.rejects(parse(['send', 'call', '--skew', '-400']), /unknown option '--skew'/);
    assert.deepEqual(commandWords(`send --to :3000 --set 'a=b c' "x y"   # comment`), ['send', '--to', ':3000', '--set', 'a=b c', 'x y']);
    assert.deepEqual(commandWords('listen --save c.jsonl > events.jsonl &'), ['listen', '--save', 'c.jsonl']);
    assert.deepEqual(commandWords('demo                 a whole call'), ['demo']);
  });

  it('README.md and docs/', async () => {
    const examples = documentedExamples();
    assert.ok(examples.length >= 30, `found ${examples.length} examples`);
    for (const words of examples) {
      assert.notEqual(await parse(words), '', `hms-webhook ${words.join(' ')}`);
      assert.ok(
        !words.includes('--secret'),
        `hms-webhook ${words.join(' ')}: examples take the secret from HMS_WEBHOOK_SECRET or --secret-file`,
      );
    }
  });

  it('every --help', async () => {
    const program = buildProgram(quietIo()) as CommandUnknownOpts;
    const paths = commandPaths(program);
    let count = 0;
    for (const path of paths) {
      const help = await runCli([...path, '--help']);
      assert.equal(help.code, 0, help.stderr);
      for (const words of examplesIn(help.stdout.split('\n').filter((line) => line.trimStart().startsWith('$ hms-webhook ')))) {
        count++;
        assert.notEqual(await parse(words), '', `${path.join(' ')} --help: hms-webhook ${words.join(' ')}`);
        assert.ok(
          !words.includes('--secret'),
          `${path.join(' ')} --help: hms-webhook ${words.join(' ')} shows a secret on the command line`,
        );
      }
    }
    assert.ok(count >= 25, `found ${count} examples in the help`);
  });
});
