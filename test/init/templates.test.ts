import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ts from 'typescript';
import { sign, verify } from '../../src/signing/signature.js';
import { promisify } from 'node:util';
import { jsonLines, runCli, temporaryFolder } from '../helpers.js';
import { PYTHON, pythonHas, type Started, start } from './started-receiver.js';

// Each template, generated, installed as a user installs it, started, and checked with probe and
// send call in both dialects. The Node templates depend on their framework alone (they verify with
// their own verify module); the Python ones run `pip install -r requirements.txt` in a virtualenv that sees Debian's python3-flask,
// python3-fastapi and python3-uvicorn (.ci/run installs them), which satisfy the requirements offline.

const SECRET = 'template-secret-41ac';
/** The receivers accept every secret of a rotation. */
const SECRETS = `old-secret, ${SECRET}`;
const dir = temporaryFolder('hms-init-');
const run = promisify(execFile);
const required = process.env.HMS_WEBHOOK_TEMPLATE_TESTS === 'required';
// CI runs the installs once, on Node 20; on 22 and 24 it sets `skip` to keep within its time.
const skipInstalls = process.env.HMS_WEBHOOK_TEMPLATE_TESTS === 'skip';

/** probe passes every case (a duplicate delivery answered as the first), send call passes every step, and so do 50 chaotic calls. */
async function checkReceiver(receiver: Started, dialect: 'hms' | 'flireo'): Promise<void> {
  const probe = await runCli(['probe', '--to', receiver.url, '--secret', SECRET, '--json']);
  assert.equal(probe.code, 0, `${probe.stdout}\n${receiver.output()}`);
  const cases = jsonLines(probe.stdout).filter((line) => line.type === 'probe');
  assert.ok(cases.length > 15, probe.stdout);
  for (const result of cases) {
    assert.equal(result.verdict, 'pass', `${String(result.case)}: ${JSON.stringify(result)}`);
  }
  const call = await runCli(['send', 'call', '--to', receiver.url, '--secret', SECRET, '--dialect', dialect, '--json']);
  assert.equal(call.code, 0, `${call.stdout}\n${receiver.output()}`);
  assert.deepEqual(jsonLines(call.stdout).at(-1), {
    type: 'summary',
    call_id: jsonLines(call.stdout).at(-1)!.call_id,
    passed: 6,
    failed: 0,
  });
  // Delivered as the platform really delivers, 50 calls at once: the receiver de-duplicates and takes any order.
  const chaos = await runCli([
    'send',
    'call',
    '--to',
    receiver.url,
    '--secret',
    SECRET,
    '--dialect',
    dialect,
    '--json',
    '--chaos',
    'all',
    '--calls',
    '50',
  ]);
  assert.equal(chaos.code, 0, `${chaos.stdout.slice(-4000)}\n${receiver.output()}`);
  assert.equal(jsonLines(chaos.stdout).at(-1)!.passed, 50);
}

async function generate(framework: string, out: string, ...args: string[]): Promise<void> {
  const result = await runCli(['init', framework, '--out', out, ...args]);
  assert.equal(result.code, 0, result.stderr);
}

/** A generated receiver needs nothing of this package: its manifest names only its framework. */
function assertStandalone(out: string): void {
  const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, any>;
  for (const dependencies of [manifest.dependencies, manifest.devDependencies]) {
    assert.ok(!Object.hasOwn(dependencies ?? {}, 'hms-webhook'), JSON.stringify(manifest));
  }
}

const npmInstall = (cwd: string) => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd });

