import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { nodeFirstOnPath, ROOT, temporaryFolder } from '../helpers.js';

// The release workflow, run here as far as a machine without the registry's trust can: its checks,
// and its publish command as a dry run of the package it would publish.

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Job {
  needs?: string;
  permissions?: Record<string, string>;
  steps: { run?: string; uses?: string }[];
}

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[] } };
  jobs: { test: Job; publish: Job };
};

describe('release', () => {
  it('on a v* tag: the whole suite on Node 20, 22 and 24 (.ci/run), then publish, with provenance, only after it', () => {
    assert.deepEqual(workflow.on.push.tags, ['v*']);
    assert.ok(workflow.jobs.test.steps.some((step) => step.run === 'bash .ci/run'));
    assert.match(readFileSync(join(ROOT, '.ci/run'), 'utf8'), /for major in 22 24/);
    assert.equal(workflow.jobs.publish.needs, 'test');
    assert.equal(workflow.jobs.publish.permissions?.['id-token'], 'write');
    assert.ok(workflow.jobs.publish.steps.some((step) => step.run?.startsWith('npm publish --provenance --access public')));
  });

  it('release-check: the tag must name the version in package.json, and CHANGELOG.md must have its section', async () => {
    const check = (tag: string) => run(process.execPath, [join(ROOT, 'scripts/release-check.mjs'), tag]);
    assert.match((await check(`v${version}`)).stdout, new RegExp(`v${version.replaceAll('.', '\\.')} is ready to publish`));
    await assert.rejects(check('v99.0.0'), (error: { stderr: string; code: number }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, new RegExp(`the tag "v99.0.0" is not v${version.replaceAll('.', '\\.')}`));
      return true;
    });
  });

  it("the publish job's commands in a copy of the package, its publish as a dry run: what it would publish, and nothing else", async () => {
    const commands = workflow.jobs.publish.steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));
    assert.deepEqual(commands.slice(0, 2), ['npm install --global npm@11', 'npm ci']);
    const [check, build, clean, publish] = commands.slice(2);
    assert.equal(build, 'npm run build');
    await run('bash', ['-c', check!], { cwd: ROOT, env: { ...process.env, GITHUB_REF_NAME: `v${version}` } });
    // Built already by this suite: a copy of what the build leaves, where the job's edits cannot touch the checkout.
    const copy = temporaryFolder('hms-release-');
    for (const path of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin', 'dist/bundle', 'dist/lib', 'fixtures'])
      cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    const env = { ...process.env, PATH: nodeFirstOnPath() };
    await run('bash', ['-c', clean!], { cwd: copy, env });
    const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([manifest.scripts, manifest.devDependencies], [undefined, undefined]);
    assert.deepEqual(Object.keys(manifest.dependencies as object), ['zod']);
    assert.match(publish!, /^npm publish --provenance --access public --ignore-scripts$/);
    const dry = await run('bash', ['-c', `${publish} --dry-run --json`], { cwd: copy, env });
    type Published = { id: string; files: { path: string }[] };
    // npm 10 prints the package's object; npm 11 keys it by the package's name.
    const printed = JSON.parse(dry.stdout.slice(dry.stdout.indexOf('{'))) as Published | Record<string, Published>;
    const published = ('id' in printed ? printed : printed['hms-webhook']) as Published;
    assert.equal(published.id, `hms-webhook@${version}`);
    const paths = published.files.map((file) => file.path);
    assert.ok(paths.includes('dist/lib/index.js') && paths.includes('CHANGELOG.md') && paths.includes('LICENSE'), paths.join(' '));
    assert.deepEqual(
      paths.filter((path) => /^(src|test|bench|scripts|\.ci|\.github)\//.test(path)),
      [],
    );
  });
});
