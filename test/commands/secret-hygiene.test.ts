import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { jsonLines, runCli, startCli, temporaryFolder } from '../helpers.js';

// Secrets as CI and editors hand them over, and signatures the platform never sends.

const SECRET = 'hygiene-secret-0b5d';
const dir = temporaryFolder('hms-hygiene-');
const body = JSON.stringify(loadFixture('status-update/ended').document);

async function listening(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cli = startCli(['listen', '--port', '0', '--json', '--count', '1', ...args], { env });
  const [, url] = (await cli.stderr.until(/Listening on (\S+)/)) as RegExpExecArray & [string, string];
  return { ...cli, url };
}

async function post(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method: 'POST', body, headers });
  await response.arrayBuffer();
  return response.status;
}

describe('secrets as they arrive, signatures as the platform sends them', () => {
  it('HMS_WEBHOOK_SECRET set but empty (an unset CI secret) is refused, not a listener that lets every forgery through', async () => {
    for (const args of [
      ['listen', '--port', '0'],
      ['verify', 'captures.jsonl'],
      ['send', 'status-update', '--to', '127.0.0.1:9'],
    ]) {
      const result = await runCli(args, { env: { HMS_WEBHOOK_SECRET: '' } });
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(
        result.stderr,
        "hms-webhook: HMS_WEBHOOK_SECRET is set but empty (an unset CI secret?): set it to the assistant's webhook_secret, or unset it\n",
      );
    }
  });

  it('a secret file with a byte order mark and spaces is read past them, with a warning each; correct requests pass', async () => {
    const file = join(dir, 'secret.txt');
    writeFileSync(file, `\uFEFF${SECRET}  \n`);
    const cli = await listening(['--secret-file', file]);
    assert.equal(await post(cli.url, sign({ body, secret: SECRET })), 200);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: --secret-file .*secret\.txt starts with a UTF-8 byte order mark: read past it/);
    assert.match(result.stderr, /warning: --secret-file .*secret\.txt line 1 has spaces around it: read without them/);
  });

  it('a bare-hex signature (no sha256=) verifies, with a warning that the platform always sends the prefix', async () => {
    const cli = await listening(['--secret', SECRET]);
    const headers = sign({ body, secret: SECRET });
    assert.equal(await post(cli.url, { ...headers, 'X-Webhook-Signature': headers['X-Webhook-Signature'].replace(/^sha256=/, '') }), 200);
    const [event] = jsonLines((await cli.done).stdout).filter((line) => line.type === 'event');
    assert.match(JSON.stringify(event!.warnings), /X-Webhook-Signature has no \\"sha256=\\" prefix, which the platform always sends/);
  });
});

describe('credentials in a URL are never shown', () => {
  it('send, send call, probe and listen --forward-to print ***, in text and --json alike; the receiver still gets the request', async () => {
    const receiver = await listening(['--secret', SECRET, '--count', '100']);
    const withCredentials = receiver.url.replace('http://', 'http://alice:s3cr3t-pw@');
    const env = { HMS_WEBHOOK_SECRET: SECRET };
    const runs = [
      await runCli(['send', 'status-update', '--to', withCredentials], { env }),
      await runCli(['send', 'status-update', '--to', withCredentials, '--json'], { env }),
      await runCli(['send', 'call', '--to', withCredentials, '--json'], { env }),
      await runCli(['probe', '--to', withCredentials], { env }),
    ];
    for (const run of runs) assert.ok(!`${run.stdout}${run.stderr}`.includes('s3cr3t-pw'), run.stdout + run.stderr);
    // send's line and record, and probe's header, name the receiver: without its password.
    for (const run of [runs[0]!, runs[1]!, runs[3]!]) assert.ok(run.stdout.includes('http://***@127.0.0.1'), run.stdout);
    assert.equal(runs[0]!.code, 0, runs[0]!.stderr);
    const forwarding = await listening(['--secret', SECRET, '--forward-to', withCredentials]);
    assert.equal(await post(forwarding.url, sign({ body, secret: SECRET })), 200);
    const forwarded = await forwarding.done;
    assert.ok(!`${forwarded.stdout}${forwarded.stderr}`.includes('s3cr3t-pw'), forwarded.stdout);
    assert.match(forwarded.stdout, /"url":"http:\/\/\*\*\*@127\.0\.0\.1/);
    receiver.signals.emit('SIGTERM');
    await receiver.done;
  });
});