describe('init: templates that pass probe and send call', {
  timeout: 600_000,
  skip: skipInstalls && 'HMS_WEBHOOK_TEMPLATE_TESTS=skip',
}, () => {
  for (const framework of ['express', 'fastify', 'hono'] as const) {
    for (const lang of ['ts', 'js'] as const) {
      it(`${framework} (${lang}): npm install, npm start, then probe and send call in hms, and in flireo`, async () => {
        const out = join(dir, `${framework}-${lang}`);
        await generate(framework, out, '--lang', lang);
        assertStandalone(out);
        await npmInstall(out);
        // The TypeScript receiver type-checks with its own tsc, in both dialects.
        if (lang === 'ts') await run('npm', ['run', 'typecheck'], { cwd: out });
        let receiver = await start('npm', ['start'], out, SECRETS);
        try {
          await checkReceiver(receiver, 'hms');
        } finally {
          await receiver.stop();
        }
        // The flireo template over the same install: only the source files differ.
        await generate(framework, out, '--lang', lang, '--dialect', 'flireo', '--force');
        if (lang === 'ts') await run('npm', ['run', 'typecheck'], { cwd: out });
        receiver = await start('npm', ['start'], out, SECRETS);
        try {
          await checkReceiver(receiver, 'flireo');
        } finally {
          await receiver.stop();
        }
      });
    }
  }

  it('nextjs: npm install and npm start as its README says (next build, with its type check, then next start), in hms and flireo', async () => {
    for (const [lang, dialect] of [
      ['ts', 'hms'],
      ['js', 'flireo'],
    ] as const) {
      const out = join(dir, `nextjs-${lang}`);
      await generate('nextjs', out, '--lang', lang, '--dialect', dialect);
      assertStandalone(out);
      // The newest Next.js its version range allows, as a user who runs the README gets it.
      await npmInstall(out);
      const receiver = await start('npm', ['start'], out, SECRETS, { NEXT_TELEMETRY_DISABLED: '1' });
      try {
        await checkReceiver(receiver, dialect);
      } finally {
        await receiver.stop();
      }
    }
  });

  for (const [framework, module] of [
    ['flask', 'flask'],
    ['fastapi', 'fastapi'],
  ] as const) {
    it(`${framework}: pip install -r requirements.txt, python app.py, then probe and send call in hms, and in flireo`, async (t) => {
      if (!(await pythonHas(module)) || !(await pythonHas('uvicorn'))) {
        assert.ok(!required, `${PYTHON} has no ${module}: apt-get install python3-flask python3-fastapi python3-uvicorn`);
        t.skip(`${PYTHON} has no ${module} (apt-get install python3-flask python3-fastapi python3-uvicorn)`);
        return;
      }
      for (const dialect of ['hms', 'flireo'] as const) {
        const out = join(dir, `${framework}-${dialect}`);
        await generate(framework, out, '--dialect', dialect);
        await run(PYTHON, ['-m', 'venv', '--system-site-packages', '.venv'], { cwd: out });
        // The README's command, kept off the network: Debian's packages satisfy the requirements (its
        // fastapi's metadata names an older starlette than Debian ships, so dependencies are not re-resolved).
        await run(join(out, '.venv/bin/pip'), ['install', '-r', 'requirements.txt'], {
          cwd: out,
          env: { ...process.env, PIP_NO_INDEX: '1', PIP_NO_DEPS: '1' },
        });
        const receiver = await start(join(out, '.venv/bin/python'), ['app.py'], out, SECRETS);
        try {
          await checkReceiver(receiver, dialect);
        } finally {
          await receiver.stop();
        }
      }
    });
  }
});

