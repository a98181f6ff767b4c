import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadFixture } from '../../src/platform/fixtures.js';
import { sign } from '../../src/signing/signature.js';
import { BIN, jsonLines, runCli, skipWithout, startCli, temporaryFolder } from '../helpers.js';

// Trust under faults: a full disk, a FIFO, clients that go away. Real files, a real tmpfs, real sockets.

const SECRET = 'faults-secret-31c9';
const dir = temporaryFolder('hms-webhook-faults-');
const body = JSON.stringify(loadFixture('status-update/ended').document);

async function post(url: string, payload = body): Promise<number> {
  const response = await fetch(url, { method: 'POST', body: payload, headers: { ...sign({ body: payload, secret: SECRET }) } });
  await response.arrayBuffer();
  return response.status;
}

async function listening(args: string[]) {
  const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--json', ...args]);
  const [, url] = (await Promise.race([
    cli.stderr.until(/Listening on (\S+)/),
    cli.done.then((result) => {
      throw new Error(`listen exited ${result.code}: ${result.stderr}`);
    }),
  ])) as RegExpExecArray;
  return { ...cli, url: url! };
}

describe('listen --save on a failing disk', () => {
  it('/dev/full: every request is one failed event answered 507, one line on stderr, exit 1', async () => {
    const cli = await listening(['--save', '/dev/full', '--count', '3']);
    const statuses = [await post(cli.url), await post(cli.url), await post(cli.url)];
    const result = await cli.done;
    assert.deepEqual(statuses, [507, 507, 507]);
    assert.equal(result.code, 1);
    const events = jsonLines(result.stdout).filter((o) => o.type === 'event');
    assert.equal(events.length, 3);
    assert.ok(events.every((event) => event.passed === false));
    assert.deepEqual(jsonLines(result.stdout).at(-1), { type: 'summary', stopped_by: 'count', passed: 0, failed: 3 });
    assert.equal(result.stderr.match(/cannot save \/dev\/full: no space left on device/g)?.length, 1, result.stderr);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
  });

  it('a disk that fills up: no 2xx without its whole line, a torn line is ended, and verify skips it', async (t) => {
    const mount = join(dir, 'tmpfs');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      skipWithout(t, 'mounting a tmpfs needs root');
      return;
    }
    try {
      const filler = join(mount, 'filler');
      const captures = join(mount, 'captures.jsonl');
      // Leave less room than a few capture lines need.
      writeFileSync(filler, Buffer.alloc(64 * 1024 - 5000));
      const cli = await listening(['--save', captures]);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await post(cli.url));
      rmSync(filler);
      const after = await post(cli.url);
      cli.signals.emit('SIGTERM');
      const result = await cli.done;
      assert.ok(statuses.includes(507), `the disk filled up: ${statuses}`);
      assert.equal(after, 200, 'room again: saved and answered');
      const saved = readFileSync(captures, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      const whole = saved.filter((line) => {
        try {
          JSON.parse(line);
          return true;
        } catch {
          return false;
        }
      });
      const answered = [...statuses, after].filter((status) => status === 200).length;
      assert.equal(whole.length, answered, 'a whole line for every 2xx, none for a 507');
      assert.ok(saved.at(-1)!.startsWith('{"received_at"'), 'the line after the torn one starts on a line of its own');
      assert.match(result.stderr, /cannot save .*captures\.jsonl: no space left on device/);
      const verify = await runCli(['verify', captures, '--secret', SECRET]);
      assert.equal(saved.length, whole.length + 1, 'the write that ran out of room left one torn line');
      assert.equal(verify.code, 1, verify.stderr);
      assert.match(verify.stderr, /captures\.jsonl:\d+: not JSON \(a line cut short\?\)/);
      assert.match(verify.stdout, new RegExp(`${whole.length} passed, 0 failed`));
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('a file system that fails after 200 answered requests keeps all 200 lines (ext4, errors=remount-ro)', async (t) => {
    // The kernel's own fault switch: ext4 records an error and remounts read-only at once, and whatever was
    // written but not synced is gone, as after a disk that fails. Without fdatasync no line survives.
    const image = join(dir, 'ext4.img');
    const mount = join(dir, 'ext4');
    mkdirSync(mount);
    writeFileSync(image, '');
    truncateSync(image, 16 * 1024 * 1024);
    try {
      // /usr/sbin is not on every PATH, root's included.
      execFileSync(existsSync('/usr/sbin/mkfs.ext4') ? '/usr/sbin/mkfs.ext4' : 'mkfs.ext4', ['-q', image], { stdio: 'ignore' });
      execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, mount], { stdio: 'ignore' });
    } catch {
      skipWithout(t, 'mounting an ext4 image on a loop device needs root and mkfs.ext4');
      return;
    }
    let mounted = true;
    try {
      const device = basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', mount], { encoding: 'utf8' }).trim());
      const captures = join(mount, 'captures.jsonl');
      const cli = await listening(['--save', captures]);
      const statuses = await Promise.all(Array.from({ length: 200 }, () => post(cli.url)));
      assert.deepEqual(new Set(statuses), new Set([200]));
      writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, 'hms-webhook durability test');
      cli.signals.emit('SIGTERM');
      await cli.done;
      execFileSync('umount', [mount]);
      mounted = false;
      execFileSync('mount', ['-o', 'loop', image, mount], { stdio: 'ignore' });
      mounted = true;
      const lines = readFileSync(captures, 'utf8').trim().split('\n');
      assert.equal(lines.length, 200, 'every answered request is a line on the disk');
      assert.ok(lines.every((line) => JSON.parse(line).body === body));
    } finally {
      if (mounted) execFileSync('umount', [mount]);
    }
  });

  it('a FIFO is refused with one line before listening; capture files are private (0600)', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const refused = await runCli(['listen', '--port', '0', '--save', fifo]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `hms-webhook: cannot save to ${fifo}: it is a FIFO, which would block the listener; give a regular file\n`,
    );
    const file = join(dir, 'private.jsonl');
    const cli = await listening(['--save', file, '--count', '1']);
    await post(cli.url);
    await cli.done;
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});

