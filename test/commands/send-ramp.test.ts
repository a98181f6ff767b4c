import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jsonLines, runCli, startCli, temporaryFolder } from '../helpers.js';
import { correctReplies, type Received, startReceiver } from '../receiver.js';

// `send load --ramp`: the knee of a receiver built to slow down past a known number of concurrent calls.
// The tests assert which step is the knee, never a duration: a slow reply here is slower than the
// deadline by construction (it waits longer than the deadline before answering).

const SECRET = 'ramp-secret-29ab';
const dir = temporaryFolder('hms-ramp-');

/**
 * Correct replies, fast for the first `holds` calls it meets and past the deadline for every later
 * one: a receiver whose capacity is `holds` concurrent calls.
 */
function slowsPast(holds: number, slowMs: number) {
  const calls: string[] = [];
  return (request: Received) => {
    const id = JSON.parse(request.body.toString('utf8')).message.call.id as string;
    if (!calls.includes(id)) calls.push(id);
    const answer = correctReplies(request);
    return calls.indexOf(id) < holds ? answer : { ...answer, delayMs: slowMs };
  };
}

function ramp(url: string, args: string[]) {
  return runCli(['send', 'load', 'tool-calls', '--to', url, '--json', '--step-seconds', '1', '--every', '200', ...args], {
    env: { HMS_WEBHOOK_SECRET: SECRET },
  });
}

