import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { BIN, jsonLines, ROOT, skipWithout, temporaryFolder } from '../helpers.js';
import { correctReplies, startReceiver } from '../receiver.js';

// A reader that goes away (`| head -1`) or stops reading is not a pass: the run did not show all it
// found. Real processes, real pipes, real signals.

const SECRET = 'closed-stdout-secret';
const dir = temporaryFolder('hms-webhook-closed-stdout-');
const body = JSON.stringify(loadFixture('status-update/ended').document);

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', HMS_WEBHOOK_SECRET: '' } });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** The first line on stdout, after which this reader goes away: the read end of the pipe is closed. */
function readOneLineAndLeave(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end < 0) return;
      child.stdout.destroy();
      resolve(text.slice(0, end));
    });
  });
}

function captures(count: number): string {
  const lines: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const signature = `sha256=${createHmac('sha256', SECRET).update(`${now}.${body}`).digest('hex')}`;
    lines.push(
      JSON.stringify({
        received_at: new Date(now * 1000).toISOString(),
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/json',
          'x-webhook-event': 'status-update',
          'x-webhook-timestamp': String(now),
          'x-webhook-signature': signature,
        },
        body,
      }),
    );
  }
  const file = join(dir, `captures-${count}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('a closed or stalled stdout', () => {
  it('verify whose reader leaves after one line does not exit 0, and says why', async () => {
    const child = run(['verify', captures(3000), '--secret', SECRET, '--json']);
    const exited = exitOf(child);
    const first = await readOneLineAndLeave(child);
    assert.match(first, /^\{"type":/);
    const { code, stderr } = await exited;
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /stdout was closed before everything was written \(its reader stopped reading\): stopped without checking the rest/,
    );
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
  });

  it('verify with a failure keeps its exit 1 when the reader leaves', async () => {
    const child = run(['verify', captures(3000), '--secret', 'another-secret', '--json']);
    const exited = exitOf(child);
    await readOneLineAndLeave(child);
    const { code, stderr } = await exited;
    assert.equal(code, 1, stderr);
  });

  it('listen --json whose reader leaves stops as at SIGTERM, answers what came, and is not a pass', async () => {
    const child = run(['listen', '--port', '0', '--secret', SECRET, '--json']);
    const exited = exitOf(child);
    const listeningLine = JSON.parse(await readOneLineAndLeave(child)) as { url: string };
    const response = await fetch(listeningLine.url, { method: 'POST', body, headers: sign({ body, secret: SECRET }) });
    assert.equal(response.status, 200);
    const { code, stderr } = await exited;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /1 passed, 0 failed/);
    assert.match(stderr, /stdout was closed before everything was written/);
  });

  it('listen --json whose reader leaves after a forged request exits 1: the verdict is kept', async () => {
    const child = run(['listen', '--port', '0', '--secret', SECRET, '--json']);
    const exited = exitOf(child);
    const listeningLine = JSON.parse(await readOneLineAndLeave(child)) as { url: string };
    const forged = await fetch(listeningLine.url, { method: 'POST', body, headers: sign({ body, secret: 'not-it' }) });
    assert.equal(forged.status, 401);
    const { code, stderr } = await exited;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /0 passed, 1 failed/);
  });

  it('listen --json into a pipe nobody reads still exits after SIGTERM, dropping what was not read, and is not a pass', async () => {
    const ready = readyFile('ready');
    const child = run(['listen', '--port', '0', '--secret', SECRET, '--json', '--verbose', '--grace', '0.5', '--ready-file', ready]);
    const exited = exitOf(child);
    // Nobody reads stdout: the pipe fills, and the listener's later lines wait in memory.
    child.stdout.pause();
    await until(() => existsSync(ready), child);
    const url = readFileSync(ready, 'utf8').trim();
    const padded = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(8000) });
    for (let i = 0; i < 40; i++) {
      const response = await fetch(url, { method: 'POST', body: padded, headers: sign({ body: padded, secret: SECRET }) });
      assert.equal(response.status, 200);
    }
    child.kill('SIGTERM');
    const { code, stderr } = await exited;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /stdout's reader did not take the last \d+ bytes within 0\.5 s: exiting without them/);
    assert.doesNotMatch(stderr, /MaxListeners|\n\s+at /);
  });
});

/** Waits for a condition a child process makes true, by polling: no deadline of its own. */
/**
 * Waits for a condition a child process makes true, by polling: no deadline of its own, but a child
 * that exits first ends the wait with an error rather than a test that hangs.
 */
async function until(condition: () => boolean, child?: { exitCode: number | null }): Promise<void> {
  while (!condition()) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before the condition held`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A ready file in a folder of this test's own, removed when the process ends, never while a test still waits on it. */
function readyFile(name: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'hms-webhook-ready-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  return join(folder, name);
}

describe('listen and SIGHUP (what logrotate sends after a rotation)', () => {
  it('reopens the capture file at its path and goes on listening; the rotated file keeps its lines', async () => {
    const ready = readyFile('hup-ready');
    const file = join(dirname(ready), 'hup.jsonl');
    const child = run(['listen', '--port', '0', '--secret', SECRET, '--save', file, '--ready-file', ready, '--json']);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = exitOf(child);
    await until(() => existsSync(ready), child);
    const url = readFileSync(ready, 'utf8').trim();
    const post = async () => (await fetch(url, { method: 'POST', body, headers: sign({ body, secret: SECRET }) })).status;
    assert.equal(await post(), 200);
    renameSync(file, `${file}.1`);
    child.kill('SIGHUP');
    // Heard in order: the request after the signal's warning goes to the new file.
    let stderr = '';
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    await until(() => /SIGHUP: created again/.test(stderr), child);
    assert.equal(await post(), 200);
    child.kill('SIGTERM');
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(`${file}.1`, 'utf8').trim().split('\n').length, 1);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(jsonLines(stdout).at(-1), { type: 'summary', stopped_by: 'SIGTERM', passed: 2, failed: 0 });
  });
});