describe('init: what it writes', () => {
  it('writes the project with the README commands and the dialect keys, and refuses to overwrite without --force', async () => {
    const out = join(dir, 'plain');
    const first = await runCli(['init', 'flask', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['.gitignore', 'README.md', 'app.py', 'handlers.py', 'requirements.txt']);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    assert.match(readme, /pip install -r requirements\.txt/);
    assert.match(readme, /python app\.py/);
    assert.match(readme, /hms-webhook probe --to http:\/\/localhost:3000\/webhooks/);
    assert.doesNotMatch(readFileSync(join(out, 'app.py'), 'utf8'), /__[A-Z_]+__/, 'every marker filled');
    assert.match(readFileSync(join(out, 'app.py'), 'utf8'), /Flask\(__name__\)/, "Python's own dunders stay");
    const again = await runCli(['init', 'flask', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^hms-webhook: .*app\.py is already there \(and 4 more\): choose another --out, or --force to overwrite\n$/);
    assert.equal((await runCli(['init', 'flask', '--out', out, '--force'])).code, 0);
    const node = join(dir, 'node-readme');
    assert.equal((await runCli(['init', 'express', '--out', node, '--dialect', 'flireo'])).code, 0);
    assert.match(readFileSync(join(node, 'README.md'), 'utf8'), /npm install[\s\S]*npm start/);
    assert.match(readFileSync(join(node, 'README.md'), 'utf8'), /send call --to http:\/\/localhost:3000\/webhooks --dialect flireo\n/);
    assert.match(readFileSync(join(node, 'handlers.ts'), 'utf8'), /message\.toolCallList/);
    assert.ok(statSync(join(node, 'package.json')).isFile());
    assert.ok(!existsSync(join(node, 'handlers.js')));
  });

  it('bad input: an unknown framework, --lang js for Python, a folder that cannot be written', async () => {
    const unknown = await runCli(['init', 'django']);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      "hms-webhook: command-argument value 'django' is invalid for argument 'framework'. Allowed choices are express, fastify, hono, nextjs, fastapi, flask.\n",
    );
    const js = await runCli(['init', 'flask', '--lang', 'js', '--out', join(dir, 'x')]);
    assert.equal(js.code, 2);
    assert.equal(js.stderr, 'hms-webhook: --lang applies to the Node frameworks; flask is Python\n');
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const blocked = await runCli(['init', 'express', '--out', join(file, 'sub')]);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /^hms-webhook: cannot write .*a-file\/sub\/server\.ts: /);
  });

  it("the Node receivers' own verify module (ts and js) agrees with this package's verify on any body, header and secret", async () => {
    type VerifyModule = { signatureProblem(body: Uint8Array, headers: object, secrets: string[], now?: number): string | undefined };
    const verdicts: VerifyModule[] = [];
    for (const lang of ['ts', 'js'] as const) {
      const out = join(dir, `verify-${lang}`);
      await generate('express', out, '--lang', lang);
      const source = join(out, `verify.${lang}`);
      // The .ts one with its types stripped, as the tsx of `npm start` runs it.
      const loadable = lang === 'ts' ? join(out, 'verify.mjs') : source;
      if (lang === 'ts') {
        const options = { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } };
        writeFileSync(loadable, ts.transpileModule(readFileSync(source, 'utf8'), options).outputText);
      }
      verdicts.push((await import(loadable)) as VerifyModule);
    }
    const now = 1_760_000_000;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.integer({ min: -400, max: 400 }),
        fc.constantFrom('keep', 'upper', 'no-prefix', 'flip', 'short', 'missing'),
        async (body, secret, other, skew, edit) => {
          const headers: Record<string, string> = Object.fromEntries(
            Object.entries(sign({ body, secret, timestamp: now + skew, event: 'status-update' })).map(([name, value]) => [
              name.toLowerCase(),
              value,
            ]),
          );
          const signed = { ...headers };
          const hex = signed['x-webhook-signature']!.slice('sha256='.length);
          if (edit === 'upper') headers['x-webhook-signature'] = `sha256=${hex.toUpperCase()}`;
          if (edit === 'no-prefix') headers['x-webhook-signature'] = hex;
          if (edit === 'flip') headers['x-webhook-signature'] = `sha256=${hex[0] === 'a' ? 'b' : 'a'}${hex.slice(1)}`;
          if (edit === 'short') headers['x-webhook-signature'] = `sha256=${hex.slice(2)}`;
          if (edit === 'missing') delete headers['x-webhook-signature'];
          // Upper-case hex is the same signature to the receiver; this package's verify reads the platform's lower case.
          const expected = verify({
            body,
            headers: edit === 'upper' ? signed : headers,
            secrets: [other, secret],
            now,
            toleranceSeconds: 300,
          }).ok;
          for (const module of verdicts)
            assert.equal(module.signatureProblem(body, headers, [other, secret], now) === undefined, expected, edit);
        },
      ),
    );
  });

  it('--help lists the frameworks', async () => {
    const help = await runCli(['init', '--help']);
    assert.match(help.stdout, /Frameworks: express, fastify, hono, nextjs .* fastapi, flask/);
  });
});