describe('send load --ramp', { timeout: 60_000 }, () => {
  it('finds the knee of a receiver that holds 4 calls, stops at the first step past it, and plots the curve', async () => {
    const receiver = await startReceiver(SECRET, slowsPast(4, 2500));
    const plot = join(dir, 'knee.svg');
    try {
      const result = await ramp(receiver.url, ['--ramp', '2..10', '--ramp-step', '2', '--deadline', '2', '--every', '500', '--plot', plot]);
      assert.equal(result.code, 0, result.stderr);
      const [curve] = jsonLines(result.stdout) as any[];
      assert.equal(curve.type, 'ramp');
      assert.equal(curve.knee, 4);
      assert.deepEqual(
        curve.steps.map((step: any) => [step.concurrency, step.holds]),
        [
          [2, true],
          [4, true],
          [6, false],
        ],
        'the ramp stops after the first step past the knee',
      );
      assert.ok(curve.steps[2].failures.late > 0, 'the calls past the fourth are answered after the deadline');
      assert.equal(curve.deadline_ms, 2000);
      assert.equal(curve.threshold_ms, 1600);
      assert.match(curve.answer, /^holds 4 concurrent tool-calls within 2 s; at 6, \d+ of \d+ replies failed \(late ×\d+\)$/);
      assert.ok(receiver.received.every((request) => request.signatureValid === true));
      const svg = readFileSync(plot, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, />knee: 4</);
      assert.equal((svg.match(/<circle /g) ?? []).length, 3, 'one point per step');
    } finally {
      await receiver.close();
    }
  });

  it('prints the curve as a table and the answer in one line', async () => {
    const receiver = await startReceiver(SECRET, slowsPast(2, 2500));
    try {
      const result = await runCli(
        ['send', 'load', 'tool-calls', '--to', receiver.url, '--ramp', '1..3', '--step-seconds', '1', '--every', '500', '--deadline', '2'],
        { env: { HMS_WEBHOOK_SECRET: SECRET } },
      );
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.match(
        lines[0]!,
        /^ramp tool-calls → http:\/\/127\.0\.0\.1:\d+\/hooks {2}deadline 2 s \(holds: p99 under 1\.6 s, no failed reply\)/,
      );
      assert.match(lines[1]!, /^ +calls +req\/s +p50 +p99 +failed$/);
      assert.match(lines[2]!, /^ +1 +[\d.]+ +[\d.]+ m?s +[\d.]+ m?s +0 holds$/);
      assert.match(lines[3]!, /^ +2 .* holds$/);
      assert.match(lines[4]!, /^ +3 .* past the knee$/);
      assert.match(lines[5]!, /^holds 2 concurrent tool-calls within 2 s; at 3, \d+ of \d+ replies failed \(late ×\d+\)$/);
      assert.equal(lines.length, 6);
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that holds every step: the knee is the last step, said as the most tried', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    try {
      const result = await ramp(receiver.url, ['--ramp', '1..3', '--dialect', 'flireo']);
      assert.equal(result.code, 0, result.stderr);
      const [curve] = jsonLines(result.stdout) as any[];
      assert.equal(curve.knee, 3);
      assert.equal(curve.deadline_ms, 10_000, "tool-calls' own deadline");
      assert.match(curve.answer, /^holds 3 concurrent tool-calls within 10 s, the most tried \(p99 /);
      const ids = receiver.received.map((request) => JSON.parse(request.body.toString('utf8')).message.call.id);
      assert.equal(new Set(ids).size, 3, 'each call keeps its id from step to step');
      const toolIds = receiver.received.map((request) => JSON.parse(request.body.toString('utf8')).message.toolCallList[0].id);
      assert.equal(new Set(toolIds).size, toolIds.length, 'every request has tool call ids of its own');
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that fails at the first step: no knee, exit 1, and why', async () => {
    const receiver = await startReceiver(SECRET, () => ({ status: 500, body: '{}' }));
    try {
      const result = await ramp(receiver.url, ['--ramp', '2..4']);
      assert.equal(result.code, 1);
      const [curve] = jsonLines(result.stdout) as any[];
      assert.equal(curve.knee, null);
      assert.equal(curve.steps.length, 1);
      assert.match(curve.answer, /^does not hold 2 concurrent tool-calls within 10 s: at 2, \d+ of \d+ replies failed \(status ×\d+\)$/);
    } finally {
      await receiver.close();
    }
  });

  it('counts latency from when a request was due: a stalled reply makes the requests queued behind it late', async () => {
    // One call due every 100 ms for 1 s; its first reply is held for 600 ms, so the requests due at
    // 100…500 ms go out only after it. Timed from when each went out they would all be fast.
    let first = true;
    const receiver = await startReceiver(SECRET, (request) => {
      const answer = correctReplies(request);
      if (!first) return answer;
      first = false;
      return { ...answer, delayMs: 600 };
    });
    try {
      const result = await runCli(
        ['send', 'load', 'tool-calls', '--to', receiver.url, '--json', '--ramp', '1..1', '--every', '100', '--step-seconds', '1'],
        { env: { HMS_WEBHOOK_SECRET: SECRET } },
      );
      assert.equal(result.code, 0, result.stderr);
      const [curve] = jsonLines(result.stdout) as any[];
      const [step] = curve.steps;
      assert.ok(step.sent >= 6);
      // The two slowest are the stalled request (>= 600 ms) and the one due 100 ms after it (>= 500 ms).
      assert.ok(step.latency_ms.max >= 600, `max ${step.latency_ms.max}`);
      assert.ok(step.latency_ms.p90 >= 480, `p90 ${step.latency_ms.p90}: the next request waited behind the stalled one`);
    } finally {
      await receiver.close();
    }
  });

  it('send load --deadline judges every reply against your own budget', async () => {
    const receiver = await startReceiver(SECRET, (request) => ({ ...correctReplies(request), delayMs: 300 }));
    try {
      const args = ['send', 'load', 'tool-calls', '--to', receiver.url, '--count', '4', '--concurrency', '2', '--json'];
      const late = await runCli([...args, '--deadline', '0.1'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
      assert.equal(late.code, 1);
      assert.deepEqual(jsonLines(late.stdout)[0]!.failures, { deadline: 4 });
      const platform = await runCli(args, { env: { HMS_WEBHOOK_SECRET: SECRET } });
      assert.equal(platform.code, 0, 'within the platform deadline of 10 s');
    } finally {
      await receiver.close();
    }
  });

  it('Ctrl-C ends the ramp: the whole steps so far, the answer, exit 130', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    try {
      const cli = startCli(
        ['send', 'load', 'tool-calls', '--to', receiver.url, '--ramp', '1..5', '--step-seconds', '1', '--every', '100'],
        {
          env: { HMS_WEBHOOK_SECRET: SECRET },
        },
      );
      await cli.stdout.until(/^ +1 .* holds$/m);
      cli.signals.emit('SIGINT');
      const result = await cli.done;
      assert.equal(result.code, 130);
      const lines = result.stdout.trim().split('\n');
      assert.match(lines.at(-1)!, /^holds \d concurrent tool-calls within 10 s, the most tried \(p99 .*\) \(stopped by Ctrl-C\)$/);
      assert.ok(lines.length < 2 + 5 + 1, 'not every step ran');
    } finally {
      await receiver.close();
    }
  });

  it('bad input: a clear line and exit 2', async () => {
    const noDeadline = await runCli(['send', 'load', 'status-update', '--ramp', '1..2'], { env: { HMS_WEBHOOK_SECRET: SECRET } });
    assert.equal(noDeadline.code, 2);
    assert.equal(
      noDeadline.stderr,
      'hms-webhook: the platform ignores the reply to status-update and sets it no deadline: give --deadline SECONDS\n',
    );
    const backwards = await runCli(['send', 'load', 'tool-calls', '--ramp', '9..3']);
    assert.equal(backwards.code, 2);
    assert.match(
      backwards.stderr,
      /--ramp <from\.\.to>' argument '9\.\.3' is invalid\. give the first and last concurrency, e\.g\. 10\.\.500\./,
    );
    const counted = await runCli(['send', 'load', 'tool-calls', '--ramp', '1..2', '--count', '5']);
    assert.equal(counted.code, 2);
    assert.equal(counted.stderr, 'hms-webhook: --count does not apply to --ramp: each step runs its number of calls for --step-seconds\n');
    const plotAlone = await runCli(['send', 'load', 'tool-calls', '--plot', join(dir, 'x.svg')]);
    assert.equal(plotAlone.code, 2);
    assert.match(plotAlone.stderr, /--plot goes with --ramp FROM\.\.TO/);
    const refused = await runCli(['send', 'load', 'tool-calls', '--to', 'http://127.0.0.1:9/', '--ramp', '1..2', '--step-seconds', '1']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refused/);
  });
});