describe("listen --save: a 2xx means the line is on disk, in a file of the user's own", () => {
  it('a capture file whose last line an earlier crash cut short: the line is ended first, with a warning', async () => {
    const file = join(dir, 'torn.jsonl');
    writeFileSync(file, '{"received_at":"2026-12-06T10:00:00.000Z","method":"POST","pa', { mode: 0o600 });
    const cli = await listening(['--save', file, '--count', '1']);
    assert.equal(await post(cli.url), 200);
    const result = await cli.done;
    assert.match(
      result.stderr,
      /warning: .*torn\.jsonl ends in a line cut short \(an earlier crash\?\): it is ended before the first new line/,
    );
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 3, 'the torn line, the new one, and the end');
    assert.equal(JSON.parse(lines[1]!).body, body, 'the new line is whole, not glued to the torn one');
  });

  it('the capture file removed while listening is created again, with a warning; no answered request is lost', async () => {
    const file = join(dir, 'removed.jsonl');
    const cli = await listening(['--save', file, '--count', '2']);
    assert.equal(await post(cli.url), 200);
    rmSync(file);
    assert.equal(await post(cli.url), 200);
    const result = await cli.done;
    assert.match(result.stderr, /warning: .*removed\.jsonl was removed or replaced while listening: created again/);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1, 'the request answered after the rm is in the new file');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('a symbolic link, and a file others can read, are refused with one line that says what to do; nothing written', async () => {
    const target = join(dir, 'someone-elses.jsonl');
    writeFileSync(target, '', { mode: 0o600 });
    const link = join(dir, 'planted.jsonl');
    symlinkSync(target, link);
    const linked = await runCli(['listen', '--port', '0', '--save', link]);
    assert.equal(linked.code, 2);
    assert.equal(
      linked.stderr,
      `hms-webhook: cannot save to ${link}: it is a symbolic link, which is not followed; give the file itself\n`,
    );
    const dangling = join(dir, 'dangling.jsonl');
    symlinkSync(join(dir, 'nowhere', 'x.jsonl'), dangling);
    assert.equal((await runCli(['listen', '--port', '0', '--save', dangling])).code, 2);
    assert.equal(existsSync(join(dir, 'nowhere')), false);
    const shared = join(dir, 'shared.jsonl');
    writeFileSync(shared, '');
    chmodSync(shared, 0o644);
    const readable = await runCli(['listen', '--port', '0', '--save', shared]);
    assert.equal(readable.code, 2);
    assert.equal(
      readable.stderr,
      `hms-webhook: cannot save to ${shared}: others can read or write it (mode 644): chmod 600 ${shared}, or save to a new file\n`,
    );
    assert.equal(readFileSync(target, 'utf8'), '');
  });
});

