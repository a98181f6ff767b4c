import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeSignature, verify } from '../../src/signing/signature.js';
import { jsonLines, nodeFirstOnPath, ROOT, runCli, startCli, temporaryFolder } from '../helpers.js';
import { startReceiver } from '../receiver.js';

// `send load --emit artillery`: the project it writes, its processor's signing against ours, and
// Artillery itself (a devDependency) running the project against `listen --save`, two workers at once.

const SECRET = 'artillery-secret-5c1f';
const dir = temporaryFolder('hms-emit-');
const ARTILLERY = join(ROOT, 'node_modules/.bin/artillery');

interface Processor {
  hmsStartCall(context: { vars: Record<string, any> }, events: unknown, done: (error?: Error) => void): void;
  hmsSign(request: Record<string, any>, context: { vars: Record<string, any> }, events: unknown, done: (error?: Error) => void): void;
  signatureOf(secret: string, timestamp: string, body: Buffer): string;
}

/** The emitted processor, loaded as Artillery loads it (require), in a fresh module cache. */
function loadProcessor(project: string): Processor {
  return createRequire(join(project, 'package.json'))(join(project, 'hms-webhook.js')) as Processor;
}

async function emit(out: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await runCli(['send', 'load', ...args, '--emit', 'artillery', '--out', out], { env });
  assert.equal(result.code, 0, result.stderr);
  return result;
}

/** Every file of a folder, as text. */
function textsOf(folder: string): string[] {
  return readdirSync(folder).map((file) => readFileSync(join(folder, file), 'utf8'));
}

