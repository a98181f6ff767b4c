import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type CliResult, jsonLines, nodeFirstOnPath, ROOT, spawnCli, temporaryFolder } from '../helpers.js';
import { PYTHON, pythonHas, start } from '../init/started-receiver.js';
import { call } from '../inspector/inspector.js';
import { correctReplies, startReceiver } from '../receiver.js';
import { installPacked } from './packed.js';

// The package as users get it: packed with `npm pack`, installed globally into a prefix of its own, and
// every command's main path run from that installed bin, each judged by its result.

const SECRET = 'installed-secret-7d2e';
const dir = temporaryFolder('hms-installed-');
const run = promisify(execFile);
const required = process.env.HMS_WEBHOOK_TEMPLATE_TESTS === 'required';
let bin = '';
/** Where the package is installed: its fixtures and templates are read from there. */
let installedRoot = '';
let packedFiles: string[] = [];
let tarball = '';
/** What `npm install` of the tarball printed. */
let installOutput = { stdout: '', stderr: '' };

/** A warning of node's own, "(node:1234) [DEP0040] DeprecationWarning: …": a user sees it on every run. */
const NODE_WARNING = /\(node:\d+\)/;

/** The installed bin, with the secret in the environment as the README leads with; node may warn of nothing. */
async function installed(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<CliResult> {
  const { env, cwd, stdin } = options;
  const result = await spawnCli(args, {
    command: bin,
    cwd: cwd ?? dir,
    env: { HMS_WEBHOOK_SECRET: SECRET, ...env },
    ...(stdin !== undefined ? { stdin } : {}),
  });
  assert.doesNotMatch(result.stderr, NODE_WARNING, `hms-webhook ${args.join(' ')}`);
  return result;
}

interface RunningListen {
  url: string;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `listen … --json` from the installed bin, once it says where it listens (its first JSON line). */
function installedListen(args: string[]): Promise<RunningListen> {
  const child = spawn(bin, ['listen', '--port', '0', '--json', ...args], {
    cwd: dir,
    env: { ...process.env, PATH: nodeFirstOnPath(), NO_COLOR: '1', HMS_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`listen exited (${code}) before it listened: ${stderr}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const listening = /\{"type":"listening","url":"([^"]+)"\}/.exec(stdout);
      if (listening === null) return;
      child.removeAllListeners('exit');
      resolve({
        url: listening[1]!,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async () => {
          const closed = new Promise<void>((done) => child.once('close', () => done()));
          child.kill('SIGTERM');
          await closed;
          assert.doesNotMatch(stderr, NODE_WARNING, `hms-webhook listen ${args.join(' ')}`);
        },
      });
    });
  });
}

function events(stdout: string, type: string): Record<string, any>[] {
  return jsonLines(stdout).filter((line) => line.type === type);
}

before(async () => {
  const installedPackage = await installPacked(dir);
  ({ bin, files: packedFiles, installOutput, tarball } = installedPackage);
  installedRoot = installedPackage.root;
});

describe('installed package: the tarball', () => {
  it('holds what the installed CLI reads at run time, and no tests, sources or maps', () => {
    const files = new Set(packedFiles);
    for (const needed of [
      'bin/hms-webhook.js',
      'dist/bundle/cli.js',
      'dist/bundle/verify-worker.js',
      'dist/bundle/signature-worker.js',
      'LICENSE',
      'dist/lib/index.js',
      'dist/lib/index.cjs',
      'dist/lib/index.d.ts',
      'dist/lib/index.d.cts',
      'dist/lib/signature-worker.js',
    ]) {
      assert.ok(files.has(needed), `${needed} is packed`);
    }
    // Every chunk of the bundle (commands load theirs lazily), every fixture and every template.
    for (const folder of ['dist/bundle', 'fixtures']) {
      for (const file of readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })) {
        const path = `${folder}/${file}`;
        if (statSync(join(ROOT, path)).isFile()) assert.ok(files.has(path), `${path} is packed`);
      }
    }
    const unwanted = packedFiles.filter((path) =>
      /^(src|test|bench|scripts|dist\/test|dist\/bench|\.ci)\/|\.map$|\.tsbuildinfo$/.test(path),
    );
    assert.deepEqual(unwanted, []);
    // A user's install runs no script of ours, so npm has nothing to warn about.
    assert.doesNotMatch(installOutput.stderr, /install-scripts|prepare/i, installOutput.stderr);
    assert.ok(
      packedFiles.every((path) => !path.endsWith('.ts') || path.endsWith('.d.ts') || path.startsWith('fixtures/templates/')),
      'TypeScript sources only as templates',
    );
  });
});

describe('installed package: every command from the installed bin', { timeout: 300_000 }, () => {
  it('--version and --help', async () => {
    const version = await installed(['--version']);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const help = await installed(['--help']);
    assert.equal(help.code, 0);
    for (const command of [
      'send',
      'probe',
      'listen',
      'verify',
      'replay',
      'scenario',
      'validate',
      'schema',
      'fixtures',
      'init',
      'completion',
      'demo',
    ]) {
      assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), command);
    }
    assert.equal(help.stderr, '', 'no warning on stderr');
  });

  it('send: a fixture, signed; the receiver verifies it with its own HMAC', async () => {
    const receiver = await startReceiver(SECRET);
    try {
      const sent = await installed(['send', 'status-update', '--to', receiver.url, '--json']);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stderr, '');
      const [line] = events(sent.stdout, 'send');
      assert.equal(line!.status, 200);
      assert.equal(line!.ok, true);
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]!.signatureValid, true);
      assert.equal(receiver.received[0]!.headers['x-webhook-event'], 'status-update');
      assert.ok(!sent.stdout.includes(SECRET), 'the secret is never printed');
    } finally {
      await receiver.close();
    }
  });

  it('send load: every request sent, signed and judged', async () => {
    const receiver = await startReceiver(SECRET);
    try {
      const load = await installed(['send', 'load', 'tool-calls', '--count', '40', '--concurrency', '4', '--to', receiver.url, '--json']);
      assert.equal(load.code, 0, load.stderr);
      const [summary] = events(load.stdout, 'load');
      assert.equal(summary!.sent, 40);
      assert.equal(summary!.answered, 40);
      assert.deepEqual(summary!.statuses, { 200: 40 });
      assert.equal(receiver.received.length, 40);
      assert.ok(receiver.received.every((request) => request.signatureValid === true));
    } finally {
      await receiver.close();
    }
  });

  it('send load --ramp: the knee and its chart', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    const plot = join(dir, 'knee.svg');
    try {
      const ramped = await installed([
        'send',
        'load',
        'tool-calls',
        '--to',
        receiver.url,
        '--ramp',
        '1..2',
        '--step-seconds',
        '1',
        '--every',
        '250',
        '--plot',
        plot,
        '--json',
      ]);
      assert.equal(ramped.code, 0, ramped.stderr);
      const [curve] = events(ramped.stdout, 'ramp');
      assert.equal(curve!.knee, 2);
      assert.match(readFileSync(plot, 'utf8'), />knee: 2</);
      assert.ok(receiver.received.every((request) => request.signatureValid === true));
    } finally {
      await receiver.close();
    }
  });

  it('send load --emit artillery: a project whose processor signs each request as the platform does', async () => {
    const out = join(dir, 'artillery');
    const emitted = await installed(['send', 'load', '--scenario', 'book-appointment', '--emit', 'artillery', '--out', out, '--json']);
    assert.equal(emitted.code, 0, emitted.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['README.md', 'artillery.yml', 'hms-webhook.js', 'payloads.json']);
    for (const file of readdirSync(out)) assert.ok(!readFileSync(join(out, file), 'utf8').includes(SECRET), `${file} holds no secret`);
    const processor = createRequire(join(out, 'package.json'))(join(out, 'hms-webhook.js'));
    const context = { vars: {} };
    processor.hmsStartCall(context, undefined, () => {});
    const request: Record<string, any> = { headers: {} };
    const saved = process.env.HMS_WEBHOOK_SECRET;
    process.env.HMS_WEBHOOK_SECRET = SECRET;
    try {
      processor.hmsSign(request, context, undefined, (error?: Error) => assert.ifError(error));
    } finally {
      process.env.HMS_WEBHOOK_SECRET = saved;
    }
    const signature = String(request.headers['x-webhook-signature']);
    const timestamp = String(request.headers['x-webhook-timestamp']);
    const body = join(out, 'sent-body.json');
    writeFileSync(body, request.body);
    const verified = await installed(['verify', '--json', '--body', body, '--signature', signature, '--timestamp', timestamp]);
    assert.equal(verified.code, 0, verified.stdout);
  });

  it('send call: a whole call, in order, every reply checked', async () => {
    const receiver = await startReceiver(SECRET, correctReplies);
    try {
      const played = await installed(['send', 'call', '--to', receiver.url, '--json']);
      assert.equal(played.code, 0, played.stdout);
      assert.deepEqual(
        receiver.received.map((request) => request.headers['x-webhook-event']),
        ['assistant-request', 'status-update', 'tool-calls', 'tool-calls', 'status-update', 'end-of-call-report'],
      );
      const summary = jsonLines(played.stdout).at(-1)!;
      assert.equal(summary.passed, 6);
      assert.equal(summary.failed, 0);
    } finally {
      await receiver.close();
    }
  });

  describe('listen, and what it saved: verify, replay --compare, scenario from', () => {
    const captures = join(dir, 'forwarded.jsonl');
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      receiver = await startReceiver(SECRET, correctReplies);
    });
    // Closed whatever failed: an open server would keep this file's process, and the whole run, waiting.
    after(() => receiver.close());

    it('listen --save --forward-to relays a whole send call to a real receiver and saves each request privately', async () => {
      const listen = await installedListen(['--save', captures, '--forward-to', receiver.url]);
      let played: CliResult;
      try {
        played = await installed(['send', 'call', '--to', listen.url, '--json']);
      } finally {
        await listen.stop();
      }
      assert.equal(played.code, 0, `${played.stdout}\n${listen.stdout()}\n${listen.stderr()}`);
      assert.equal(receiver.received.length, 6, 'every event reached the receiver');
      assert.ok(
        receiver.received.every((request) => request.signatureValid === true && request.headers['x-hms-webhook-forwarded'] === '1'),
      );
      const seen = events(listen.stdout(), 'event');
      assert.equal(seen.length, 6);
      for (const event of seen) assert.equal(event.forward?.status, 200, JSON.stringify(event));
      // The receiver's own tool results came back through the listener.
      const toolStep = events(played.stdout, 'step').find((step) => step.event === 'tool-calls');
      assert.ok(toolStep?.ok, JSON.stringify(toolStep));
      assert.equal(readFileSync(captures, 'utf8').trim().split('\n').length, 6);
      assert.equal(statSync(captures).mode & 0o777, 0o600);
    });

    it('verify: every saved request verifies', async () => {
      const verified = await installed(['verify', captures, '--json']);
      assert.equal(verified.code, 0, verified.stdout);
      assert.deepEqual(jsonLines(verified.stdout).at(-1), { type: 'summary', passed: 6, failed: 0 });
    });

    it('replay --compare: the recorded replies match the receiver’s replies now; a changed result is a failure', async () => {
      const same = await installed(['replay', captures, '--to', receiver.url, '--compare', '--json']);
      assert.equal(same.code, 0, same.stdout);
      const changed = await startReceiver(SECRET, (request) => {
        const answer = correctReplies(request);
        return request.headers['x-webhook-event'] === 'tool-calls'
          ? { ...answer, body: answer.body!.replace('"ok":true', '"ok":false') }
          : answer;
      });
      try {
        const differs = await installed(['replay', captures, '--to', changed.url, '--compare']);
        assert.equal(differs.code, 1, differs.stdout);
        assert.match(differs.stdout, /result\.ok/);
      } finally {
        await changed.close();
      }
    });

    it('scenario from: the captured call becomes a scenario that send call plays', async () => {
      const scenario = join(dir, 'recorded-scenario.json');
      const written = await installed(['scenario', 'from', captures, '--out', scenario]);
      assert.equal(written.code, 0, written.stderr);
      const parsed = JSON.parse(readFileSync(scenario, 'utf8')) as Record<string, unknown>;
      assert.ok(Object.keys(parsed).length > 0);
      const played = await installed(['send', 'call', '--scenario', scenario, '--to', receiver.url, '--json']);
      assert.equal(played.code, 0, played.stdout);
      assert.equal(jsonLines(played.stdout).at(-1)!.failed, 0);
    });

    it('probe: a listener with a secret refuses every forgery and accepts the real thing', async () => {
      const listen = await installedListen([]);
      try {
        const probed = await installed(['probe', '--to', listen.url, '--json']);
        assert.equal(probed.code, 0, probed.stdout);
        const summary = jsonLines(probed.stdout).at(-1)!;
        assert.equal(summary.failed, 0);
        assert.ok(Number(summary.passed) > 15);
      } finally {
        await listen.stop();
      }
    });
  });

  it('send call --chaos all --calls 20 into listen: every call passes, the plan reproducible by its seed', async () => {
    const listen = await installedListen([]);
    let played: CliResult;
    try {
      played = await installed(['send', 'call', '--to', listen.url, '--chaos', 'all', '--seed', '9', '--calls', '20', '--json']);
    } finally {
      await listen.stop();
    }
    assert.equal(played.code, 0, played.stdout);
    const calls = events(played.stdout, 'call');
    assert.equal(calls.length, 20);
    assert.equal(new Set(calls.map((call) => call.call_id)).size, 20, 'each call its own id');
    assert.ok(
      calls.some((call) => (call.faults as string[]).length > 0),
      'faults were played',
    );
    const summary = jsonLines(played.stdout).at(-1)!;
    assert.equal(summary.seed, 9);
    assert.deepEqual([summary.passed, summary.failed], [20, 0]);
  });

  it('tools check, a routed call and --fuzz: the fixture assistant with a routed and an async tool, into listen', async () => {
    const shown = await installed(['fixtures', 'show', 'assistant-request/with-tools', '--reply']);
    const assistantFile = join(dir, 'with-tools.json');
    writeFileSync(assistantFile, shown.stdout);
    const listen = await installedListen([]);
    let checked: CliResult;
    let played: CliResult;
    let fuzzed: CliResult;
    try {
      const local = ['--route', `book_appointment=${listen.url}`, '--to', listen.url, '--json'];
      checked = await installed(['tools', 'check', '--assistant', assistantFile, ...local]);
      played = await installed(['send', 'call', 'confirm-by-sms', ...local]);
      fuzzed = await installed(['send', 'tool-calls', '--assistant', assistantFile, '--fuzz', '10', '--seed', '1', ...local]);
    } finally {
      await listen.stop();
    }
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.deepEqual(
      events(checked.stdout, 'tool').map((row) => [row.tool, row.route.source, row.async]),
      [
        ['lookup_contact', 'receiver', false],
        ['book_appointment', 'route', false],
        ['send_confirmation_sms', 'receiver', true],
      ],
    );
    assert.equal(played.code, 0, played.stdout + played.stderr);
    assert.ok(events(played.stdout, 'step').some((step) => step.route?.source === 'route'));
    assert.equal(fuzzed.code, 0, fuzzed.stdout + fuzzed.stderr);
    assert.deepEqual(
      events(fuzzed.stdout, 'fuzz').map((row) => [row.tool, row.ok]),
      [
        ['lookup_contact', true],
        ['book_appointment', true],
        ['send_confirmation_sms', true],
      ],
    );
  });

  it('listen answers tool-calls with a result per id', async () => {
    const listen = await installedListen([]);
    try {
      const sent = await installed(['send', 'tool-calls', '--to', listen.url, '--json']);
      assert.equal(sent.code, 0, sent.stdout);
      const [line] = events(sent.stdout, 'send');
      assert.ok(Array.isArray(line!.reply.results) && line!.reply.results.length > 0, JSON.stringify(line!.reply));
    } finally {
      await listen.stop();
    }
  });

  it('listen --ui: the page and its API, with the token', async () => {
    const listen = await installedListen(['--ui', '--ui-port', '0']);
    try {
      const inspector = new URL(/Inspector: (\S+)/.exec(listen.stderr())?.[1] ?? 'http://missing/');
      const token = inspector.searchParams.get('token')!;
      await installed(['send', 'status-update', '--to', listen.url]);
      const cookie = `hms_inspector_${inspector.port}=${token}`;
      const page = await call(`${inspector.origin}/`, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(page.text, /<html/i);
      // The page's script, bundled by the build, is in the package and served inline.
      assert.match(page.text, /<script nonce="[\w-]+">[\s\S]*no request matches[\s\S]*<\/script>/);
      const list = JSON.parse((await call(`${inspector.origin}/api/requests`, { headers: { cookie } })).text) as { event?: string }[];
      assert.deepEqual(
        list.map((request) => request.event),
        ['status-update'],
      );
      assert.equal((await call(`${inspector.origin}/api/requests`)).status, 401, 'no token, no API');
    } finally {
      await listen.stop();
    }
  });

  it('validate: a fixture passes, a broken payload fails with its path', async () => {
    const good = await installed([
      'validate',
      join(installedRoot, 'fixtures/tool-calls', readdirSync(join(installedRoot, 'fixtures/tool-calls'))[0]!),
    ]);
    assert.equal(good.code, 0, good.stdout);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ message: { type: 'tool-calls', call: { id: 'x' }, tool_call_list: [{ id: 1 }] } }));
    const failed = await installed(['validate', bad]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /tool_call_list\[0\]/);
  });

  it('schema: the JSON Schema of a payload and of a reply', async () => {
    const payload = JSON.parse((await installed(['schema', 'tool-calls'])).stdout) as Record<string, any>;
    assert.ok(payload.properties?.message, JSON.stringify(payload).slice(0, 200));
    const reply = JSON.parse((await installed(['schema', 'tool-calls', '--reply'])).stdout) as Record<string, any>;
    assert.notDeepEqual(reply, payload);
  });

  it('fixtures list and show', async () => {
    const records = (await installed(['fixtures', 'list', '--json'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; name: string });
    const list = records.filter((record) => record.type === 'fixture');
    assert.ok(list.some((fixture) => fixture.name.startsWith('tool-calls/')));
    assert.ok(records.some((record) => record.type === 'scenario' && record.name === 'book-appointment'));
    const shown = JSON.parse((await installed(['fixtures', 'show', list[0]!.name])).stdout) as { message?: { type?: string } };
    assert.equal(shown.message?.type, list[0]!.name.split('/')[0]);
  });

  it('completion bash: a script bash parses, naming the commands', async () => {
    const script = await installed(['completion', 'bash']);
    assert.equal(script.code, 0);
    assert.match(script.stdout, /listen/);
    const file = join(dir, 'completion.bash');
    writeFileSync(file, script.stdout);
    await run('bash', ['-n', file]);
  });

  it('demo: a whole call against the built-in listener, then verify', async () => {
    const demo = await installed(['demo', '--json'], { env: { HMS_WEBHOOK_SECRET: '' } });
    assert.equal(demo.code, 0, demo.stderr);
    const summary = jsonLines(demo.stdout).at(-1)!;
    assert.deepEqual(
      [summary.call, summary.verify],
      [
        { passed: 6, failed: 0 },
        { passed: 6, failed: 0 },
      ],
    );
  });

  it('init express (js): npm install and npm start with nothing of this package, then probe from the installed bin', async () => {
    const out = join(dir, 'express-receiver');
    const written = await installed(['init', 'express', '--lang', 'js', '--out', out]);
    assert.equal(written.code, 0, written.stderr);
    assert.doesNotMatch(readFileSync(join(out, 'package.json'), 'utf8'), /hms-webhook/);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: out,
      env: { ...process.env, PATH: nodeFirstOnPath() },
    });
    const receiver = await start('npm', ['start'], out, SECRET, { PATH: nodeFirstOnPath() });
    try {
      const probed = await installed(['probe', '--to', receiver.url, '--json']);
      assert.equal(probed.code, 0, `${probed.stdout}\n${receiver.output()}`);
      assert.equal(jsonLines(probed.stdout).at(-1)!.failed, 0);
    } finally {
      await receiver.stop();
    }
  });

  it('init flask: its own 20 lines of verification, then probe from the installed bin', async (t) => {
    if (!(await pythonHas('flask'))) {
      assert.ok(!required, `${PYTHON} has no flask: apt-get install python3-flask`);
      t.skip(`${PYTHON} has no flask (apt-get install python3-flask)`);
      return;
    }
    const out = join(dir, 'flask-receiver');
    assert.equal((await installed(['init', 'flask', '--out', out])).code, 0);
    const receiver = await start(PYTHON, ['app.py'], out, SECRET);
    try {
      const probed = await installed(['probe', '--to', receiver.url, '--json']);
      assert.equal(probed.code, 0, `${probed.stdout}\n${receiver.output()}`);
    } finally {
      await receiver.stop();
    }
  });

  /** A project of the user's with the installed package (and Node's types, as a TypeScript user has them). */
  function libraryUser(name: string, packageJson: object): string {
    const project = join(dir, name);
    mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
    symlinkSync(installedRoot, join(project, 'node_modules/hms-webhook'));
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));
    writeFileSync(join(project, 'package.json'), JSON.stringify(packageJson));
    return project;
  }

  const LIBRARY_CHECK = [
    "const body = JSON.stringify(loadFixture('status-update/ended').document);",
    "const headers = sign({ body, secret: 's' });",
    "console.log(JSON.stringify({ verified: verify({ body, headers, secrets: ['s'] }).ok, valid: validatePayload(JSON.parse(body)).errors.length === 0 }));",
  ].join('\n');

  it('the library: import and require() of "hms-webhook" in a project that installed it, needing no other package', async () => {
    const esm = libraryUser('library-esm', { type: 'module' });
    writeFileSync(join(esm, 'check.js'), `import { sign, verify, validatePayload, loadFixture } from 'hms-webhook';\n${LIBRARY_CHECK}`);
    assert.deepEqual(JSON.parse((await run(process.execPath, ['check.js'], { cwd: esm })).stdout), { verified: true, valid: true });
    const cjs = libraryUser('library-cjs', {});
    writeFileSync(
      join(cjs, 'check.js'),
      `const { sign, verify, validatePayload, loadFixture } = require('hms-webhook');\n${LIBRARY_CHECK}`,
    );
    assert.deepEqual(JSON.parse((await run(process.execPath, ['check.js'], { cwd: cjs })).stdout), { verified: true, valid: true });
    // Bundled: of its dependencies, only zod is installed with it (its schema types are part of the API).
    const dependencies = JSON.parse(readFileSync(join(installedRoot, 'package.json'), 'utf8')).dependencies;
    assert.deepEqual(Object.keys(dependencies), ['zod']);
  });

  it('the library in TypeScript: node16 and nodenext from ESM and CommonJS, and bundler, type-check with the types as published and run', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const source = [
      "import { isPayloadOf, sign, verifyBody, type VerifiedRequest } from 'hms-webhook';",
      "const body = Buffer.from(JSON.stringify({ message: { type: 'status-update', call: { id: 'c1', status: 'ended' } } }));",
      "const result: VerifiedRequest = verifyBody(body, sign({ body, secret: 's' }), { secrets: ['s'] });",
      "const status: string | undefined = result.ok && isPayloadOf(result.payload, 'status-update') ? result.payload.message.call.status : undefined;",
      'console.log(JSON.stringify({ ok: result.ok, status }));',
    ].join('\n');
    const cases = [
      { name: 'node16-esm', packageJson: { type: 'module' }, options: { module: 'node16', moduleResolution: 'node16' } },
      { name: 'nodenext-cjs', packageJson: {}, options: { module: 'nodenext', moduleResolution: 'nodenext' } },
      { name: 'node16-cjs', packageJson: {}, options: { module: 'node16', moduleResolution: 'node16' } },
      { name: 'bundler', packageJson: { type: 'module' }, options: { module: 'esnext', moduleResolution: 'bundler' } },
    ];
    for (const { name, packageJson, options } of cases) {
      const project = libraryUser(`library-ts-${name}`, packageJson);
      writeFileSync(join(project, 'index.ts'), source);
      // skipLibCheck off: the published declarations themselves are checked.
      const compilerOptions = { ...options, target: 'es2022', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' };
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['index.ts'] }));
      const compiled = await run(process.execPath, [tsc, '-p', project]).catch((error: { stdout: string }) =>
        assert.fail(`${name}: ${error.stdout}`),
      );
      assert.equal(compiled.stdout, '', name);
      if (name === 'bundler') continue;
      const ran = await run(process.execPath, [join(project, 'out/index.js')], { cwd: project });
      assert.deepEqual(JSON.parse(ran.stdout), { ok: true, status: 'ended' }, name);
    }
  });

  it('the tarball as published: publint and are-the-types-wrong find no problem', async () => {
    const attw = await run(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball], {
      env: { ...process.env, NO_COLOR: '1' },
    }).catch((error: { stdout: string }) => assert.fail(error.stdout));
    assert.match(attw.stdout, /No problems found/);
    // The installed files as they are: no packing (the installed package.json's scripts have nothing to build with).
    const publint = await run(process.execPath, [
      join(ROOT, 'node_modules/publint/src/cli.js'),
      installedRoot,
      '--pack',
      'false',
      '--strict',
    ]).catch((error: { stdout: string; stderr: string }) => assert.fail(`${error.stdout}${error.stderr}`));
    assert.match(publint.stdout, /All good/);
  });
});