describe('listen: clients that go away, addresses, internal errors', () => {
  it('a client that disconnects mid-body is an event with a reason, not a stack trace', async () => {
    const cli = await listening(['--count', '1']);
    // Gone only once the listener holds the request (it answered 100 Continue): an order, not a wait.
    const client = await halfOpen(cli.url);
    client.close();
    const result = await cli.done;
    const [event] = jsonLines(result.stdout).filter((o) => o.type === 'event');
    assert.match(String(event?.bad_request), /^the client closed the connection before the whole body came \(\d+ of \d+ bytes came\)$/);
    assert.equal(result.code, 1);
    assert.ok(!result.stderr.includes('internal error'), result.stderr);
  });

  it('--host on an address other than loopback says who can reach it', async () => {
    const cli = await listening(['--host', '0.0.0.0', '--timeout', '0.05']);
    const result = await cli.done;
    assert.match(result.stderr, /^hms-webhook: listening on 0\.0\.0\.0, not loopback: anyone who can reach this address can post to it$/m);
    const local = await listening(['--timeout', '0.05']);
    assert.ok(!(await local.done).stderr.includes('not loopback'));
  });

  it('an internal error is one line with the hint; the stack only with HMS_WEBHOOK_DEBUG', async () => {
    const failing = {
      write: () => {
        throw new Error('the disk said no');
      },
      once: () => undefined,
    };
    const { main } = await import('../../src/cli/main.js');
    const errors: string[] = [];
    const stderr = { write: (text: string) => errors.push(text) > 0, once: () => undefined };
    const io = (env: NodeJS.ProcessEnv) => ({
      stdout: failing,
      stderr,
      stdin: process.stdin,
      env,
      clock: { now: Date.now, elapsed: () => 0 },
      signals: process,
    });
    assert.equal(await main(['fixtures'], io({})), 2);
    assert.deepEqual(errors, ['hms-webhook: internal error: the disk said no (run with HMS_WEBHOOK_DEBUG=1 for the stack)\n']);
    errors.length = 0;
    await main(['fixtures'], io({ HMS_WEBHOOK_DEBUG: '1' }));
    assert.match(errors.join(''), /internal error: Error: the disk said no\n\s+at /);
    assert.ok(existsSync(dir));
  });
});

/**
 * Opens a request that sends part of its body and then waits: a half-open request. It asks for
 * 100 Continue, so that it is known to be in the listener's hands before the body starts.
 */
function halfOpen(url: string): Promise<{ close(): void }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: '/',
      method: 'POST',
      headers: { 'content-length': '5000', expect: '100-continue' },
    });
    req.on('error', () => {});
    req.on('continue', () => req.write('{"message":', () => resolve({ close: () => req.destroy() })));
    req.flushHeaders();
  });
}

function connects(url: string): Promise<boolean> {
  return fetch(url, { method: 'POST', body: '{}' }).then(
    () => true,
    () => false,
  );
}

describe('listen: stopping', () => {
  it('SIGTERM stops accepting at once, cuts a half-open request after --grace, and records it', async () => {
    const cli = await listening(['--grace', '0.2']);
    const client = await halfOpen(cli.url);
    cli.signals.emit('SIGTERM');
    assert.equal(await connects(cli.url), false, 'no new connection after the signal');
    const result = await cli.done;
    client.close();
    assert.equal(result.code, 1);
    const events = jsonLines(result.stdout).filter((o) => o.type === 'event');
    assert.equal(events.length, 1);
    assert.match(
      String(events[0]!.bad_request),
      /^cut at stop: the request was still arriving when --grace \(0\.2 s\) ran out \(\d+ of \d+ bytes came\)$/,
    );
  });

  it('a request in flight when the signal comes is answered and saved', async () => {
    const file = join(dir, 'in-flight.jsonl');
    const cli = await listening(['--save', file, '--delay', '300']);
    const answered = post(cli.url);
    // The line is saved before the delay starts: once it is there, the request is in flight.
    while (!existsSync(file) || readFileSync(file, 'utf8') === '') await new Promise((resolve) => setTimeout(resolve, 5));
    cli.signals.emit('SIGTERM');
    assert.equal(await answered, 200);
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
  });

  it('a second signal exits at once with 130, whatever the grace', async () => {
    const cli = await listening(['--grace', '3600']);
    const client = await halfOpen(cli.url);
    cli.signals.emit('SIGTERM');
    cli.signals.emit('SIGINT');
    const result = await cli.done;
    client.close();
    assert.equal(result.code, 130);
  });
});

describe('listen: stopping, as a process with real signals', () => {
  it('SIGTERM with a half-open request open: exits after --grace with the verdict', async () => {
    const child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--grace', '0.2', '--json'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    const url = await new Promise<string>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /Listening on (\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
    });
    const client = await halfOpen(url);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    client.close();
    assert.equal(code, 1, stderr);
  });
});