/** One `artillery run`, with its JSON report; the secret only in its environment. */
function artillery(project: string, report: string, secret = SECRET): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ARTILLERY, ['run', '--output', report, join(project, 'artillery.yml')], {
      cwd: project,
      env: { ...process.env, PATH: nodeFirstOnPath(), HMS_WEBHOOK_SECRET: secret, ARTILLERY_DISABLE_TELEMETRY: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function counters(report: string): Record<string, number> {
  return (JSON.parse(readFileSync(report, 'utf8')) as { aggregate: { counters: Record<string, number> } }).aggregate.counters;
}

describe('send load --emit artillery: the project', () => {
  it('writes the script, the processor, the payloads and a README, and no secret in any of them', async () => {
    const out = join(dir, 'files');
    const result = await emit(out, ['tool-calls', '--to', 'http://127.0.0.1:3000/webhooks', '--secret', SECRET, '--users', '50'], {
      HMS_WEBHOOK_SECRET: SECRET,
    });
    assert.deepEqual(readdirSync(out).sort(), ['README.md', 'artillery.yml', 'hms-webhook.js', 'payloads.json']);
    for (const text of textsOf(out)) assert.ok(!text.includes(SECRET), 'no file holds the secret');
    assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET), 'nor does the output');
    assert.match(result.stderr, /the secret is not written into the project: export HMS_WEBHOOK_SECRET/);
    const script = readFileSync(join(out, 'artillery.yml'), 'utf8');
    assert.match(script, /target: "http:\/\/127\.0\.0\.1:3000"/);
    assert.match(script, /url: "\/webhooks"/);
    assert.match(script, /arrivalCount: 50/);
    assert.match(script, /expression: "vusers\.failed == 0"/);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    assert.match(readme, /run-fargate --region eu-west-1 --count 10/);
    assert.match(readme, /https:\/\/www\.artillery\.io\/docs\/reference\/cli\/run-lambda/);
  });

  it('--json names the folder, the files and the command to run', async () => {
    const out = join(dir, 'json');
    const result = await emit(out, ['status-update', '--json']);
    const [line] = jsonLines(result.stdout);
    assert.equal(line!.type, 'emit');
    assert.equal(line!.dir, out);
    assert.equal(line!.requests_per_user, 1);
    assert.equal(line!.run, 'npx artillery run artillery.yml');
  });

  it('signs every request at send time exactly as the signing core does, over the bytes handed to Artillery', async () => {
    const out = join(dir, 'signing');
    await emit(out, ['--scenario', 'book-appointment', '--dialect', 'flireo']);
    const processor = loadProcessor(out);
    const saved = process.env.HMS_WEBHOOK_SECRET;
    process.env.HMS_WEBHOOK_SECRET = SECRET;
    try {
      const context = { vars: {} as Record<string, any> };
      processor.hmsStartCall(context, undefined, () => {});
      const events: string[] = [];
      const callIds = new Set<string>();
      for (let step = 0; step < 6; step++) {
        const request: Record<string, any> = { url: '/webhooks', headers: {} };
        processor.hmsSign(request, context, undefined, (error) => assert.ifError(error));
        assert.ok(Buffer.isBuffer(request.body), 'bytes: Artillery neither re-serialises nor templates them');
        assert.equal(request.json, undefined);
        const result = verify({ body: request.body, headers: request.headers, secrets: SECRET });
        assert.deepEqual(result, { ok: true, secretIndex: 0 });
        assert.equal(request.headers['user-agent'], 'HMS-Sovereign/1.0');
        assert.equal(request.headers['content-type'], 'application/json');
        const message = JSON.parse(request.body.toString('utf8')).message;
        assert.equal(request.headers['x-webhook-event'], message.type);
        events.push(message.type);
        callIds.add(message.call.id);
        if (message.type === 'tool-calls') assert.ok(Array.isArray(message.toolCallList), 'the flireo spelling');
      }
      assert.deepEqual(events, ['assistant-request', 'status-update', 'tool-calls', 'tool-calls', 'status-update', 'end-of-call-report']);
      assert.equal(callIds.size, 1, 'one call id for the whole call');
      const extra: Record<string, any> = { headers: {} };
      let failure: Error | undefined;
      processor.hmsSign(extra, context, undefined, (error) => {
        failure = error;
      });
      assert.match(String(failure), /more requests than payloads\.json has steps/);
    } finally {
      process.env.HMS_WEBHOOK_SECRET = saved;
    }
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array(), (secret, timestamp, bytes) => {
        const body = Buffer.from(bytes);
        assert.equal(processor.signatureOf(secret, String(timestamp), body), `sha256=${computeSignature(secret, String(timestamp), body)}`);
      }),
    );
  });

  it('refuses what an emitted project cannot do, and overwrites nothing without --force', async () => {
    const out = join(dir, 'refusals');
    const forged = await runCli(['send', 'load', 'status-update', '--tamper', '--emit', 'artillery', '--out', out]);
    assert.equal(forged.code, 2);
    assert.match(forged.stderr, /^hms-webhook: --tamper does not apply to --emit/);
    assert.equal(forged.stderr.trim().split('\n').length, 1);
    const both = await runCli(['send', 'load', 'status-update', '--scenario', 'book-appointment', '--emit', 'artillery', '--out', out]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of an event \(status-update\) or --scenario/);
    const withoutEmit = await runCli(['send', 'load', 'status-update', '--scenario', 'book-appointment']);
    assert.equal(withoutEmit.code, 2);
    assert.match(withoutEmit.stderr, /--scenario goes with --emit artillery/);
    const capped = await runCli(['send', 'load', 'status-update', '--concurrency', '5', '--emit', 'artillery', '--out', out]);
    assert.equal(capped.code, 2);
    assert.match(capped.stderr, /^hms-webhook: --concurrency does not apply to --emit: .* cap them with maxVusers in artillery\.yml\n$/);
    // One meaning per flag: --count is requests; an emitted project's virtual users are --users.
    const counted = await runCli(['send', 'load', 'status-update', '--count', '50', '--emit', 'artillery', '--out', out]);
    assert.equal(counted.code, 2);
    assert.equal(
      counted.stderr,
      'hms-webhook: --count is --users N with --emit: virtual users, each sending the event or playing the whole call\n',
    );
    const users = await runCli(['send', 'load', 'status-update', '--users', '50', '--to', '127.0.0.1:9']);
    assert.equal(users.code, 2);
    assert.equal(users.stderr, 'hms-webhook: --users goes with --emit artillery (virtual users); here --count is requests\n');
    const paced = await runCli(['send', 'load', 'tool-calls', '--ramp', '1..2', '--pace', '300']);
    assert.equal(paced.code, 2);
    assert.equal(paced.stderr, 'hms-webhook: --pace is --every 300 now\n');
    const forceAlone = await runCli(['send', 'load', 'status-update', '--force']);
    assert.equal(forceAlone.code, 2);
    assert.equal(forceAlone.stderr, 'hms-webhook: --force goes with --emit artillery\n');
    await emit(out, ['status-update']);
    writeFileSync(join(out, 'artillery.yml'), 'mine');
    const again = await runCli(['send', 'load', 'tool-calls', '--emit', 'artillery', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /artillery\.yml is already there \(and 3 more\): choose another --out, or --force to overwrite/);
    assert.equal(readFileSync(join(out, 'artillery.yml'), 'utf8'), 'mine', 'nothing lost');
    await emit(out, ['tool-calls', '--force']);
    assert.match(readFileSync(join(out, 'artillery.yml'), 'utf8'), /tool-calls/);
  });
});

