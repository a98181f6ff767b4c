import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli, temporaryFolder } from '../helpers.js';
import { correctReplies, recordCalls } from '../receiver.js';

// Files the user names are written as promised: checked before the work, never through a link, never
// over a file that is there without --force, readable by their owner only.

const SECRET = 'output-secret-7a21';
const dir = temporaryFolder('hms-output-');

describe('files a command writes', () => {
  it('scenario from --out: its folder is created, an existing file is kept unless --force, a link is not followed', async () => {
    const captures = join(dir, 'calls.jsonl');
    await recordCalls(captures, SECRET, correctReplies, [[]]);
    const out = join(dir, 'calls', 'booking.json');
    const first = await runCli(['scenario', 'from', captures, '--redact', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    writeFileSync(out, 'mine');
    const again = await runCli(['scenario', 'from', captures, '--out', out]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, `hms-webhook: ${out} is already there: choose another --out, or --force to overwrite\n`);
    assert.equal(readFileSync(out, 'utf8'), 'mine', 'nothing lost');
    assert.equal((await runCli(['scenario', 'from', captures, '--out', out, '--force'])).code, 0);
    assert.notEqual(readFileSync(out, 'utf8'), 'mine');
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, 'theirs', { mode: 0o644 });
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const linked = await runCli(['scenario', 'from', captures, '--out', link, '--force']);
    assert.equal(linked.code, 2);
    assert.equal(
      linked.stderr,
      `hms-webhook: cannot write --out ${link}: it is a symbolic link, which is not followed; give the file itself\n`,
    );
    assert.equal(readFileSync(target, 'utf8'), 'theirs');
    assert.equal(statSync(target).mode & 0o777, 0o644);
  });

  it('listen --junit into a folder that is not there is refused at start, before a request is taken', async () => {
    const junit = join(dir, 'missing', 'report.xml');
    const result = await runCli(['listen', '--port', '0', '--junit', junit]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `hms-webhook: cannot write --junit ${junit}: the folder ${join(dir, 'missing')} does not exist\n`);
    // A report in a folder that is there is written at the end as before.
    const report = join(dir, 'report.xml');
    const cli = startCli(['listen', '--port', '0', '--junit', report, '--timeout', '0.2'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
    await cli.done;
    assert.ok(existsSync(report));
  });
});
