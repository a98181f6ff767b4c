import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { jsonLines, ROOT, runCli, temporaryFolder } from './helpers.js';
import { type Answer, correctReplies, type Received, startBuiltInListener, startReceiver } from './receiver.js';

// The engine through the package's own name, as a user's test suite imports it: no CLI in between.
const library = await import('hms-webhook');
const SECRET = 'engine-secret-7f3a';
const dir = temporaryFolder('hms-engine-');

/** Answers tool calls with a result for an id the request never had: a wrong reply every face must fail. */
const wrongToolIds = (request: Received): Answer => {
  const message = (JSON.parse(request.body.toString('utf8')) as { message: { type: string } }).message;
  if (message.type === 'tool-calls') return { body: JSON.stringify({ results: [{ tool_call_id: 'tool_not_asked', result: 'ok' }] }) };
  return correctReplies(request);
};

/** Checks the signature, then answers a duplicate delivery (the same body again, re-signed or not) with 409. */
function conflictOnDuplicate() {
  const seen = new Set<string>();
  return (request: Received): Answer => {
    if (request.signatureValid !== true) return { status: 401 };
    const body = request.body.toString('utf8');
    if (seen.has(body)) return { status: 409, body: '{"error":"already received"}' };
    seen.add(body);
    try {
      JSON.parse(body);
    } catch {
      return { status: 400 };
    }
    return correctReplies(request);
  };
}

