import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jsonLines, runCli, startCli, temporaryFolder } from '../helpers.js';
import { correctReplies, recordCalls } from '../receiver.js';

// verify and listen choose requests with the grammar replay and the inspector use (captures/filter.ts).

const SECRET = 'filter-secret-60c1';
const dir = temporaryFolder('hms-filter-');
const env = { HMS_WEBHOOK_SECRET: SECRET };

describe('--filter: verify and listen choose requests as replay and the inspector do', () => {
  it('verify --filter checks and counts only the requests that match; none matching is one line, exit 2', async () => {
    const file = join(dir, 'calls.jsonl');
    await recordCalls(file, SECRET, correctReplies, [[]]);
    const all = jsonLines((await runCli(['verify', file, '--json'], { env })).stdout).filter((line) => line.type === 'request');
    assert.equal(all.length, 6);
    const tools = await runCli(['verify', file, '--filter', 'event:tool-calls', '--json'], { env });
    assert.equal(tools.code, 0, tools.stderr);
    const lines = jsonLines(tools.stdout);
    assert.deepEqual(
      lines.filter((line) => line.type === 'request').map((line) => line.event),
      all.filter((line) => line.event === 'tool-calls').map((line) => line.event),
    );
    assert.deepEqual(lines.at(-1), { type: 'summary', passed: 2, failed: 0 });
    const byTool = jsonLines((await runCli(['verify', file, '--filter', 'tool:book_appointment', '--json'], { env })).stdout);
    assert.equal(byTool.filter((line) => line.type === 'request').length, 1);
    const none = await runCli(['verify', file, '--filter', 'verdict:failed'], { env });
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      `hms-webhook: no requests in ${file} match --filter "verdict:failed": nothing was checked (--allow-empty accepts it)\n`,
    );
  });

  it('listen --filter prints only the matching requests; every one is still answered, saved and counted', async () => {
    const captures = join(dir, 'listen.jsonl');
    const cli = startCli(['listen', '--port', '0', '--save', captures, '--count', '6', '--filter', 'event:status-update', '--json'], {
      env,
    });
    const [, url] = (await cli.stderr.until(/Listening on (\S+)/)) as RegExpExecArray & [string, string];
    assert.equal((await runCli(['send', 'call', '--to', url], { env })).code, 0);
    const done = await cli.done;
    assert.equal(done.code, 0, done.stderr);
    const events = jsonLines(done.stdout).filter((line) => line.type === 'event');
    assert.deepEqual(
      events.map((line) => line.event),
      ['status-update', 'status-update'],
    );
    assert.deepEqual(jsonLines(done.stdout).at(-1), { type: 'summary', stopped_by: 'count', passed: 6, failed: 0 });
    const saved = jsonLines((await runCli(['verify', captures, '--json'], { env })).stdout).filter((line) => line.type === 'request');
    assert.equal(saved.length, 6);
  });

  it("probe's payload is --fixture; --event, its old spelling, is one line naming it", async () => {
    const refused = await runCli(['probe', '--event', 'tool-calls', '--to', '127.0.0.1:9'], { env });
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr, 'hms-webhook: --event is --fixture tool-calls now\n');
  });
});