// Concurrently: each Artillery run waits some seconds at exit for its telemetry, whatever the test.
describe('send load --emit artillery: run by Artillery', { timeout: 180_000, concurrency: true }, () => {
  it('two workers of a whole-call project and one of a flireo event at once: every request saved, verified, no call id shared', async () => {
    const calls = join(dir, 'calls');
    const event = join(dir, 'event');
    const capture = join(dir, 'capture.jsonl');
    const listen = startCli(['listen', '--port', '0', '--secret', SECRET, '--save', capture, '--json']);
    const [, url] = await listen.stderr.until(/Listening on (\S+)/);
    try {
      await emit(calls, ['--scenario', 'book-appointment', '--to', url!, '--users', '12', '--duration', '1']);
      await emit(event, ['tool-calls', '--dialect', 'flireo', '--to', url!, '--users', '20', '--duration', '1']);
      const reports = [join(dir, 'worker-1.json'), join(dir, 'worker-2.json'), join(dir, 'event.json')];
      const runs = await Promise.all([artillery(calls, reports[0]!), artillery(calls, reports[1]!), artillery(event, reports[2]!)]);
      for (const run of runs) assert.equal(run.code, 0, run.output);
      const sent = reports.map((report) => counters(report)['http.requests']);
      assert.deepEqual(sent, [72, 72, 20]);
      for (const report of reports) assert.equal(counters(report)['vusers.failed'] ?? 0, 0);
      assert.equal(counters(reports[0]!)['hms_webhook.tool-calls.passed'], 24, 'tool results checked in the engine');

      const lines = readFileSync(capture, 'utf8').trim().split('\n');
      assert.equal(lines.length, 72 + 72 + 20, 'every request Artillery sent is in the capture');
      const byCall = new Map<string, string[]>();
      for (const line of lines) {
        const message = JSON.parse(JSON.parse(line).body).message;
        byCall.set(message.call.id, [...(byCall.get(message.call.id) ?? []), message.type]);
      }
      assert.equal(byCall.size, 12 + 12 + 20, 'one call id per virtual user, none shared between workers');
      const wholeCalls = [...byCall.values()].filter((events) => events.length === 6);
      assert.equal(wholeCalls.length, 24);
      for (const events of wholeCalls) {
        assert.deepEqual(events, ['assistant-request', 'status-update', 'tool-calls', 'tool-calls', 'status-update', 'end-of-call-report']);
      }
      const verified = await runCli(['verify', capture, '--json'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
      assert.equal(verified.code, 0, verified.stdout);
      const summary = jsonLines(verified.stdout).at(-1)!;
      assert.deepEqual([summary.passed, summary.failed], [164, 0]);
    } finally {
      listen.signals.emit('SIGTERM');
      await listen.done;
    }
  });

  it('a call the receiver rejects ends as on the platform: only the status-update that ends it follows', async () => {
    const project = join(dir, 'rejected');
    const receiver = await startReceiver(SECRET, (request) =>
      request.headers['x-webhook-event'] === 'assistant-request' ? { body: '{"error":"no agents free"}' } : { body: '{}' },
    );
    try {
      await emit(project, ['--scenario', 'book-appointment', '--to', receiver.url, '--users', '3', '--duration', '1']);
      const report = join(dir, 'rejected.json');
      const run = await artillery(project, report);
      assert.equal(run.code, 0, run.output);
      assert.equal(counters(report)['hms_webhook.calls_rejected'], 3);
      const messages = receiver.received.map((request) => JSON.parse(request.body.toString('utf8')).message);
      const byCall = new Map<string, any[]>();
      for (const message of messages) byCall.set(message.call.id, [...(byCall.get(message.call.id) ?? []), message]);
      assert.equal(byCall.size, 3);
      for (const call of byCall.values()) {
        assert.deepEqual(
          call.map((message: any) => message.type),
          ['assistant-request', 'status-update'],
        );
        assert.equal(call[1].call.status, 'ended');
        assert.equal(call[1].end_reason, 'rejected');
        assert.equal(call[1].error, 'no agents free');
      }
      assert.ok(receiver.received.every((request) => request.signatureValid === true));
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that leaves a tool call unanswered fails the run in the engine, with the reason', async () => {
    const project = join(dir, 'unanswered');
    const receiver = await startReceiver(SECRET, () => ({ body: '{"results":[]}' }));
    try {
      await emit(project, ['tool-calls', '--to', receiver.url, '--users', '3', '--duration', '1']);
      const report = join(dir, 'unanswered.json');
      const run = await artillery(project, report);
      assert.notEqual(run.code, 0, 'ensure fails the run');
      const counted = counters(report);
      assert.equal(counted['hms_webhook.tool-calls.failed'], 3);
      // The reason is send's own (the reply checks of platform/reply-check.ts), not a second copy of them.
      const reasons = Object.entries(counted).filter(([name]) => name.startsWith('errors.hms-webhook: tool-calls: '));
      assert.equal(reasons.length, 1, JSON.stringify(counted));
      assert.match(reasons[0]![0], /^errors\.hms-webhook: tool-calls: schema: results: /);
      assert.equal(reasons[0]![1], 3);
      assert.ok(receiver.received.every((request) => request.signatureValid === true));
    } finally {
      await receiver.close();
    }
  });

  it('without HMS_WEBHOOK_SECRET the processor sends nothing unsigned and says why', async () => {
    const project = join(dir, 'no-secret');
    const receiver = await startReceiver(SECRET);
    try {
      await emit(project, ['status-update', '--to', receiver.url, '--users', '2', '--duration', '1']);
      const run = await artillery(project, join(dir, 'no-secret.json'), '');
      assert.notEqual(run.code, 0);
      assert.match(run.output, /HMS_WEBHOOK_SECRET is not set/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});