describe('listen out of file descriptors (ulimit -n)', () => {
  it('says it once, counts each connection it closed unanswered, and recovers', async (t) => {
    if (spawnSync('prlimit', ['--version']).status !== 0) {
      skipWithout(t, 'prlimit (util-linux) is not installed');
      return;
    }
    const ready = readyFile('fd-ready');
    const child = spawn(
      'prlimit',
      ['--nofile=48:48', process.execPath, BIN, 'listen', '--port', '0', '--secret', SECRET, '--ready-file', ready],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = exitOf(child as ChildProcessWithoutNullStreams);
    await until(() => existsSync(ready), child);
    const url = new URL(readFileSync(ready, 'utf8').trim());
    // Turned away at once, so some of these close while the rest are held: seen from the client's side.
    let closedByServer = 0;
    const sockets = Array.from({ length: 80 }, () =>
      connect(Number(url.port), '127.0.0.1')
        .on('error', () => {})
        .on('close', () => closedByServer++),
    );
    await until(() => closedByServer > 0, child);
    for (const socket of sockets) socket.destroy();
    // The listener closes the destroyed connections when it reads their end, which may come after the
    // next connection is accepted: a request turned away meanwhile is one more drop, and the next try
    // comes after it. Recovering means a request is answered 200 once the held ones are gone.
    let status = 0;
    for (let attempt = 0; attempt < 100 && status === 0; attempt++) {
      status = await fetch(url, { method: 'POST', body, headers: sign({ body, secret: SECRET }) }).then(
        (response) => response.status,
        () => 0,
      );
    }
    assert.equal(status, 200);
    child.kill('SIGTERM');
    const { code, stderr } = await exited;
    assert.equal(code, 1, stderr);
    const drops = jsonLines(stdout).filter((line) =>
      /^a connection closed unanswered \(no reply, status 0\): out of file descriptors: ulimit -n 48/.test(String(line.bad_request)),
    );
    assert.ok(drops.length > 0);
    assert.deepEqual(jsonLines(stdout).at(-1), { type: 'summary', stopped_by: 'SIGTERM', passed: 1, failed: drops.length });
    assert.equal(
      stderr.match(/warning: a connection was closed unanswered, out of file descriptors: .*raise it \(ulimit -n 4096\)/g)?.length,
      1,
      stderr,
    );
    if (drops.length > 1) assert.match(stderr, new RegExp(`warning: ${drops.length} connections were closed unanswered`));
  });
});

describe('SIGTERM during a run that sends: the summary of what was done, exit 143', () => {
  /** The CLI as a process sending to `url`, and a way to SIGTERM it once its receiver has seen enough. */
  function sending(args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', HMS_WEBHOOK_SECRET: SECRET },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = exitOf(child);
    return { child, stdout: () => stdout, exited };
  }

  it('send load --count', async () => {
    let run: ReturnType<typeof sending> | undefined;
    const receiver = await startReceiver(SECRET, (request) => {
      if (receiver.received.length === 20) run?.child.kill('SIGTERM');
      return { body: '{}', delayMs: request ? 2 : 0 };
    });
    try {
      run = sending(['send', 'load', 'status-update', '--to', receiver.url, '--count', '100000', '--concurrency', '2']);
      const { code, stderr } = await run.exited;
      assert.equal(code, 143, stderr);
      const sent = Number(/load \S+ {2}(\d+) requests \(stopped by SIGTERM, of 100000\)/.exec(run.stdout())?.[1]);
      assert.ok(sent >= 20 && sent < 100000, run.stdout());
    } finally {
      await receiver.close();
    }
  });

  it('send call --calls', async () => {
    let run: ReturnType<typeof sending> | undefined;
    const receiver = await startReceiver(SECRET, (request) => {
      if (receiver.received.length === 30) run?.child.kill('SIGTERM');
      return correctReplies(request);
    });
    try {
      run = sending(['send', 'call', '--to', receiver.url, '--calls', '1000', '--concurrency', '2']);
      const { code, stderr } = await run.exited;
      assert.equal(code, 143, stderr);
      const [, passed, played] = /calls: (\d+) passed, 0 failed \(stopped by SIGTERM after (\d+) of 1000 calls\)/.exec(run.stdout()) ?? [];
      assert.ok(Number(passed) > 0 && Number(passed) < 1000 && passed === played, run.stdout());
      assert.match(run.stdout(), /latency per event/);
    } finally {
      await receiver.close();
    }
  });

  it('send load --ramp', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    try {
      const run = sending(['send', 'load', 'tool-calls', '--to', receiver.url, '--ramp', '1..5', '--step-seconds', '1', '--every', '100']);
      await until(() => /^ +1 .* holds$/m.test(run.stdout()), run.child);
      run.child.kill('SIGTERM');
      const { code, stderr } = await run.exited;
      assert.equal(code, 143, stderr);
      assert.match(run.stdout().trim().split('\n').at(-1)!, /\(stopped by SIGTERM\)$/);
    } finally {
      await receiver.close();
    }
  });
});

describe('SIGTERM the moment listen says it is ready', () => {
  it('the ready file, then SIGTERM at once (what CI does): a summary and the verdict every time', async () => {
    for (let run = 0; run < 6; run++) {
      const ready = readyFile(`ready-${run}`);
      const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--ready-file', ready], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const exited = exitOf(child);
      await until(() => existsSync(ready), child);
      child.kill('SIGTERM');
      const { code, stderr } = await exited;
      assert.equal(code, 0, `run ${run}: ${stderr}`);
      assert.deepEqual(jsonLines(stdout).at(-1), { type: 'summary', stopped_by: 'SIGTERM', passed: 0, failed: 0 }, `run ${run}`);
      assert.equal(existsSync(ready), false, 'the ready file is removed at stop');
    }
  });
});
