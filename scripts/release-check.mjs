// Before a release is published: the tag names the version in package.json, and CHANGELOG.md has a
// section for it. Usage: node scripts/release-check.mjs v1.2.3
import { readFileSync } from 'node:fs';

const tag = process.argv[2] ?? '';
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const changelog = readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
const problems = [];
if (tag !== `v${version}`) problems.push(`the tag ${JSON.stringify(tag)} is not v${version}, the version in package.json`);
if (!changelog.split('\n').some((line) => line.startsWith(`## ${version} `) || line === `## ${version}`))
  problems.push(`CHANGELOG.md has no "## ${version}" section`);
for (const problem of problems) console.error(`release-check: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`release-check: v${version} is ready to publish`);
