import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';
import { nodeFirstOnPath, quietIo, ROOT, spawnCli, temporaryFolder } from '../helpers.js';
import { type InstalledPackage, installPacked } from '../installed/packed.js';
import { commandPaths, documentBlocks, type Example, helpExamples, type Shell, shellSession } from './examples.js';
import { EXPECTED, type Expectation, FILES, RECEIVER_SECRET } from './expected.js';

// Every example of README.md, docs/ and every --help, run as printed in a shell with the installed
// package's bin on PATH, judged by its exit code and a line of what it printed (expected.ts). The
// user's receiver is an `init express` receiver on port 3000, the listener `listen` on 8484: the
// ports the examples name, so that nothing is rewritten.

const dir = temporaryFolder('hms-examples-');
let installed: InstalledPackage;
let sessions = 0;
/** Every example the runs above met: an expectation none of them met is stale. */
const seen = new Set<string>();

function environment(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _color, HMS_WEBHOOK_SECRET: _secret, ...inherited } = process.env;
  return {
    ...inherited,
    HOME: join(dir, 'home'),
    PATH: [join(installed.prefix, 'bin'), nodeFirstOnPath()].join(':'),
    // `npx hms-webhook` finds the global install, as it does for a user who installed it.
    npm_config_prefix: installed.prefix,
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
    CI: '',
    GITHUB_ACTIONS: '',
    HMS_WEBHOOK_SECRET: RECEIVER_SECRET,
  };
}

function session(name: string): { shell: Shell; cwd: string } {
  const cwd = join(dir, `${++sessions}-${name.replace(/\W+/g, '-')}`);
  mkdirSync(cwd, { recursive: true });
  return { shell: shellSession(cwd, join(dir, `state-${sessions}`), environment()), cwd };
}

/** The user's receiver as the tour makes it: `init express`, `npm install`, `npm start` on port 3000. */
async function startReceiver(): Promise<Shell> {
  const { shell } = session('receiver');
  for (const line of ['hms-webhook init express --out receiver', 'cd receiver && npm install --prefer-offline --no-audit --no-fund']) {
    const result = await shell.run(line, 120_000);
    assert.equal(result.code, 0, `${line}: ${result.output}`);
  }
  await shell.background('npm start &', /Receiving webhooks on/);
  return shell;
}

const LISTENER = 'hms-webhook listen --port 8484';

