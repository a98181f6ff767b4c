import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Listener } from '../../src/receiving/listener.js';
import { jsonLines, runCli } from '../helpers.js';
import { startBuiltInListener } from '../receiver.js';

// `send call --check CMD`: the command's whole process group is its own, so nothing it starts can
// hang the call, and how it ended is named as it happened.

const SECRET = 'check-secret-5e90';

describe('send call --check: a command that will not end, or ends strangely', () => {
  let listener: Listener;
  before(async () => {
    listener = await startBuiltInListener(SECRET);
  });
  after(async () => listener.close());

  // --timeout is also how long each reply may take: 5 s keeps a busy machine's local replies well inside it.
  const call = (check: string) =>
    runCli(['send', 'call', '--to', listener.url, '--check', check, '--timeout', '5', '--json'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
  const failureOf = (stdout: string) =>
    jsonLines(stdout)
      .filter((line) => line.type === 'step' && line.ok === false)
      .flatMap((line) => line.checks as { name: string; message: string }[])
      .find((check) => check.name === 'check')?.message;

  it('a command that never ends is cut at --timeout, its process group with it', async () => {
    const result = await call('sleep 900; true');
    assert.equal(result.code, 1);
    assert.match(failureOf(result.stdout) ?? '', /^--check did not finish within 5 s/);
  });

  it('a command that exits 0 and leaves a child holding its output passes, and does not hang the call', async () => {
    const result = await call('sleep 900 & exit 0');
    assert.equal(result.code, 0, result.stdout);
  });

  it('a command killed by a signal is named so, not called a timeout', async () => {
    const result = await call('kill -9 $$');
    assert.equal(result.code, 1);
    assert.match(failureOf(result.stdout) ?? '', /^--check was ended by SIGKILL/);
  });
});
