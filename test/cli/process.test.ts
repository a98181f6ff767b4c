import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, spawnCli } from '../helpers.js';

// The built bundle run as a user runs it: a process of its own, with real stdio and exit codes.
describe('the installed CLI, as a process', () => {
  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await spawnCli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('--help lists the commands; a wrong flag is one line on stderr and exit 2', async () => {
    const help = await spawnCli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['demo', 'send', 'listen', 'probe', 'verify', 'validate', 'schema', 'fixtures']) {
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    }
    const wrong = await spawnCli(['send', 'call', '--tamper']);
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stdout, '');
    assert.equal(wrong.stderr, "hms-webhook: unknown option '--tamper'\n");
  });

  it('a lazily loaded command runs from its chunk: validate from stdin', async () => {
    const result = await spawnCli(['validate', '--reply', 'tool-calls', '-'], { stdin: '{"results":"x"}' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /results/);
  });
});