/** Runs a line to its end, or, ending with `&`, in the background until it says it is ready. */
async function runLine(shell: Shell, line: string): Promise<{ code: number | null; output: string }> {
  if (/&\s*(#.*)?$/.test(line)) {
    await shell.background(line, /Listening on|Receiving webhooks on/);
    return { code: 0, output: '' };
  }
  return shell.run(line, 120_000);
}

async function runExample(shell: Shell, example: Example): Promise<void> {
  seen.add(example.text);
  const where = `${example.source}: \`${example.text}\``;
  const expected: Expectation | undefined = EXPECTED[example.text];
  if (expected === undefined) {
    const tried = await shell.run(example.text, 30_000);
    assert.fail(`${where}: no expectation in expected.ts (it exited ${tried.code}):\n${tried.output.slice(0, 1500)}`);
  }
  if ('skip' in expected) return;
  for (const file of expected.files ?? []) {
    for (const line of FILES[file]) {
      const made = await runLine(shell, line);
      assert.equal(made.code, 0, `making ${file} for ${where}: ${line}: ${made.output}`);
    }
  }
  const listener = expected.listener === true ? session('listener').shell : undefined;
  await listener?.background(`${LISTENER} &`, /Listening on/);
  try {
    if ('ready' in expected) {
      const job = await shell.background(example.text, expected.ready);
      // Run in the foreground, it runs until Ctrl-C: stopped once ready, it must end with its verdict, 0.
      if (!/&\s*(#.*)?$/.test(example.text)) assert.equal(await job.stop(), 0, where);
      return;
    }
    const result = await shell.run(example.text, 120_000);
    assert.equal(result.code, expected.exit, `${where}:\n${result.output.slice(-3000)}`);
    assert.match(result.output, expected.says, `${where}:\n${result.output.slice(-3000)}`);
  } finally {
    await listener?.stopJobs();
  }
}

before(async () => {
  installed = await installPacked(dir);
  mkdirSync(join(dir, 'home'), { recursive: true });
});

describe('examples: every one in README.md and docs/ runs as printed', () => {
  const blocks = documentBlocks(ROOT);
  let receiver: Shell | undefined;
  after(() => receiver?.stopJobs());

  for (const page of [...new Set(blocks.map((block) => block.source))]) {
    it(page, async () => {
      // README's tour starts the user's receiver itself; the other pages find it running.
      if (page !== 'README.md') receiver ??= await startReceiver();
      const { shell } = session(page);
      try {
        for (const block of blocks.filter((candidate) => candidate.source === page)) {
          for (const example of block.examples) await runExample(shell, example);
        }
      } finally {
        const codes = await shell.stopJobs();
        assert.ok(
          codes.every((code) => code !== 1 && code !== 2),
          `${page}: a background job failed (${codes.join(', ')})`,
        );
      }
    });
  }
});

describe('examples: the GitLab job of docs/ci.md, its script under sh (dash) as a runner runs it', () => {
  const job = () => {
    const page = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
    const yaml = /```yaml\n(# \.gitlab-ci\.yml[\s\S]*?)```/.exec(page)?.[1];
    assert.ok(yaml, 'the GitLab job is in docs/ci.md');
    return (parse(yaml) as { webhooks: { script: string[] } }).webhooks.script;
  };

  /** The user's project: hms-webhook a dev dependency, and an e2e script that posts to the listener. */
  function project(name: string): string {
    const { cwd } = session(name);
    mkdirSync(join(cwd, 'node_modules/.bin'), { recursive: true });
    symlinkSync(installed.root, join(cwd, 'node_modules/hms-webhook'));
    symlinkSync(installed.bin, join(cwd, 'node_modules/.bin/hms-webhook'));
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ scripts: { e2e: 'hms-webhook send call --to localhost:8484' } }));
    return cwd;
  }

  /** The script's lines in one sh, as GitLab runs them (`npm ci` left out: the project is installed). */
  const runScript = (cwd: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const script = job().filter((line) => line !== 'npm ci');
      const child = spawn('sh', ['-e', '-c', script.join('\n')], { cwd, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk));
      child.on('close', (code) => resolve({ code, output }));
    });

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('passes, leaves no listener running, and writes the report GitLab reads', async () => {
    const cwd = project('gitlab-job');
    const { code, output } = await runScript(cwd);
    assert.equal(code, 0, output);
    assert.match(output, /6 passed, 0 failed/);
    assert.equal(alive(Number(readFileSync(join(cwd, 'listener.pid'), 'utf8'))), false, 'the listener stopped');
    assert.match(readFileSync(join(cwd, 'hms-webhook.xml'), 'utf8'), /tests="6" failures="0"/);
  });

  it("with the port taken, fails at once with the listener's reason instead of waiting for ever", async () => {
    const cwd = project('gitlab-job-port-taken');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(8484, '127.0.0.1', resolve));
    try {
      const { code, output } = await runScript(cwd);
      assert.notEqual(code, 0);
      assert.match(output, /hms-webhook: port 8484 on 127\.0\.0\.1 is in use/, output);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('examples: every one in --help runs as printed', () => {
  let receiver: Shell | undefined;
  after(() => receiver?.stopJobs());

  it('each command’s help', async () => {
    receiver = await startReceiver();
    const program = buildProgram(quietIo()) as CommandUnknownOpts;
    const paths = commandPaths(program);
    let count = 0;
    for (const path of paths) {
      const help = await spawnCli([...path, '--help'], { command: installed.bin });
      const { shell } = session(`help ${path.join(' ')}`);
      try {
        for (const example of helpExamples(`${['hms-webhook', ...path].join(' ')} --help`, help.stdout)) {
          count++;
          await runExample(shell, example);
        }
      } finally {
        await shell.stopJobs();
      }
    }
    assert.ok(count >= 25, `found ${count} examples in the help`);
  });
});

describe('examples: the table', () => {
  it('holds no expectation for an example that is no longer printed', () => {
    const stale = Object.keys(EXPECTED).filter((text) => !seen.has(text));
    assert.deepEqual(stale, []);
  });
});