describe('the engine: each use case a function, with the verdicts the commands give', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => Promise.all(closers.map((close) => close())));
  const receiver = async (respond: (request: Received) => Answer) => {
    const started = await startReceiver(SECRET, respond);
    closers.push(started.close);
    return started;
  };

  it('sendEvent judges a reply as send does', async () => {
    const server = await receiver(wrongToolIds);
    const sent = await library.sendEvent({
      url: new URL(server.url),
      fixture: 'tool-calls',
      secret: [SECRET],
      set: [],
      unset: [],
      timeoutMs: 5000,
    });
    const cli = await runCli(['send', 'tool-calls', '--to', server.url, '--json'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
    assert.equal(cli.code, 1);
    const [record] = jsonLines(cli.stdout);
    assert.equal(sent.failed, 1);
    const failedChecks = (checks: readonly { name: string; severity: string }[]) =>
      checks.filter((c) => c.severity === 'failure').map((c) => c.name);
    assert.deepEqual(failedChecks(sent.reports[0]!.verdict!.checks), failedChecks(record!.checks as { name: string; severity: string }[]));
    assert.ok(failedChecks(sent.reports[0]!.verdict!.checks).includes('schema'));
  });

  it('playCalls streams each step and fails a duplicate answered 409, as send call --chaos does', async () => {
    const server = await receiver(conflictOnDuplicate());
    const { scenario, label } = await library.loadScenario({ name: 'book-appointment' });
    const steps: string[] = [];
    const outcome = await library.playCalls(
      { url: new URL(server.url), scenario, label, secret: SECRET, timeoutMs: 5000, chaos: { faults: ['dup'], seed: 1 } },
      (event) => {
        if (event.type === 'step') steps.push(`${event.report.step.event} ${event.report.delivery.kind} ${event.report.ok}`);
      },
    );
    assert.equal(outcome.tally.failed, 1);
    assert.match(outcome.first!.failure ?? '', /idempotent: 409 to the same event delivered again/);
    assert.ok(
      steps.some((step) => / duplicate false$/.test(step)),
      steps.join('\n'),
    );
    const cli = await runCli(['send', 'call', '--to', server.url, '--chaos', 'dup', '--seed', '1', '--json'], {
      env: { HMS_WEBHOOK_SECRET: SECRET },
    });
    assert.equal(cli.code, 1);
    assert.deepEqual(
      jsonLines(cli.stdout)
        .filter((line) => line.type === 'step')
        .map((line) => `${line.event} ${line.delivery} ${line.ok}`),
      steps,
    );
  });

  it('probeReceiver gives the verdict per case that probe prints', async () => {
    const server = await receiver(conflictOnDuplicate());
    const probed = await library.probeReceiver({ url: new URL(server.url), secret: SECRET, timeoutMs: 5000 });
    const cli = await runCli(['probe', '--to', server.url, '--json'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
    const fromCli = jsonLines(cli.stdout)
      .filter((line) => line.type === 'probe')
      .map((line) => [line.case, line.verdict]);
    assert.deepEqual(
      probed.results.map((result) => [result.probe.name, result.verdict]),
      fromCli,
    );
    assert.equal(probed.results.find((result) => result.probe.kind === 'duplicate')?.verdict, 'fail');
    assert.deepEqual(probed.problems, ['refused a duplicate delivery']);
  });

  it('checkTools calls each tool of an assistant at its route; verifyCaptureFile and replayCaptures read what listen saved', async () => {
    const server = await receiver(correctReplies);
    const assistant = JSON.parse(readFileSync(join(ROOT, 'fixtures/replies/assistant-request/with-tools.json'), 'utf8'))
      .assistant as Record<string, unknown>;
    const routes = new Map(library.toolsOf(assistant).map((tool) => [tool.name, server.url]));
    const checked = await library.checkTools({ assistant, receiver: new URL(server.url), routes, secret: SECRET });
    assert.ok(checked.checks.length > 0);
    assert.deepEqual(
      checked.checks.map((check) => [check.call?.reply?.status, check.call?.reason]),
      checked.checks.map(() => [200, undefined]),
    );
    const file = join(dir, 'captures.jsonl');
    const listened = library.listenUntilStopped({
      host: '127.0.0.1',
      port: 0,
      path: '/',
      secrets: [SECRET],
      toleranceSeconds: 300,
      enforce: true,
      maxBodyBytes: 1 << 20,
      replies: {},
      delayMs: 0,
      save: file,
      graceMs: 1000,
      count: 1,
      onEvent: () => {},
      onListening: ({ url }) => {
        void library.sendEvent({ url: new URL(url), fixture: 'status-update', secret: [SECRET], set: [], unset: [], timeoutMs: 5000 });
      },
    });
    const outcome = await listened;
    assert.deepEqual([outcome.passed, outcome.failed, outcome.reason], [1, 0, 'count']);
    const reports: boolean[] = [];
    const verified = await library.verifyCaptureFile(
      file,
      { secrets: [{ secret: SECRET, label: 'test', accepted: true }], toleranceSeconds: 300, clock: () => Math.floor(Date.now() / 1000) },
      (report) => {
        reports.push(report.check.passed);
      },
    );
    assert.deepEqual([verified.passed, verified.failed, reports], [1, 0, [true]]);
    const replayed = await library.replayCaptures({
      source: file,
      url: new URL(server.url),
      signing: { kind: 'resign', secret: SECRET },
      selection: { lines: [] },
      timeoutMs: 5000,
    });
    assert.deepEqual(replayed, { passed: 1, failed: 0 });
    writeFileSync(join(dir, 'empty.jsonl'), '');
    await assert.rejects(
      library.replayCaptures({
        source: join(dir, 'empty.jsonl'),
        url: new URL(server.url),
        signing: { kind: 'unsigned' },
        selection: { lines: [] },
        timeoutMs: 5000,
      }),
      (error: unknown) => error instanceof library.InputError && /no requests to replay/.test((error as Error).message),
    );
  });

  it("docs/library.md's example runs as printed against a correct receiver (the built-in listener)", async () => {
    const server = await startBuiltInListener(SECRET, { path: '/webhooks' });
    closers.push(() => server.close());
    const page = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
    const example = /```ts\n(import \{ loadScenario, playCalls, probeReceiver \} from 'hms-webhook';[\s\S]*?)```/.exec(page)?.[1];
    assert.ok(example, 'the example is in docs/library.md');
    // Inside the package, so that `hms-webhook` resolves to itself; the receiver's URL instead of :3000.
    const file = join(ROOT, 'dist/test/readme-library-example.mjs');
    writeFileSync(
      file,
      `const secret = ${JSON.stringify(SECRET)};\n${example.replace('http://127.0.0.1:3000/webhooks', new URL('/webhooks', server.url).href)}`,
    );
    await import(pathToFileURL(file).href);
  });
});
