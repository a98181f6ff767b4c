import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { type Answer, correctReplies, type Received, startReceiver } from '../receiver.js';

// A tool's own URL comes from a file or a receiver's reply: off this machine it gets no signed
// request unless the user says --allow-remote-tools. "Off this machine" is played by this
// machine's own non-loopback address, so a request that should not go out would arrive here.

const SECRET = 'assistant-secret';
const dir = temporaryFolder('hms-webhook-remote-tools-');

/** An address of this machine that is not loopback by name: to the tool, a host like any other (0.0.0.0 where there is none). */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const entry of list ?? []) if (!entry.internal && entry.family === 'IPv4') return entry.address;
  return '0.0.0.0';
}

const address = outsideAddress();

/** A correct receiver that keeps the saved assistant (answers assistant-request with {}): the call routes by --assistant. */
const keepsSavedAssistant = (request: Received): Answer =>
  request.headers['x-webhook-event'] === 'assistant-request' ? { body: '{}' } : correctReplies(request);

function assistantFile(name: string, remoteUrl: string, localUrl: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      llm_config: {
        tools: [
          { name: 'check_stock', description: 'Whether a product is in stock', url: remoteUrl },
          { name: 'book_appointment', description: 'Book a fitting', url: localUrl },
        ],
      },
    }),
  );
  return path;
}

describe('a tool URL off this machine', () => {
  let remote: Awaited<ReturnType<typeof startReceiver>>;
  let local: Awaited<ReturnType<typeof startReceiver>>;
  let remoteUrl: string;
  const env = { HMS_WEBHOOK_SECRET: SECRET };

  before(async () => {
    remote = await startReceiver(SECRET, correctReplies, '0.0.0.0');
    local = await startReceiver(SECRET, keepsSavedAssistant);
    remoteUrl = `http://stock:hunter2@${address}:${remote.port}/hooks`;
  });
  after(async () => {
    await remote.close();
    await local.close();
  });

  it('tools check lists it and does not call it; the local one is called', async () => {
    const before = remote.received.length;
    const run = await runCli(['tools', 'check', '--assistant', assistantFile('a.json', remoteUrl, local.url), '--to', local.url], { env });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(remote.received.length, before);
    assert.match(
      run.stdout,
      new RegExp(`check_stock.*not called[^]*not sent: check_stock's own URL is on ${address}:${remote.port}, off this machine`),
    );
    assert.match(run.stdout, /1 passed, 0 failed, 1 not called \(off this machine\)/);
    assert.doesNotMatch(run.stdout + run.stderr, /hunter2/);
  });

  it('tools check --json and --junit say why it was skipped', async () => {
    const junit = join(dir, 'tools.xml');
    const run = await runCli(
      ['tools', 'check', '--assistant', assistantFile('b.json', remoteUrl, local.url), '--to', local.url, '--json', '--junit', junit],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    const [stock] = jsonLines(run.stdout).filter((line) => line.tool === 'check_stock');
    assert.equal(stock?.status, null);
    assert.match(String(stock?.skipped), /off this machine/);
    assert.equal(jsonLines(run.stdout).at(-1)?.skipped, 1);
  });

  it('--allow-remote-tools calls it, and says what signs it', async () => {
    const before = remote.received.length;
    const run = await runCli(
      ['tools', 'check', '--assistant', assistantFile('c.json', remoteUrl, local.url), '--to', local.url, '--allow-remote-tools'],
      { env },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(remote.received.length, before + 1);
    assert.equal(remote.received.at(-1)?.signatureValid, true);
    assert.match(
      run.stderr,
      new RegExp(`calling check_stock at ${address}:${remote.port}, off this machine \\(--allow-remote-tools\\), signed with your secret`),
    );
    assert.doesNotMatch(run.stdout + run.stderr, /hunter2/);
  });

  it('send tool-calls whose every call would go off this machine sends nothing: exit 2, one line', async () => {
    const before = remote.received.length;
    const localBefore = local.received.length;
    const run = await runCli(
      [
        'send',
        'tool-calls',
        '--assistant',
        assistantFile('d.json', remoteUrl, remoteUrl),
        '--set',
        'message.tool_call_list[0].function.name=check_stock',
        '--to',
        local.url,
      ],
      { env },
    );
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(remote.received.length, before);
    assert.equal(local.received.length, localBefore);
    assert.match(run.stderr, /not sent: check_stock's own URL is on .*--allow-remote-tools to call it\n$/);
  });

  it('send call plays the call without it, and the JSON says which tool was not sent and why', async () => {
    const before = remote.received.length;
    const scenario = join(dir, 'scenario.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        description: 'one remote tool, one local',
        phone_number: { number: '+31850835037' },
        customer: { number: '+31612345678' },
        turns: [
          { role: 'user', content: 'Maat 42?' },
          { tools: [{ name: 'check_stock', arguments: {} }] },
          { tools: [{ name: 'book_appointment', arguments: {} }] },
        ],
        summary: 'stock checked',
      }),
    );
    const run = await runCli(
      ['send', 'call', '--scenario', scenario, '--assistant', assistantFile('e.json', remoteUrl, local.url), '--to', local.url, '--json'],
      { env },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(remote.received.length, before);
    const notSent = jsonLines(run.stdout).filter((line) => line.type === 'not-sent');
    assert.deepEqual(
      notSent.map((line) => [line.label, /off this machine/.test(String(line.reason))]),
      [['check_stock', true]],
    );
    const tools = jsonLines(run.stdout).filter((line) => line.type === 'step' && line.event === 'tool-calls');
    assert.deepEqual(
      tools.map((line) => line.label),
      ['book_appointment'],
    );
  });

  it('send --fuzz fuzzes no tool off this machine', async () => {
    const before = remote.received.length;
    const run = await runCli(
      ['send', 'tool-calls', '--fuzz', '5', '--assistant', assistantFile('f.json', remoteUrl, remoteUrl), '--to', local.url],
      { env },
    );
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(remote.received.length, before);
    assert.match(run.stderr, /off this machine/);
  });
});
