import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'junit2json';
import { sign } from '../../src/signing/signature.js';
import { BIN, jsonLines, nodeFirstOnPath, ROOT, runCli, startCli, temporaryFolder } from '../helpers.js';
import { correctReplies, startReceiver } from '../receiver.js';

const SECRET = 'ci-secret-6f02';
const dir = temporaryFolder('hms-ci-');
const run = promisify(execFile);
const XSD = join(ROOT, 'test/output/junit.xsd');
// .ci/run installs xmllint, zsh and fish; elsewhere a missing one skips its check with the reason.
const required = process.env.HMS_WEBHOOK_TEMPLATE_TESTS === 'required';

async function has(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/** Valid against the common JUnit schema (xmllint) and read by a consumer library (junit2json). */
async function checkJunit(file: string, t: { skip(message: string): void }) {
  if (await has('xmllint')) await run('xmllint', ['--noout', '--schema', XSD, file]);
  else {
    assert.ok(!required, 'xmllint is missing: apt-get install libxml2-utils');
    t.skip('no xmllint (apt-get install libxml2-utils): the schema check is skipped, the parse is not');
  }
  const parsed = (await parse(readFileSync(file, 'utf8'))) as any;
  assert.ok(parsed, 'junit2json read it');
  return parsed;
}

function capturesFile(name: string, bodies: { body: string; secret: string }[]): string {
  const file = join(dir, name);
  const now = Math.floor(Date.now() / 1000);
  writeFileSync(
    file,
    bodies
      .map(({ body, secret }) =>
        JSON.stringify({
          received_at: new Date(now * 1000).toISOString(),
          method: 'POST',
          path: '/',
          headers: Object.fromEntries(Object.entries(sign({ body, secret, timestamp: now })).map(([k, v]) => [k.toLowerCase(), v])),
          body,
        }),
      )
      .join('\n'),
  );
  return file;
}

const statusBody = (callId: string) =>
  JSON.stringify({
    message: {
      type: 'status-update',
      timestamp: '2026-11-30T10:00:00.000Z',
      call: { id: callId, type: 'inbound_phone_call', status: 'ended' },
      phone_number: { id: 'pn_1', number: '+31850000000' },
      customer: { number: '+31600000000' },
    },
  });

describe('--junit and the GitHub job summary', () => {
  it('verify: one suite per file, a case per request named by place, event and call, the failure with the reason', async (t) => {
    const file = capturesFile('mixed.jsonl', [
      { body: statusBody('call-ok'), secret: SECRET },
      { body: statusBody('call <&"\u0001 bad'), secret: 'another-secret' },
    ]);
    const junit = join(dir, 'verify.xml');
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier steps\n');
    const result = await runCli(['verify', file, '--secret', SECRET, '--junit', junit], { env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(result.code, 1);
    const report = await checkJunit(junit, t);
    const suite = report.testsuite[0];
    assert.equal(suite.name, file);
    assert.equal(suite.tests, 2);
    assert.equal(suite.failures, 1);
    assert.equal(suite.testcase[0].name, `${file}:1 status-update call call-ok`);
    assert.equal(suite.testcase[0].failure, undefined);
    assert.equal(suite.testcase[1].name, `${file}:2 status-update call call <&"\\u0001 bad`);
    assert.match(suite.testcase[1].failure[0].message, /^signature-mismatch: the signature does not match this secret and body/);
    const markdown = readFileSync(summary, 'utf8');
    assert.match(markdown, /^# earlier steps\n### hms-webhook verify\n/, 'appended');
    assert.match(markdown, /\| .*mixed\.jsonl \| 1 \| 1 \|/);
    assert.match(markdown, /\| .*mixed\.jsonl:2 status-update call call &lt;&amp;"\\u0001 bad \| signature-mismatch: /);
    assert.ok(!markdown.includes(SECRET) && !readFileSync(junit, 'utf8').includes(SECRET), 'the secret never');
  });

  it('probe, send call and replay write theirs too', async (t) => {
    // probe sends a body that is not JSON too: this receiver refuses it instead of parsing it.
    const receiver = await startReceiver(SECRET, (request) => {
      try {
        JSON.parse(request.body.toString('utf8'));
      } catch {
        return { status: 400, body: '{"error":"not JSON"}' };
      }
      return correctReplies(request);
    });
    try {
      const probeXml = join(dir, 'probe.xml');
      const probe = await runCli(['probe', '--to', receiver.url, '--secret', SECRET, '--json', '--junit', probeXml]);
      const cases = jsonLines(probe.stdout).filter((line) => line.type === 'probe');
      const probed = await checkJunit(probeXml, t);
      assert.equal(probed.testsuite[0].name, `probe ${receiver.url}`);
      assert.equal(probed.testsuite[0].tests, cases.length);
      // This receiver does not check the timestamp's age: those cases fail, in both reports alike.
      const failedCases = cases.filter((c) => c.verdict === 'fail');
      assert.ok(failedCases.length > 0);
      assert.equal(probed.testsuite[0].failures, failedCases.length);
      assert.equal(probe.code, 1);
      const callXml = join(dir, 'call.xml');
      const call = await runCli(['send', 'call', '--to', receiver.url, '--secret', SECRET, '--junit', callXml]);
      assert.equal(call.code, 0, call.stdout);
      const called = await checkJunit(callXml, t);
      assert.equal(called.testsuite[0].tests, 6);
      assert.match(called.testsuite[0].testcase[0].name, /^01 assistant-request ringing call /);
      const captures = capturesFile('replay.jsonl', [{ body: statusBody('c1'), secret: SECRET }]);
      const replayXml = join(dir, 'replay.xml');
      const replay = await runCli(['replay', captures, '--to', receiver.url, '--secret', SECRET, '--junit', replayXml]);
      assert.equal(replay.code, 0, replay.stdout + replay.stderr);
      assert.equal((await checkJunit(replayXml, t)).testsuite[0].testcase[0].name, `${captures}:1 status-update call c1`);
    } finally {
      await receiver.close();
    }
  });

  it('listen writes its report when it stops, and --ready-file says where it listens, then goes', async (t) => {
    const junit = join(dir, 'listen.xml');
    const ready = join(dir, 'ready');
    writeFileSync(ready, 'http://stale.invalid/\n');
    const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--junit', junit, '--ready-file', ready, '--json']);
    const url = (await cli.stderr.until(/Listening on (\S+)/))[1]!;
    assert.equal(readFileSync(ready, 'utf8'), `${url}\n`, 'written once listening, the stale one gone');
    await runCli(['send', 'status-update', '--to', url, '--secret', SECRET]);
    await runCli(['send', 'status-update', '--to', url, '--secret', 'wrong']);
    await cli.stdout.until(/(?:[^\n]*\n){3}/);
    cli.signals.emit('SIGTERM');
    assert.equal((await cli.done).code, 1);
    assert.ok(!existsSync(ready), 'removed at exit');
    const report = await checkJunit(junit, t);
    assert.deepEqual([report.testsuite[0].tests, report.testsuite[0].failures], [2, 1]);
    assert.match(report.testsuite[0].testcase[1].failure[0].message, /^signature signature-mismatch: /);
  });
});

describe('a command that could not run (exit 2) still leaves its report', () => {
  it('verify of a missing file, send call to a port nobody listens on: a JUnit error with the reason, and the summary says so', async (t) => {
    const summary = join(dir, 'cannot-run-summary.md');
    writeFileSync(summary, '');
    const missing = join(dir, 'missing.xml');
    const verified = await runCli(['verify', join(dir, 'no-such-captures.jsonl'), '--secret', SECRET, '--junit', missing], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    assert.equal(verified.code, 2);
    const report = await checkJunit(missing, t);
    assert.equal(report.testsuite[0].name, 'hms-webhook verify');
    assert.equal(report.testsuite[0].errors, 1);
    assert.match(report.testsuite[0].testcase[0].error[0].message, /^cannot read .*no-such-captures\.jsonl: no such file/);
    assert.match(readFileSync(summary, 'utf8'), /### hms-webhook verify\n\ncould not run: cannot read .*no-such-captures\.jsonl/);

    const closed = await startReceiver(SECRET, () => ({ status: 200, body: '{}' }));
    const port = new URL(closed.url).port;
    await closed.close();
    const refused = join(dir, 'refused.xml');
    const played = await runCli(['send', 'call', '--to', `127.0.0.1:${port}`, '--secret', SECRET, '--junit', refused]);
    assert.equal(played.code, 2);
    const call = await checkJunit(refused, t);
    assert.equal(call.testsuite[0].name, 'hms-webhook send call');
    assert.match(call.testsuite[0].testcase[0].error[0].message, /connection refused/);
  });
});

describe('completion scripts', () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    it(`${shell}: the script parses (${shell} -n)`, async (t) => {
      const script = (await runCli(['completion', shell])).stdout;
      const file = join(dir, `completion.${shell}`);
      writeFileSync(file, script);
      if (!(await has(shell))) {
        assert.ok(!required, `${shell} is missing: apt-get install ${shell}`);
        t.skip(`no ${shell} here (apt-get install ${shell})`);
        return;
      }
      await run(shell, ['-n', file]);
    });
  }

  it("docs/ci.md's completion lines work as printed in a fresh home: zsh with compinit, fish with its folder made", async (t) => {
    const page = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
    const block = /\*\*Shell completion\.\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const lines = block
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.replace(/\s+# in ~\/\.\w+$/, ''));
    assert.equal(lines.length, 3, block);
    const home = join(dir, 'fresh-home');
    const bin = join(dir, 'bin');
    mkdirSync(home, { recursive: true });
    mkdirSync(bin, { recursive: true });
    symlinkSync(BIN, join(bin, 'hms-webhook'));
    const env = { ...process.env, HOME: home, PATH: [bin, nodeFirstOnPath()].join(delimiter) };
    for (const [shell, line] of [
      ['bash', lines[0]!],
      ['zsh', lines[1]!],
      ['sh', lines[2]!],
    ] as const) {
      if (!(await has(shell))) {
        assert.ok(!required, `${shell} is missing`);
        t.diagnostic(`no ${shell} here`);
        continue;
      }
      // zsh -f reads no rc file: the line alone must work, as it would in a new ~/.zshrc.
      const result = await run(shell, shell === 'zsh' ? ['-f', '-c', line] : ['-c', line], { env });
      assert.equal(result.stderr, '', `${shell}: ${line}`);
    }
    assert.ok(readFileSync(join(home, '.config/fish/completions/hms-webhook.fish'), 'utf8').includes('hms-webhook'));
  });

  it('bash completes commands, the options of the command typed, option values, and payload names', async () => {
    const file = join(dir, 'completion.bash');
    writeFileSync(file, (await runCli(['completion', 'bash'])).stdout);
    const complete = async (...words: string[]) =>
      (
        await run('bash', [
          '-c',
          `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hms_webhook; printf '%s\\n' "\${COMPREPLY[@]}"`,
          file,
        ])
      ).stdout
        .trim()
        .split('\n');
    assert.deepEqual(await complete('hms-webhook', 're'), ['replay']);
    assert.deepEqual(await complete('hms-webhook', 'send', 'call', '--d'), ['--dialect']);
    assert.deepEqual(await complete('hms-webhook', 'send', '--dialect', ''), ['hms', 'flireo']);
    assert.deepEqual(await complete('hms-webhook', 'send', 'tool-calls/s'), ['tool-calls/several-tools']);
    assert.deepEqual((await complete('hms-webhook', 'init', 'fa')).sort(), ['fastapi', 'fastify']);
  });

  it('fish completes the options of the subcommand typed, not of its parent', async (t) => {
    if (!(await has('fish'))) {
      assert.ok(!required, 'fish is missing: apt-get install fish');
      t.skip('no fish here (apt-get install fish)');
      return;
    }
    const file = join(dir, 'completion.fish');
    writeFileSync(file, (await runCli(['completion', 'fish'])).stdout);
    const complete = async (line: string) => (await run('fish', ['-c', `source ${file}; complete -C "${line}"`])).stdout.trim().split('\n');
    assert.deepEqual(await complete('hms-webhook send call --d'), ['--dialect']);
    assert.ok((await complete('hms-webhook send --d')).includes('--data'));
  });
});

describe('the GitHub Action, its steps run outside GitHub', () => {
  it('starts the listener, lets the command post, verifies with a JUnit report and a summary, and fails the job with the reason', async (t) => {
    // What a runner gives a step: RUNNER_TEMP, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as files and a folder,
    // and hms-webhook on the PATH, as the install step leaves it.
    const runner = join(dir, 'runner');
    const bin = join(runner, 'bin');
    mkdirSync(join(runner, 'temp'), { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'hms-webhook'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'hms-webhook'), 0o755);
    const action = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    assert.match(action, /action\.sh" start/);
    assert.match(action, /action\.sh" finish/);
    // The runner gives each step a summary file of its own, made empty, and reads it when the step ends.
    const summaries: string[] = [];
    const step = async (which: 'start' | 'finish', outputFile: string) => {
      const summary = join(runner, `summary-${summaries.length}.md`);
      writeFileSync(summary, '');
      summaries.push(summary);
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        RUNNER_TEMP: join(runner, 'temp'),
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summary,
        HMS_WEBHOOK_SECRET: SECRET,
        INPUT_PORT: '0',
        NO_COLOR: '1',
      };
      return new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('bash', [join(ROOT, 'scripts/action.sh'), which], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    };
    const outputs = (file: string) =>
      Object.fromEntries(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2)),
      );

    const passing = join(runner, 'output-1');
    writeFileSync(passing, '');
    assert.equal((await step('start', passing)).code, 0);
    const { url } = outputs(passing);
    assert.match(url!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    // The user's command: here, a whole call.
    assert.equal((await runCli(['send', 'call', '--to', url!, '--secret', SECRET])).code, 0);
    const finished = await step('finish', passing);
    assert.equal(finished.code, 0, finished.stdout);
    const out = outputs(passing);
    assert.equal(out.result, 'passed');
    const report = await checkJunit(out.junit!, t);
    assert.deepEqual([report.testsuite[0].tests, report.testsuite[0].failures], [6, 0]);
    // The finishing step's summary holds the verdict; the starting step's file, read before the listener
    // stopped, was left alone.
    assert.match(readFileSync(summaries[1]!, 'utf8'), /### hms-webhook verify/);
    assert.equal(readFileSync(summaries[0]!, 'utf8'), '');

    const failing = join(runner, 'output-2');
    writeFileSync(failing, '');
    assert.equal((await step('start', failing)).code, 0);
    await runCli(['send', 'status-update', '--to', outputs(failing).url!, '--secret', 'not-the-secret']);
    const failed = await step('finish', failing);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^::error::hms-webhook: some webhook requests failed verification/m);
    assert.equal(outputs(failing).result, 'failed');
  });
});