describe('listen: requests Node refuses to parse are events too', () => {
  /** Sends raw bytes and resolves with what came back before the listener closed the connection. */
  function raw(url: string, bytes: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(bytes));
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('a smuggling shape (Content-Length with Transfer-Encoding) and CONNECT: each answered, an event with its reason, a line, counted', async () => {
    const file = join(dir, 'smuggled.jsonl');
    const cli = await listening(['--save', file, '--count', '2']);
    const smuggled = await raw(cli.url, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.match(smuggled, /^HTTP\/1\.1 400 Bad Request/);
    const tunnel = await raw(cli.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assert.match(tunnel, /^HTTP\/1\.1 405 Method Not Allowed/);
    const result = await cli.done;
    assert.equal(result.code, 1, 'a refused request fails the run');
    const events = jsonLines(result.stdout).filter((line) => line.type === 'event');
    assert.match(
      String(events[0]!.bad_request),
      /^a request Node's HTTP parser refuses \(HPE_\w+: .*\): no client of the platform sends one/,
    );
    assert.equal((events[0]!.reply as { status: number }).status, 400);
    assert.match(String(events[1]!.bad_request), /^CONNECT example\.com:443: a tunnel, not a webhook/);
    assert.deepEqual(jsonLines(result.stdout).at(-1), { type: 'summary', stopped_by: 'count', passed: 0, failed: 2 });
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
  });
});

describe('listen: Expect: 100-continue', () => {
  it('a body declared over --max-body gets its 413 at once, never a 100 Continue first', async () => {
    const cli = await listening(['--max-body', '1000', '--count', '1']);
    const { hostname, port } = new URL(cli.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n',
        ),
      );
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.ok(!answer.includes('100 Continue'), answer);
    const [event] = jsonLines((await cli.done).stdout).filter((line) => line.type === 'event');
    assert.match(String(event!.bad_request), /body of 2000000 bytes is over --max-body 1000/);
  });
});

describe('listen: one story of each reply, in the event, the capture line and what the client got', () => {
  it('a forwarded reply that breaks off mid-stream: the client sees a cut reply, the event says where, the line says 200 truncated', async () => {
    // A receiver that sends 200 and 3 MiB of a longer reply, then dies.
    const target = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"padding":"${'x'.repeat(3 * 1024 * 1024)}`, () => res.destroy());
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const file = join(dir, 'cut.jsonl');
    const cli = await listening([
      '--forward-to',
      `http://127.0.0.1:${(target.address() as AddressInfo).port}/`,
      '--save',
      file,
      '--count',
      '1',
    ]);
    try {
      const response = await fetch(cli.url, { method: 'POST', body, headers: sign({ body, secret: SECRET }) });
      assert.equal(response.status, 200);
      await assert.rejects(response.arrayBuffer(), 'the client sees the reply broken, not a short one that looks whole');
      const result = await cli.done;
      const [event] = jsonLines(result.stdout).filter((line) => line.type === 'event');
      assert.equal((event!.reply as { status: number }).status, 200);
      assert.equal(event!.passed, false);
      assert.match(
        String(event!.reply_cut),
        /^the forwarded reply broke off after \d+ bytes \(.*\): the client got status 200 and those bytes, then its connection was cut$/,
      );
      const line = JSON.parse(readFileSync(file, 'utf8').trim()) as { reply: { status: number; truncated?: boolean } };
      assert.deepEqual([line.reply.status, line.reply.truncated], [200, true]);
      assert.equal(result.code, 1);
    } finally {
      target.close();
    }
  });

  it('a second SIGTERM with a reply still to send: the event says it was not delivered, and comes before the summary', async () => {
    const file = join(dir, 'second-signal.jsonl');
    const cli = await listening(['--delay', '60000', '--save', file]);
    const request = fetch(cli.url, { method: 'POST', body, headers: sign({ body, secret: SECRET }) }).catch((error: Error) => error);
    // The line is written before the delay: the request is in flight once it is there.
    while (!existsSync(file) || readFileSync(file, 'utf8') === '') await new Promise((resolve) => setTimeout(resolve, 10));
    cli.signals.emit('SIGTERM');
    cli.signals.emit('SIGTERM');
    const result = await cli.done;
    assert.ok((await request) instanceof Error, 'the client got no reply');
    assert.equal(result.code, 130);
    const lines = jsonLines(result.stdout);
    assert.deepEqual(
      lines.map((line) => line.type),
      ['listening', 'event', 'summary'],
    );
    assert.equal(lines[1]!.reply_cut, 'not delivered: a second signal cut the connection before the reply was sent');
    assert.equal(lines[1]!.passed, false);
  });
});
